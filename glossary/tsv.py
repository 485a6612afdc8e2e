"""The native glossary format: UTF-8, tab-separated, header row, `#` comments.

Cells are not quoted (a tab or line break cannot occur in a cell), which keeps every entry on
one line and diffs readable.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .entry import COLUMNS, Entry, to_row
from .errors import Problem
from .table import Row, read_table


def read_rows(path: Path) -> tuple[list[Row], list[Problem]]:
    """The data rows of a TSV file, skipping blank and comment lines (a line of tabs is a row)."""
    text = path.read_text(encoding="utf-8-sig")
    records = [
        (number, line.split("\t"))
        for number, line in enumerate(text.splitlines(), start=1)
        if (line.strip() or "\t" in line) and not line.startswith("#")
    ]
    return read_table(records, str(path))


def dumps(entries: Iterable[Entry], comments: Iterable[str] = ()) -> str:
    """The TSV text: `#` comment lines, the canonical header, then one entry per line."""
    lines = [f"# {comment}" for comment in comments]
    lines.append("\t".join(COLUMNS))
    lines += ["\t".join(to_row(entry).values()) for entry in entries]
    return "\n".join(lines) + "\n"


def write(entries: Iterable[Entry], path: Path) -> None:
    """Write entries with the canonical header, one per line."""
    path.write_text(dumps(entries), encoding="utf-8")
