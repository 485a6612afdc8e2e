"""Safe, resumable batch output: atomic writes, an append-only journal of finished documents, a lock.

An interrupted run (Ctrl-C, SIGTERM, kill, power loss) must leave no half-written output and must not
redo finished work.  Each output is written to a temporary file beside it, flushed to disk and renamed
into place (a rename is atomic on POSIX); then a journal line records the output's relative path, the
document's fingerprint (a hash of its source *and* of every option that shapes the output, the model's
files included) and the hash of the text.  On a rerun a document is skipped when the journal's last line
for its output holds the same fingerprint and the file on disk still has the recorded hash.

A file at an output path that vi2en did not write as it is now must not be overwritten silently.
:meth:`Journal.state` says ``"edited"`` when the journal knows the path but not the content (a person
edited the translation since), and ``"unknown"`` when the journal has no record of the path at all
(someone else's file — or vi2en's own, if a run was killed between the rename and the journal line:
the caller translates and compares).  ``--force`` overwrites both.

Journal lines are JSON with ASCII escapes, so any file name — even bytes that are not UTF-8 (kept as
surrogate escapes by ``os.fsdecode``) — is recorded and read back exactly; a line torn by an
interruption, even inside a multi-byte character, is skipped with a warning.  A killed writer leaves its
temporary file behind; the next run removes such files, but only files with vi2en's own prefix whose
process id is no longer alive.  While a run writes to a folder it holds an exclusive lock on the journal
file, so a second run on the same folder stops at once instead of interleaving with it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Literal, Mapping

JOURNAL_NAME = ".vi2en-journal.jsonl"
TEMP_PREFIX = ".vi2en-tmp-"
_TEMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-.*")
#: The output named at the start of a torn journal line (entries begin with it, in ASCII).
_TORN_OUTPUT = re.compile(rb'\{"output": ("(?:[^"\\]|\\.)*")')

OutputState = Literal["done", "redo", "edited", "unknown"]


class OutputLocked(Exception):
    """Another process is writing to the same output folder."""


def sha256_text(text: str | bytes) -> str:
    """Hash of a text as written to disk (UTF-8), or of bytes as they are."""
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")).hexdigest()


def fingerprint(source_text: str, options: Mapping[str, object]) -> str:
    """Identity of one unit of work: the source and the options, canonically serialised."""
    canonical = json.dumps(options, sort_keys=True, ensure_ascii=True, default=str)
    return sha256_text(canonical + "\0" + source_text)


def temp_path(path: Path, pid: int | None = None) -> Path:
    """The temporary file :func:`atomic_write_text` writes ``path`` through (vi2en's prefix, then the pid)."""
    return path.with_name(f"{TEMP_PREFIX}{os.getpid() if pid is None else pid}-{path.name}")


def atomic_write_text(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` so that readers see either the old file or the whole new one.

    On any error (a full disk, an interruption) the temporary file is removed and the old file stays.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        # bytes: a binary output (a .docx translation, translate.formats)
        with open(tmp, "wb") if isinstance(text, bytes) else open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def remove_stale_temp_files(outdir: Path) -> list[Path]:
    """Delete the temporary files of :func:`atomic_write_text` whose writer process no longer exists.

    Only files named with vi2en's own prefix are candidates (a user's ``.notes.1.tmp`` is never
    touched); a live writer's file, e.g. of a concurrent run, is left alone.  Liveness can only be
    probed this way on POSIX.
    """
    if os.name != "posix" or not outdir.is_dir():
        return []
    removed: list[Path] = []
    for tmp in outdir.rglob(f"{TEMP_PREFIX}*"):
        match = _TEMP_NAME.fullmatch(tmp.name)
        if match is not None and tmp.is_file() and not _process_exists(int(match[1])):
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


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class Journal:
    """The record of finished outputs of one output directory, and the lock on it.

    Outputs are identified by their path relative to the output folder.  ``warnings`` lists what was
    wrong with the journal file itself (torn lines), for the run's report.
    """

    def __init__(self, outdir: Path, *, lock: bool = False) -> None:
        self.outdir = outdir
        self.path = outdir / JOURNAL_NAME
        self.warnings: list[str] = []
        self.removed_temp_files: list[Path] = []
        self._latest: dict[str, tuple[str, str]] = {}
        self._written: dict[str, set[str]] = {}
        self._torn: set[str] = set()
        self._handle = None
        self._torn_end = False
        if lock:
            self._lock()
        self.removed_temp_files = remove_stale_temp_files(outdir)
        self._read()

    @staticmethod
    def exists_in(outdir: Path) -> bool:
        """Whether an earlier run into ``outdir`` left a journal there (a run into it is then a resumption)."""
        return (outdir / JOURNAL_NAME).is_file()

    def _lock(self) -> None:
        """Open the journal for appending and take an exclusive lock on it (POSIX ``flock``)."""
        self.outdir.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "ab")
        try:
            import fcntl
        except ImportError:  # not POSIX: no locking
            return
        try:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            self._handle.close()
            self._handle = None
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputLocked(
                    f"{self.outdir}: another vi2en run is writing to this output folder; "
                    "wait for it to finish, or give another -o"
                ) from None
            raise

    def close(self) -> None:
        """Release the lock (closing the file releases it)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        self._torn_end = bool(raw) and not raw.endswith(b"\n")
        for number, line in enumerate(raw.split(b"\n"), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line.decode("utf-8"))
                key = self._key_of(entry)
                recorded = (str(entry["fingerprint"]), str(entry["output_sha256"]))
            except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError):
                if (torn := _TORN_OUTPUT.match(line)) is not None:
                    self._torn.add(json.loads(torn[1]))  # vi2en was writing this output: its file is vi2en's
                self.warnings.append(
                    f"{self.path}: line {number} is torn or damaged (an interrupted write?); ignored — "
                    "its document is translated again"
                )
                continue
            self._latest[key] = recorded
            self._written.setdefault(key, set()).add(recorded[1])

    def _key_of(self, entry: dict) -> str:
        """An entry's output as a relative path; journals of older versions recorded outdir/relpath."""
        if entry.get("relative"):
            return str(entry["output"])
        old = Path(entry["output"])
        for base in (self.outdir, self.outdir.absolute()):
            try:
                return old.relative_to(base).as_posix()
            except ValueError:
                continue
        raise ValueError(f"output {old} is not in {self.outdir}")

    def _key(self, output: Path) -> str:
        return output.relative_to(self.outdir).as_posix()

    def state(self, output: Path, key: str) -> OutputState:
        """``done``: finished with this fingerprint, unchanged on disk; ``redo``: absent, or a version
        vi2en itself wrote; ``edited``: changed since vi2en wrote it; ``unknown``: no record of it."""
        if not output.exists():
            return "redo"
        relpath = self._key(output)
        recorded = self._latest.get(relpath)
        on_disk = _file_hash(output)
        if recorded is not None and recorded == (key, on_disk):
            return "done"
        if on_disk in self._written.get(relpath, set()) or relpath in self._torn:
            return "redo"
        return "edited" if relpath in self._written else "unknown"

    def holds(self, output: Path, text: str | bytes) -> bool:
        """Whether ``output`` on disk is exactly ``text`` (then an unrecorded file is vi2en's own)."""
        return _file_hash(output) == sha256_text(text)

    def is_done(self, output: Path, key: str) -> bool:
        return self.state(output, key) == "done"

    def record(self, output: Path, key: str, text: str | bytes) -> None:
        """Append (and fsync) the entry saying ``output`` holds ``text`` for fingerprint ``key``."""
        relpath = self._key(output)
        digest = hashlib.sha256(text).hexdigest() if isinstance(text, bytes) else sha256_text(text)
        entry = {"output": relpath, "relative": True, "fingerprint": key, "output_sha256": digest}
        line = json.dumps(entry, ensure_ascii=True) + "\n"
        handle = self._handle
        own = handle is None
        if own:
            self.outdir.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "ab")
        try:
            if self._torn_end:
                line = "\n" + line  # never glue an entry onto a torn last line
            handle.write(line.encode("ascii"))
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            if own:
                handle.close()
        self._torn_end = False
        self._latest[relpath] = (key, digest)
        self._written.setdefault(relpath, set()).add(digest)

    def write(self, output: Path, key: str, text: str | bytes) -> None:
        """Write ``output`` atomically, then record it."""
        atomic_write_text(output, text)
        self.record(output, key, text)
