"""CSV import/export with the native columns, for spreadsheets and other tools.

Uses the stdlib csv module (quoting handles commas in English names); line numbers in
problems are the physical lines where each record ends.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from .entry import COLUMNS, Entry, to_row
from .errors import Problem
from .table import Row, read_table


def read_rows(path: Path) -> tuple[list[Row], list[Problem]]:
    """The data rows of a CSV file with the native header."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        records = [(reader.line_num, values) for values in reader if values]
    return read_table(records, str(path))


def write(entries: Iterable[Entry], path: Path) -> None:
    """Write entries as CSV with the native header."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(to_row(entry) for entry in entries)
