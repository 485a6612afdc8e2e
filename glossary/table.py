"""Rows of a tabular glossary file (TSV or CSV): header check and row-to-cells mapping.

Both formats share the native column set, so one function judges both, and a wrong header or
a row with a missing cell is reported instead of being read into the wrong columns.
"""

from __future__ import annotations

from collections.abc import Iterable

from .entry import COLUMNS
from .errors import Problem

Cells = dict[str, str]
Row = tuple[int, Cells]  # (line number, cells by column name)


def read_table(records: Iterable[tuple[int, list[str]]], path: str) -> tuple[list[Row], list[Problem]]:
    """Check the header (first record) and map every further record to its columns."""
    rows: list[Row] = []
    problems: list[Problem] = []
    records = list(records)
    if not records:
        return rows, [Problem(path, 0, "empty file: no header row")]
    header_line, header = records[0]
    header = [name.strip() for name in header]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown or len(set(header)) != len(header) or "vi" not in header:
        message = f"header must name columns among {' '.join(COLUMNS)!r}, vi included, each once (found {' '.join(header)!r})"
        if records[1:]:
            message += f"; the {len(records) - 1} rows below were not read"
        return rows, [Problem(path, header_line, message)]
    for line, values in records[1:]:
        if len(values) != len(header):
            problems.append(Problem(path, line, f"expected {len(header)} fields, found {len(values)}"))
            continue
        rows.append((line, dict(zip(header, values))))
    return rows, problems
