"""Rows of a tabular glossary file (TSV or CSV): which column each cell belongs to.

Teams keep glossaries in many shapes, so the first record is read as a header only when it
names columns, and any shape that can be read without guessing is accepted:

* **With a header**: any subset of `entry.COLUMNS` in any order, `vi` included, each once.
  Names are compared without case, and spaces or dashes count as underscores ("Valid from").
  Aliases (`ALIASES`): "vietnamese", "vi-VN", "vie" for vi; "english", "en-US", "en-GB",
  "eng" for en; "type" spelled "kind" is *not* accepted (an unknown name is an error, so a typo
  never drops a column). "source"/"target" (the DeepL and translation-memory habit) mean vi/en
  only when the header names "target" and neither vi nor en: otherwise "source" is the
  native column, where an entry's citation goes.
* **Without a header** (the first record names fewer than two columns and not vi): 2 cells are
  vi, en; 3 cells are vi, en, type (DeepL and Google glossaries). Other widths are refused with
  a hint to add a header, since the meaning of a fourth cell cannot be guessed.

A first record that names some columns and not others is a wrong header: it is reported, with
the count of rows not read, instead of being read as data or into the wrong columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .entry import COLUMNS
from .errors import Problem, Severity

Cells = dict[str, str]
Row = tuple[int, Cells]  # (line number, cells by column name)

ALIASES: dict[str, str] = {
    **dict.fromkeys(("vietnamese", "vi_vn", "vie"), "vi"),
    **dict.fromkeys(("english", "en_us", "en_gb", "eng"), "en"),
}
#: Columns of a file without a header, by its number of cells.
HEADERLESS: dict[int, tuple[str, ...]] = {2: ("vi", "en"), 3: ("vi", "en", "type")}


def read_text(path: Path) -> str:
    """The file's text as stored (UTF-8, a BOM dropped), without newline translation: a lone CR
    stays in its cell instead of becoming a line break that would shift every later line."""
    return path.read_bytes().decode("utf-8-sig")


def column_name(name: str) -> str | None:
    """The native column a header cell names (case, spaces, dashes and aliases forgiven), or None."""
    key = name.strip().casefold().replace(" ", "_").replace("-", "_")
    key = ALIASES.get(key, key)
    return key if key in COLUMNS or key == "target" else None


def read_table(records: Iterable[tuple[int, list[str]]], path: str) -> tuple[list[Row], list[Problem]]:
    """Find the columns (header, or the headerless widths), then map every record to them."""
    records = list(records)
    if not records:
        return [], [Problem(path, 0, "empty file: no entries", Severity.WARNING)]
    first_line, first = records[0]
    names = [column_name(cell) for cell in first]
    if "vi" in names or sum(name is not None for name in names) >= 2:
        header, error = _header(first, names)
        if error:
            if records[1:]:
                error += f"; the {len(records) - 1} rows below were not read"
            return [], [Problem(path, first_line, error)]
        data = records[1:]
    else:
        header = HEADERLESS.get(len(first), ())
        if not header:
            return [], [Problem(path, first_line, (
                f"no header, and {len(first)} cells: a file without a header has 2 (vi, en) or 3 (vi, en, type); "
                f"add a header row naming the columns ({' '.join(COLUMNS)}); no row was read"))]
        data = records
    rows: list[Row] = []
    problems: list[Problem] = []
    for line, values in data:
        if len(values) != len(header):
            problems.append(Problem(path, line, f"expected {len(header)} fields, found {len(values)}"))
            continue
        rows.append((line, dict(zip(header, values))))
    return rows, problems


def _header(cells: list[str], names: list[str | None]) -> tuple[tuple[str, ...], str]:
    """The columns a header names, or an error message saying what is wrong with it."""
    unknown = [cell for cell, name in zip(cells, names) if name is None]
    if unknown:
        return (), f"header: unknown column(s) {', '.join(map(repr, unknown))} (known: {' '.join(COLUMNS)})"
    resolved = [str(name) for name in names]
    if "target" in resolved:
        if "vi" in resolved or "en" in resolved or "source" not in resolved:
            return (), "header: 'target' is read as en with 'source' as vi, so it needs 'source' and no vi or en column"
        resolved = [{"source": "vi", "target": "en"}.get(name, name) for name in resolved]
    repeated = sorted({name for name in resolved if resolved.count(name) > 1})
    if repeated:
        return (), f"header: column(s) named twice: {', '.join(repeated)}"
    if "vi" not in resolved:
        return (), f"header: no vi column (found {' '.join(cells)!r})"
    return tuple(resolved), ""
