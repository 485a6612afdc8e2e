"""Search workers: batches searched side by side in forked processes (Linux) or threads, the same results.

The pool's own behaviour is tested with small stand-in searches (a worker process that dies on one job, a
parent killed without shutting down); the decoder's output with each kind of worker is tested in
``test_marian_decoder.py``.
"""

from __future__ import annotations

import fcntl
import functools
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Iterable

import pytest
import torch

from process_support import exit_code, gone
from translate.decoding.search_workers import SearchSpan, SearchWorkers, WorkerEnded, choose_kind

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


def pids(spans: Iterable[SearchSpan]) -> set[int]:
    return {int(span.worker.split()[1]) for span in spans}


def test_processes_return_every_result_in_job_order_from_forked_workers() -> None:
    threads = threading.active_count()
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
    # The pool's own threads are gone when close returns (one left closing its pipes while the interpreter
    # exits printed "Bad file descriptor" after a finished run).
    assert threading.active_count() == threads
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
    # Into files, not pipes: waiting for a pipe's end would wait for the orphans, which hold it too.
    out, err = tmp_path / "pids", tmp_path / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        done = subprocess.run([sys.executable, "-c", script], stdout=stdout, stderr=stderr, timeout=120,
                              cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == -signal.SIGKILL, err.read_text()
    orphans = [int(pid) for pid in out.read_text().split()]
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
    assert choose_kind("auto", cpu, platform="darwin") == "threads", "macOS's system libraries are not fork-safe"
    with pytest.raises(ValueError, match=r"need Linux and a CPU device \(here: win32, cpu\)"):
        choose_kind("processes", cpu, platform="win32")


def killed_once(marker: Path, job: int) -> int:
    """:func:`doubled`, except that the first worker to reach job 3 dies there (the marker says it has)."""
    if job == 3 and not marker.exists():
        marker.touch()
        os._exit(3)
    time.sleep(0.1)
    return doubled(job)


def test_a_worker_that_dies_after_some_results_loses_and_repeats_none(tmp_path: Path) -> None:
    workers = SearchWorkers(functools.partial(killed_once, tmp_path / "died"), 2, "processes")
    try:
        out = [result for _, result in workers.map(list(range(8)))]
    finally:
        workers.close()
    assert (tmp_path / "died").exists(), "a worker died on job 3"
    assert out == [2 * n for n in range(8)], "every job once, in order, after the retry on new workers"


def sleeping(job: int) -> int:
    time.sleep(job)
    return job


def test_ctrl_c_while_workers_search_ends_them_at_once() -> None:
    """The run stops: the parent must not wait for the batches in flight (nor leave their processes).

    Python's own Ctrl-C handler is installed for the test: a process started with SIGINT ignored (pytest run as a
    background job of a non-interactive shell) keeps it ignored, and would wait for every batch."""
    workers = SearchWorkers(sleeping, 2, "processes")
    before = set(multiprocessing.active_children())
    list(workers.map([0, 0]))  # the workers forked, before the interrupt
    forked = set(multiprocessing.active_children()) - before
    interrupt = threading.Timer(1.0, signal.pthread_kill, (threading.get_ident(), signal.SIGINT))
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    start = time.monotonic()
    interrupt.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            list(workers.map([60, 60, 60]))
        assert time.monotonic() - start < 10
        assert len(forked) == 2
        assert all(gone(process.pid, within=5) for process in forked), "the interrupted searches were left running"
    finally:
        interrupt.cancel()
        workers.close()
        signal.signal(signal.SIGINT, previous)


def pid_and_open_files(both: threading.Barrier, job: int) -> tuple[int, list[str]]:
    """This worker's pid and what its descriptors point at, once both workers are running a job."""
    both.wait(timeout=60)
    names = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            names.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return os.getpid(), names


def test_workers_let_go_of_the_parents_files_and_sockets(tmp_path: Path) -> None:
    """A run's locked journal, a server's sockets: open in the parent when it forks, the parent's alone after;
    the files the search reads (``keep_open``: a weights file read by rows) stay open in the workers."""
    journal = tmp_path / "journal.jsonl"
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"weights")
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    kept = os.open(weights, os.O_RDONLY)
    workers = SearchWorkers(functools.partial(pid_and_open_files, multiprocessing.Barrier(2)), 2, "processes",
                            keep_open=[kept])
    try:
        with journal.open("a") as locked:
            fcntl.flock(locked, fcntl.LOCK_EX | fcntl.LOCK_NB)
            out = [result for _, result in workers.map([1, 2])]
        listening.close()
        assert len({pid for pid, _ in out}) == 2, "both workers started (and ran their initializer)"
        assert all(str(journal) not in names and not any(n.startswith("socket:") for n in names) for _, names in out)
        assert all(str(weights) in names for _, names in out), "the kept descriptor still reads the weights file"
        with journal.open("a") as again:
            fcntl.flock(again, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if a worker still held the lock
    finally:
        workers.close()
        os.close(kept)


def test_sigterm_ends_a_worker_whatever_handler_the_parent_set() -> None:
    """The pool ends a dead worker's siblings with SIGTERM; the CLI's own handler (SIGTERM as Ctrl-C) must
    not turn that into a traceback or a result."""
    def as_interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, as_interrupt)
    workers = SearchWorkers(doubled_slowly, 2, "processes")
    before = set(multiprocessing.active_children())
    try:
        assert [result for _, result in workers.map([1, 2, 3, 4])] == [2, 4, 6, 8]
        forked = set(multiprocessing.active_children()) - before
        assert len(forked) == 2
        for process in forked:
            process.terminate()  # SIGTERM
        assert [exit_code(process) for process in forked] == [-signal.SIGTERM] * 2, "ended by the signal itself"
    finally:
        workers.close()
        signal.signal(signal.SIGTERM, previous)
