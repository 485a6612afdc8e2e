"""CSV import/export, for spreadsheets and other tools; columns as in `table` (header or none).

Reading takes what Excel writes: UTF-8 with or without a BOM, comma- or semicolon-separated
(Excel's "CSV" in locales whose decimal mark is a comma), or tab-separated. The delimiter is
the one (`DELIMITERS`) that reads the first record as a header; failing that (no header), the
one under which most of the first records have the same number of cells, more than one; on a
tie, the first in `DELIMITERS` order. Quoting follows the stdlib csv module (a quoted
cell may hold the delimiter, quotes and even a line break, which `cells` then reports).

Line numbers are physical lines split at LF only, so a lone CR or U+2028 in a cell shifts
nothing; a problem in a record is reported at the line where the record starts.
Writing uses commas and the native header.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from .entry import COLUMNS, Entry, to_row
from .errors import Problem
from .table import Row, column_name, read_table, read_text

DELIMITERS = (",", ";", "\t")
_SNIFFED_RECORDS = 50
_LONE_CR = re.compile(r"\r(?!\n)")


def read_rows(path: Path) -> tuple[list[Row], list[Problem]]:
    """The data rows of a CSV file."""
    text = read_text(path)
    records: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    for start, values in _records(text, sniff(text)):
        if isinstance(values, csv.Error):
            problems.append(Problem(str(path), start, f"malformed CSV record ({values}); row not read"))
        elif values:
            records.append((start, values))
    rows, table_problems = read_table(records, str(path))
    return rows, problems + table_problems


def sniff(text: str) -> str:
    """The delimiter of a CSV text (rule in the module docstring)."""
    agreeing: dict[str, int] = {}
    for delimiter in DELIMITERS:
        records = [values for _, values in islice(_records(text, delimiter), _SNIFFED_RECORDS)
                   if isinstance(values, list) and values]
        if records and len(records[0]) > 1 and "vi" in [column_name(cell) for cell in records[0]]:
            return delimiter
        widths = Counter(len(values) for values in records if len(values) > 1)
        agreeing[delimiter] = widths.most_common(1)[0][1] if widths else 0
    best = max(agreeing.values(), default=0)
    return next(d for d in DELIMITERS if agreeing.get(d) == best) if best else ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """(first physical line, cells or the parse error) of every record.

    After an error the reader starts afresh on the next line, so one bad record costs one row.
    """
    # csv ends a record at a lone CR; a stand-in keeps it in its cell (and the lines counted right).
    stand_in = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    reader = csv.reader(_lines(_LONE_CR.sub(stand_in, text)), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            values: list[str] | csv.Error = [cell.replace(stand_in, "\r") for cell in next(reader)]
        except StopIteration:
            return
        except csv.Error as error:
            values = error
        yield start, values
        start = reader.line_num + 1


def _lines(text: str) -> Iterator[str]:
    """Physical lines, split at LF only, each with its LF (what csv.reader expects)."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return (line + "\n" for line in lines)


def write(entries: Iterable[Entry], path: Path) -> None:
    """Write entries as CSV with the native header."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(to_row(entry) for entry in entries)
