// Sortable tables of the vi2en evaluation report: plain JavaScript, no library, no network.
// Each sortable column header holds a <button> (so Tab reaches it and Enter or Space sorts);
// cells may carry data-value, the number to sort by (the text is what people read).
"use strict";
(function () {
  function key(cell) {
    const value = cell.dataset.value;
    if (value !== undefined && value !== "" && !Number.isNaN(Number(value))) return Number(value);
    return cell.textContent.trim().toLocaleLowerCase();
  }

  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b));
  }

  function sortBy(table, column, header) {
    const ascending = header.getAttribute("aria-sort") !== "ascending";
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort((x, y) => (ascending ? 1 : -1) * compare(key(x.cells[column]), key(y.cells[column])));
    rows.forEach((row) => body.appendChild(row));
    table.querySelectorAll("th[aria-sort]").forEach((th) => th.setAttribute("aria-sort", "none"));
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const status = table.parentElement.querySelector(".sort-status");
    if (status) status.textContent = "Sorted by " + header.textContent.trim() + (ascending ? ", ascending" : ", descending");
  }

  document.querySelectorAll("table.sortable").forEach((table) => {
    table.querySelectorAll("thead th").forEach((header, column) => {
      const button = header.querySelector("button");
      if (!button) return;
      header.setAttribute("aria-sort", "none");
      button.addEventListener("click", () => sortBy(table, column, header));
    });
  });
})();
