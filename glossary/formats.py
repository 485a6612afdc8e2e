"""Reading and writing glossary files in any supported format, chosen by file extension.

`.tsv` is the native format; `.csv` and `.tbx` (TBX v2 and v3) are for exchange with other tools.
All formats share one row validation (`cells.clean_cells`, then `entry.parse_row`), so every
format reports the same problems for the same data.

Curated data (the shipped glossary) must give every entry a type and a source; a team's own
file need not (`curated=False`, the default): `cells.with_defaults` fills them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from . import csv_io, tbx, tsv
from .cells import clean_cells, with_defaults
from .entry import Entry, parse_row
from .errors import GlossaryError, Problem, errors_in

FORMATS: dict[str, ModuleType] = {".tsv": tsv, ".csv": csv_io, ".tbx": tbx}


def _codec(path: Path) -> ModuleType:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(FORMATS)
        raise GlossaryError([Problem(str(path), 0, f"unknown glossary format {path.suffix!r} (known: {known})")])


def read_entries(path: str | Path, curated: bool = False) -> tuple[list[Entry], list[Problem]]:
    """Every valid entry of one file, and every problem found in line order (row errors leave their row out).

    `curated`: type and source are required (no defaults), as in the shipped glossary data.
    """
    path = Path(path)
    try:
        rows, problems = _codec(path).read_rows(path)
    except GlossaryError as error:
        return [], error.problems
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        return [], [Problem(str(path), line, f"not UTF-8 text: {error.reason}")]
    except OSError as error:
        return [], [Problem(str(path), 0, f"cannot read file: {error.strerror}")]
    entries: list[Entry] = []
    for line, cells in rows:
        cells, cell_problems = clean_cells(cells, str(path), line)
        if not curated:
            cells = with_defaults(cells, str(path), line)
        entry, row_problems = parse_row(cells, str(path), line)
        problems += cell_problems + row_problems
        if entry is not None and not errors_in(cell_problems):
            entries.append(entry)
    return entries, sorted(problems, key=lambda p: p.line)


def write_entries(entries: Iterable[Entry], path: str | Path) -> None:
    """Write entries in the format named by the extension of `path`."""
    path = Path(path)
    _codec(path).write(entries, path)
