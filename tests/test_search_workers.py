"""Search workers: batches searched side by side in forked processes (Linux) or threads, the same results.

The pool's own behaviour is tested with small stand-in searches (a worker process that dies on one job, a
parent killed without shutting down); the decoder's output with each kind of worker is tested in
``test_marian_decoder.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from translate.decoding.search_workers import SearchWorkers, WorkerEnded, choose_kind

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="search processes are forked on Linux only")


def doubled(job: int) -> int:
    """A search standing in for the beam search: pure, as the real one."""
    if job < 0:
        os._exit(3)  # a worker killed in the middle of its batch (out of memory, a signal)
    return 2 * job


def doubled_slowly(job: int) -> int:
    """:func:`doubled`, long enough that each of two workers takes some of the jobs."""
    time.sleep(0.2)
    return doubled(job)


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


def pids(spans) -> set[int]:
    return {int(span.worker.split()[1]) for span in spans}


def test_processes_return_every_result_in_job_order_from_forked_workers() -> None:
    workers = SearchWorkers(doubled_slowly, 2, "processes")
    try:
        out = list(workers.map(list(range(10))))
        assert [result for _, result in out] == [2 * n for n in range(10)]
        spans = [span for span, _ in out]
        assert all(span.worker.startswith("process ") and span.start <= span.end for span in spans)
        assert len(pids(spans)) == 2 and os.getpid() not in pids(spans), "two workers, neither of them this process"
        again = [span for span, _ in workers.map([1, 2, 3, 4])]
        assert pids(again) <= pids(spans), "the same workers serve the next call"
    finally:
        workers.close()
    assert all(gone(pid) for pid in pids(spans)), "close ends the workers"


def test_a_worker_that_died_while_idle_is_replaced_and_nothing_is_lost() -> None:
    workers = SearchWorkers(doubled, 2, "processes")
    try:
        first = pids(span for span, _ in workers.map([1, 2, 3]))
        for pid in first:
            os.kill(pid, signal.SIGKILL)
        assert all(gone(pid) for pid in first)
        out = list(workers.map([5, 6, 7]))
        assert [result for _, result in out] == [10, 12, 14]
        assert not pids(span for span, _ in out) & first
    finally:
        workers.close()


def test_a_batch_that_kills_its_worker_is_a_clear_error_and_the_next_call_works() -> None:
    workers = SearchWorkers(doubled, 2, "processes")
    try:
        with pytest.raises(WorkerEnded, match="ended before returning its batch"):
            list(workers.map([1, -1, 2]))
        assert [result for _, result in workers.map([4, 5])] == [8, 10]
    finally:
        workers.close()


def test_threads_give_the_same_results_and_name_their_threads() -> None:
    workers = SearchWorkers(doubled, 2, "threads")
    try:
        out = list(workers.map(list(range(6))))
    finally:
        workers.close()
    assert [result for _, result in out] == [2 * n for n in range(6)]
    assert all(span.worker.startswith("thread vi2en-search") for span, _ in out)


def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    """A parent killed outright (no shutdown of its pool) must not leave its workers waiting for jobs forever."""
    script = textwrap.dedent("""
        import os, signal, sys
        from translate.decoding.search_workers import SearchWorkers
        from pathlib import Path
        workers = SearchWorkers(abs, 2, "processes")
        assert [result for _, result in workers.map([-1, 2])] == [1, 2]
        print(" ".join(pid for task in Path("/proc/self/task").glob("*/children") for pid in task.read_text().split()),
              flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == -signal.SIGKILL, done.stderr
    orphans = [int(pid) for pid in done.stdout.split()]
    assert len(orphans) == 2
    assert all(gone(pid) for pid in orphans), "the workers outlived their parent"


def test_the_kind_of_worker_is_checked_where_it_is_chosen() -> None:
    cpu, gpu = torch.device("cpu"), torch.device("cuda")
    assert choose_kind("auto", cpu) == "processes"
    assert choose_kind("auto", gpu) == "threads", "a forked child cannot use its parent's CUDA context"
    assert choose_kind("threads", cpu) == "threads"
    with pytest.raises(ValueError, match="need Linux and a CPU device"):
        choose_kind("processes", gpu)
    with pytest.raises(ValueError, match="search_workers must be one of auto, processes, threads"):
        choose_kind("forks", cpu)
