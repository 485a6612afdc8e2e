// The vi2en page: a thin client of the /v1 API. No framework, no build step; text is only ever
// inserted with textContent, so nothing from an article or the glossary can become markup.
"use strict";

const $ = (id) => document.getElementById(id);
const LOOKUP_DELAY_MS = 150;
let lookupTimer = null;
let lookupSeq = 0;
let downloads = [];

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["X-API-Key"] = key;
  return h;
}

async function errorText(response) {
  try {
    const body = await response.json();
    return body.error || response.statusText;
  } catch (_) {
    return response.statusText || "request failed";
  }
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

async function loadSettings() {
  try {
    const response = await fetch("/frontend/settings");
    const settings = await response.json();
    if (settings.keyRequired) $("key-label").hidden = false;
    if (settings.charLimit > 0) $("source").maxLength = settings.charLimit;
  } catch (_) {
    /* the page still works without the settings */
  }
}

async function openFile() {
  const file = $("file").files[0];
  if (!file) return;
  $("source").value = await file.text();
  $("status").textContent = `Opened ${file.name} (${file.size.toLocaleString()} bytes). Press Translate.`;
  $("source").focus();
}

async function translate(event) {
  event.preventDefault();
  const text = $("source").value;
  if (!text.trim()) {
    $("status").textContent = "Paste an article first.";
    $("source").focus();
    return;
  }
  const body = { text, glossary_mode: $("mode").value, acronyms: $("acronyms").value };
  if ($("date").value) body.glossary_date = $("date").value;
  $("submit").disabled = true;
  $("status").textContent = "Translating…";
  try {
    const response = await fetch("/v1/translate", { method: "POST", headers: headers(), body: JSON.stringify(body) });
    if (!response.ok) {
      $("status").textContent = `Not translated: ${await errorText(response)}`;
      return;
    }
    show((await response.json()).documents[0]);
    $("status").textContent = "Done.";
  } catch (_) {
    $("status").textContent = "The server did not answer; try again.";
  } finally {
    $("submit").disabled = false;
  }
}

function show(doc) {
  renderSummary(doc);
  renderEnglish(doc);
  setDownloads(doc);
  $("result").hidden = false;
  $("english").focus();
}

function renderSummary(doc) {
  const s = doc.summary;
  const list = el("dl", { class: "counts" },
    el("dt", {}, "Segments"), el("dd", { id: "count-segments" }, String(s.segments)),
    el("dt", {}, "Glossary terms required"), el("dd", { id: "count-required" }, String(s.terms_required)),
    el("dt", {}, "met"), el("dd", { id: "count-met" }, String(s.terms_met)),
    el("dt", {}, "Double renderings"), el("dd", { id: "count-double" }, String(s.double_renderings)));
  const parts = [list];
  if (s.unmet.length) {
    parts.push(el("p", { class: "problem" }, `${s.unmet.length} term(s) not in the English:`),
      el("ul", { class: "problem" }, ...s.unmet.map((u) => el("li", {}, `segment ${u.index + 1}: ${u.source}`))));
  }
  const doubles = doc.segments.flatMap((seg) => seg.double_renderings.map((d) => `segment ${seg.index + 1}: ${d}`));
  if (doubles.length) {
    parts.push(el("p", { class: "problem" }, "Double renderings:"), el("ul", { class: "problem" }, ...doubles.map((d) => el("li", {}, d))));
  }
  for (const warning of doc.warnings) parts.push(el("p", { class: "warning" }, warning));
  $("summary").replaceChildren(...parts);
}

function renderEnglish(doc) {
  const out = $("english");
  const nodes = [];
  let cursor = 0;
  const spans = [...doc.highlights].sort((a, b) => a.start - b.start);
  spans.forEach((span, number) => {
    if (span.start < cursor) return; // overlapping spans: the first one is shown
    nodes.push(doc.text.slice(cursor, span.start));
    const term = doc.segments.find((seg) => seg.index === span.segment).terms[span.term];
    nodes.push(termElement(doc.text.slice(span.start, span.end), term, doc.entries[term.source], number));
    cursor = span.end;
  });
  nodes.push(doc.text.slice(cursor));
  out.replaceChildren(...nodes);
}

function termElement(english, term, entry, number) {
  const tipId = `term-tip-${number}`;
  const lines = [
    `${term.source} → ${term.approved || term.required[0]}`,
    `type: ${term.type || (entry && entry.type) || "?"}`,
  ];
  if (entry && entry.source) lines.push(`source: ${entry.source}`);
  const where = term.entry || (entry && entry.origin);
  if (where) lines.push(`entry: ${where}`);
  const tip = el("span", { class: "tip", role: "tooltip", id: tipId });
  tip.append(...lines.flatMap((line, i) => (i ? [el("br"), line] : [line])));
  const mark = el("mark", { class: "term", tabindex: "0", "aria-describedby": tipId, "data-vi": term.source }, english, tip);
  return mark;
}

function setDownloads(doc) {
  downloads.forEach((url) => URL.revokeObjectURL(url));
  const txt = URL.createObjectURL(new Blob([doc.text], { type: "text/plain;charset=utf-8" }));
  const jsonl = URL.createObjectURL(new Blob([doc.segments.map((seg) => JSON.stringify(seg)).join("\n") + "\n"],
    { type: "application/x-ndjson;charset=utf-8" }));
  downloads = [txt, jsonl];
  $("download-txt").href = txt;
  $("download-jsonl").href = jsonl;
}

function scheduleLookup() {
  clearTimeout(lookupTimer);
  lookupTimer = setTimeout(lookup, LOOKUP_DELAY_MS);
}

async function lookup() {
  const query = $("lookup").value.trim();
  const seq = ++lookupSeq;
  if (!query) {
    $("lookup-results").replaceChildren();
    $("lookup-status").textContent = "";
    return;
  }
  const params = new URLSearchParams({ q: query, limit: "8" });
  if ($("date").value) params.set("at", $("date").value);
  try {
    const response = await fetch(`/v1/glossary/lookup?${params}`, { headers: headers() });
    if (seq !== lookupSeq) return; // an answer to an older query
    if (!response.ok) {
      $("lookup-status").textContent = await errorText(response);
      return;
    }
    const hits = (await response.json()).hits;
    $("lookup-status").textContent = hits.length ? `${hits.length} entr${hits.length === 1 ? "y" : "ies"}` : "No entry matches.";
    $("lookup-results").replaceChildren(...hits.map((hit) => el("li", {},
      el("span", { class: "vi", lang: "vi" }, hit.vi), " → ", el("strong", {}, hit.en || hit.vi),
      el("span", { class: "meta" }, ` ${hit.type}${hit.acronym ? ", " + hit.acronym : ""}${hit.origin ? ", " + hit.origin : ""}`))));
  } catch (_) {
    if (seq === lookupSeq) $("lookup-status").textContent = "The server did not answer.";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  loadSettings();
  $("translate-form").addEventListener("submit", translate);
  $("file").addEventListener("change", openFile);
  $("source").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("translate-form").requestSubmit();
  });
  $("lookup").addEventListener("input", scheduleLookup);
});
