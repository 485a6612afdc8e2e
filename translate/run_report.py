"""``--report FILE.jsonl``: the term report of a run, written beside its outputs by the same run.

One JSON line per segment record of every document translated (what ``--format jsonl`` holds: source,
target, terms with the rendering used, offsets, entry file:line), one line per term of a credit
rendered by rule (``{"doc", "line", "kept_term"}``), and a last line with the run's counts
(``{"summary": …}``), so the English and its decisions can be reviewed together.  The file is written
under a temporary name and renamed when the run ends: a half-written report never looks finished.
Documents a resumed run skips (already done) are named in the summary, not repeated.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .journal import temp_path

if TYPE_CHECKING:  # the records' type only: the report needs no torch
    from .pipeline import DocumentResult


class ReportWriter:
    """Appends each finished document's records; :meth:`close` completes the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp = temp_path(path)
        self._handle: IO[str] = open(self._tmp, "w", encoding="utf-8")

    def add(self, result: DocumentResult) -> None:
        """Write the records of one document."""
        for record in result.segments:
            self._handle.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
        for line, term in result.kept_terms:
            self._handle.write(json.dumps({"doc": result.doc_id, "line": line, "kept_term": asdict(term)}, ensure_ascii=False) + "\n")

    def close(self, summary: dict[str, object]) -> None:
        """Write the summary line and give the report its name."""
        self._handle.write(json.dumps({"summary": summary}, ensure_ascii=False, default=str) + "\n")
        self._handle.close()
        os.replace(self._tmp, self.path)

    def abandon(self) -> None:
        """Drop the unfinished report (the run could not start or was stopped)."""
        self._handle.close()
        self._tmp.unlink(missing_ok=True)
