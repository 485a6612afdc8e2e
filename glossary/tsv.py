"""The native glossary format: UTF-8 (a BOM is allowed), tab-separated, `#` comments.

Cells are not quoted (a tab or line break cannot occur in a cell), which keeps every entry on
one line and diffs readable. Which columns the cells are in (header or none) is `table`'s job.

Physical lines end at LF only (a CR before it is part of the line ending): a lone CR, U+2028,
NEL or a form feed inside a cell stays in the cell, where `cells.clean_cells` reports it, and
every later line keeps its true number (`str.splitlines` would split there and shift them).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .entry import COLUMNS, Entry, to_row
from .errors import Problem, Severity
from .table import Row, read_text, read_table


def read_rows(path: Path) -> tuple[list[Row], list[Problem]]:
    """The data rows of a TSV file, skipping blank and comment lines (a line of tabs is a row)."""
    text = read_text(path)
    records = [
        (number, line.split("\t"))
        for number, line in enumerate((line.removesuffix("\r") for line in text.split("\n")), start=1)
        if line.strip(" ") and not line.startswith("#")
    ]
    rows, problems = read_table(records, str(path))
    return rows, quoted_cells(rows, str(path)) + problems


def quoted_cells(rows: Iterable[Row], path: str) -> list[Problem]:
    """A warning for every cell wrapped in double quotes: TSV has no quoting, so they are part of
    the text, and are most likely a spreadsheet's CSV habit (the user decides; nothing is changed)."""
    return [
        Problem(path, line, f"{column}: cell wrapped in quotes ({value!r}); a TSV cell is not quoted, "
                            "so the quotes are part of the text", Severity.WARNING)
        for line, cells in rows
        for column, value in cells.items()
        if len(value.strip()) >= 2 and value.strip()[0] == value.strip()[-1] == '"'
    ]


def dumps(entries: Iterable[Entry], comments: Iterable[str] = ()) -> str:
    """The TSV text: `#` comment lines, the canonical header, then one entry per line."""
    lines = [f"# {comment}" for comment in comments]
    lines.append("\t".join(COLUMNS))
    lines += ["\t".join(to_row(entry).values()) for entry in entries]
    return "\n".join(lines) + "\n"


def write(entries: Iterable[Entry], path: Path) -> None:
    """Write entries with the canonical header, one per line."""
    path.write_text(dumps(entries), encoding="utf-8")
