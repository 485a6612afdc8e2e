"""What the tests of forked search workers share: whether a process has ended, and how."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether process ``pid`` has ended (or is a zombie no one reaps) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def exit_code(process: multiprocessing.Process, within: float = 10.0) -> int | None:
    """``process``'s exit code once it has ended (None if it runs on after ``within`` seconds).

    ``join`` alone is not enough for a pool's worker: the pool's manager thread reaps its workers too, and
    the thread that loses the race for ``waitpid`` sees no status, so ``exitcode`` can read None for a
    moment after the process has ended; the winner records the code on the same handle.
    """
    deadline = time.monotonic() + within
    while process.exitcode is None and time.monotonic() < deadline:
        process.join(timeout=0.05)
    return process.exitcode
