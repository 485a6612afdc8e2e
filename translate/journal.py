"""Safe, resumable batch output: atomic writes and an append-only journal of finished documents.

An interrupted run (Ctrl-C, kill, power loss) must leave no half-written output and must not redo
finished work.  Each output is written to a temporary file beside it, flushed to disk and renamed into
place (a rename is atomic on POSIX); only then is a line appended to the journal.  On a rerun a
document is skipped when the journal holds its fingerprint — a hash of its source text *and* of every
option that shapes the output — and the output on disk still has the recorded hash.  A changed source,
model, glossary or option therefore means retranslation, and a torn last journal line is ignored.
A process killed while writing leaves its temporary file behind; the next run in that folder removes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Mapping

JOURNAL_NAME = ".vi2en-journal.jsonl"
_TEMP_NAME = re.compile(r"\..+\.(\d+)\.tmp")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(source_text: str, options: Mapping[str, object]) -> str:
    """Identity of one unit of work: the source and the options, canonically serialised."""
    canonical = json.dumps(options, sort_keys=True, ensure_ascii=False, default=str)
    return sha256_text(canonical + "\0" + source_text)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # the name _TEMP_NAME recognises
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def remove_stale_temp_files(outdir: Path) -> list[Path]:
    """Delete the temporary files of :func:`atomic_write_text` whose writer process no longer exists.

    Only a killed process leaves one (otherwise ``atomic_write_text`` cleans up); a live writer's file,
    e.g. of a concurrent run, is left alone.  Liveness can only be probed this way on POSIX.
    """
    if os.name != "posix" or not outdir.is_dir():
        return []
    removed: list[Path] = []
    for tmp in outdir.rglob(".*.tmp"):
        match = _TEMP_NAME.fullmatch(tmp.name)
        if match is not None and not _process_exists(int(match[1])):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


class Journal:
    """The record of finished outputs of one output directory."""

    def __init__(self, outdir: Path) -> None:
        remove_stale_temp_files(outdir)
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
