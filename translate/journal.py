"""Safe, resumable batch output: atomic writes and an append-only journal of finished documents.

An interrupted run (Ctrl-C, kill, power loss) must leave no half-written output and must not redo
finished work.  Each output is written to a temporary file beside it, flushed to disk and renamed into
place (a rename is atomic on POSIX); only then is a line appended to the journal.  On a rerun a
document is skipped when the journal holds its fingerprint — a hash of its source text *and* of every
option that shapes the output — and the output on disk still has the recorded hash.  A changed source,
model, glossary or option therefore means retranslation, and a torn last journal line is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Mapping

JOURNAL_NAME = ".vi2en-journal.jsonl"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(source_text: str, options: Mapping[str, object]) -> str:
    """Identity of one unit of work: the source and the options, canonically serialised."""
    canonical = json.dumps(options, sort_keys=True, ensure_ascii=False, default=str)
    return sha256_text(canonical + "\0" + source_text)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class Journal:
    """The record of finished outputs of one output directory."""

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / JOURNAL_NAME
        self._done: dict[str, tuple[str, str]] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self._done[entry["output"]] = (entry["fingerprint"], entry["output_sha256"])
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue  # a line torn by an interruption: that document is simply redone

    def is_done(self, output: Path, key: str) -> bool:
        recorded = self._done.get(str(output))
        if recorded is None or recorded[0] != key or not output.exists():
            return False
        return sha256_text(output.read_text(encoding="utf-8")) == recorded[1]

    def record(self, output: Path, key: str, text: str) -> None:
        entry = {"output": str(output), "fingerprint": key, "output_sha256": sha256_text(text)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._done[str(output)] = (key, entry["output_sha256"])
