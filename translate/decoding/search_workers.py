"""Batches searched side by side, one single-threaded search per torch thread: in forked processes, or threads.

Why processes: a search step is a few hundred small torch calls issued from Python, and the constraint
bookkeeping between steps is Python too.  Two searches in threads of one process take turns holding the
GIL for all of that, and on a 2-core machine the thread that waits for it leaves its core idle:
``scripts/bench_engines.py`` prints the cores each engine kept busy, and the ``-threads`` engines are the
same decoder with thread workers, for comparison in the same run.  A process has a GIL of its own.

A worker is forked from the process that holds the prepared model and shares its weights copy-on-write
(they are only ever read), so what a worker adds is its search's own working set: the batch's cache and
activations, as a thread would.  Each search is deterministic and depends only on its batch (one torch
thread, its own tensors), so the output is the same whichever kind of worker searched a batch, and in
whichever order the batches finish.

Threads are the fallback where forking is not the safe choice: off Linux (macOS's system libraries are not
fork-safe, Windows cannot fork), and on a GPU (a forked child cannot use its parent's CUDA context).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import stat
import sys
import threading
import time
import weakref
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Callable, Generic, Iterable, Iterator, Literal, Sequence, TypeVar, get_args

import torch

Job = TypeVar("Job")
Result = TypeVar("Result")

WorkerKind = Literal["auto", "processes", "threads"]
WORKER_KINDS: tuple[str, ...] = get_args(WorkerKind)


@dataclass(frozen=True)
class SearchSpan:
    """When one batch was searched (``time.perf_counter`` seconds: one clock for every process on Linux),
    by which worker (``process PID`` or ``thread NAME``)."""

    worker: str
    start: float
    end: float


def timed(search: Callable[[Job], Result], job: Job, worker: str) -> tuple[SearchSpan, Result]:
    """``search(job)``, with its span: the one way every worker, and the caller searching alone, times a batch."""
    start = time.perf_counter()
    result = search(job)
    return SearchSpan(worker, start, time.perf_counter()), result


def check_kind(kind: str) -> None:
    """Refuse a name that is not a kind of search worker (before a model is loaded for it)."""
    if kind not in WORKER_KINDS:
        raise ValueError(f"search_workers must be one of {', '.join(WORKER_KINDS)}, not {kind!r}")


def choose_kind(kind: str, device: torch.device, platform: str = sys.platform) -> Literal["processes", "threads"]:
    """``auto``: processes on a CPU under Linux, else threads; ``processes`` where forking is not safe is refused."""
    check_kind(kind)
    can_fork = platform.startswith("linux") and device.type == "cpu"
    if kind == "processes" and not can_fork:
        raise ValueError(f"search workers 'processes' need Linux and a CPU device (here: {platform}, {device.type})")
    if kind == "auto":
        return "processes" if can_fork else "threads"
    return kind  # type: ignore[return-value]


class WorkerEnded(RuntimeError):
    """A search worker process ended without returning its batch (killed: out of memory, or by a signal)."""


class SearchWorkers(Generic[Job, Result]):
    """``count`` workers running ``search``, one torch thread each; :meth:`map` returns results in job order.

    The pool is made on the first :meth:`map` and kept (the same workers, and their allocator arenas, serve
    every call); processes are forked then, so ``search`` must be ready to run by that time, and what it
    reads must not change afterwards.  A pool whose process died is dropped, and the next call forks anew.
    """

    def __init__(self, search: Callable[[Job], Result], count: int, kind: Literal["processes", "threads"], *,
                 keep_open: Sequence[int] = ()) -> None:
        self.search, self.count, self.kind = search, count, kind
        #: Descriptors a forked worker keeps (the files its search reads), where all others go (see _become_worker).
        self.keep_open = tuple(keep_open)
        self._executor: Executor | None = None
        self._kill: Callable[[], object] = lambda: None  # kills the current pool's processes (set by _start)
        self._lock = threading.Lock()

    def map(self, jobs: Sequence[Job]) -> Iterator[tuple[SearchSpan, Result]]:
        """Each job's span and result, in job order.  A search has no side effects, so when a worker process
        dies (one that died while idle is only found out now), the jobs not yet returned go once more to new
        workers; a second death is an error (a batch that kills its worker, by running out of memory, would
        again)."""
        done = 0
        for attempt in (1, 2):
            futures: list[Future[tuple[SearchSpan, Result]]] = []
            try:
                futures = self._submit_to(self._pool(), jobs[done:])
                for future in futures:
                    yield future.result()
                    done += 1
                return
            except BrokenProcessPool as error:
                self.close()
                if attempt == 2:
                    raise WorkerEnded("a search worker process ended before returning its batch, twice (killed by a "
                                      "signal, or out of memory), so the call failed; if memory ran out, a smaller "
                                      "batch budget (--batch-tokens) needs less") from error
            except (KeyboardInterrupt, SystemExit):
                # Ctrl-C, SIGTERM: the run stops, so the batches in flight are of no use; without this, the
                # interpreter's exit would wait for them (a running future cannot be cancelled).
                self.close()
                raise
            finally:
                for future in futures:
                    future.cancel()

    def _submit_to(self, executor: Executor, jobs: Sequence[Job]) -> list[Future[tuple[SearchSpan, Result]]]:
        """A worker process runs the search it inherited when it was forked (:func:`_become_worker`), so only
        the job is sent (pickled); a thread is handed the search itself."""
        if self.kind == "processes":
            return [executor.submit(_timed_search, job) for job in jobs]
        return [executor.submit(_timed_in_thread, self.search, job) for job in jobs]

    def _pool(self) -> Executor:
        with self._lock:
            if self._executor is None:
                self._executor = self._start()
            return self._executor

    def _start(self) -> Executor:
        if self.kind == "threads":
            return ThreadPoolExecutor(self.count, thread_name_prefix="vi2en-search")
        executor = ProcessPoolExecutor(self.count, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_become_worker, initargs=(self.search, os.getpid(), self.keep_open))
        before = set(multiprocessing.active_children())
        try:
            warmed = self._fork(executor)
            # Run by close(), and also when these workers are collected unclosed (a dropped decoder).  It holds
            # the process handles only (not the pool, whose initializer arguments hold the search and so the
            # decoder, which would then never be collected).
            self._kill = weakref.finalize(self, _kill_all, set(multiprocessing.active_children()) - before)
            warmed.result()
        except BaseException:  # Ctrl-C while forking, or a worker that could not start: none may be left
            _kill_all(set(multiprocessing.active_children()) - before)
            _shut_down(executor)
            raise
        return executor

    @staticmethod
    def _fork(executor: ProcessPoolExecutor) -> Future[int]:
        """Fork the pool's workers (a "fork" pool starts them all at the first submission).

        The parent's objects are kept out of the workers' garbage collections meanwhile: a collection writes to
        every object it visits, and so would copy every page of the inherited heap into each worker.  Ctrl-C is
        held back from this thread while it forks (a worker it reached before its initializer ignores it would
        print a traceback of its own); the mask is restored last, where a held-back Ctrl-C is raised.
        """
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            gc.freeze()
            try:
                return executor.submit(int)
            finally:
                gc.unfreeze()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def close(self) -> None:
        """End the workers now: a search in flight is dropped (a :meth:`map` in progress in another thread
        searches it again on new workers), and a later :meth:`map` starts new ones.  Thread workers finish
        the batch they have.  Without it, forked workers end when this object is collected, or at the
        interpreter's exit after any batches still submitted."""
        with self._lock:
            executor, self._executor = self._executor, None
            kill, self._kill = self._kill, lambda: None
        kill()
        if executor is not None:
            _shut_down(executor)


def _kill_all(processes: Iterable[multiprocessing.process.BaseProcess]) -> None:
    """SIGKILL each worker process: a search holds nothing that needs releasing, and the pool, finding its
    workers gone, ends itself without waiting for the batches they had."""
    for process in processes:
        process.kill()


def _shut_down(executor: Executor) -> None:
    """Let a pool whose workers were killed go, waiting for its manager thread only, which ends at once with its
    workers gone.  Left running, it could be closing its wake-up pipe while the interpreter's exit hook writes
    to it ("Bad file descriptor" printed at the end of a finished run)."""
    executor.shutdown(wait=True, cancel_futures=True)


# -- inside a worker ---------------------------------------------------------------------------------------

_search: Callable[[object], object] | None = None
"""The search of this process, when it is a forked worker (set once, by :func:`_become_worker`)."""


def _become_worker(search: Callable[[object], object], parent: int, keep_open: Sequence[int]) -> None:
    """Run in each forked worker before its first job: one torch thread, the parent's signal handlers and
    files let go, and an end with the parent's.

    Ctrl-C is left to the parent, which stops the run (a worker interrupted too would print its own
    traceback); SIGTERM ends the worker, as the pool expects when it ends a pool whose other worker died (the
    CLI's handler turns it into Ctrl-C, the server's only sets a flag).  The files and sockets the parent had
    open when it forked (a run's locked journal, a server's listening socket and connections) are pointed at
    ``/dev/null``: a worker holding them would keep the journal locked and connections open after the parent
    closed them.  Pipes are kept: the pool talks to its workers through them; so are ``keep_open``, the files
    the search itself reads (a weights file read by rows, ``translate.decoding.file_table``).
    """
    global _search
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    _let_go_of_files(keep_open)
    torch.set_num_threads(1)
    _search = search
    threading.Thread(target=_end_with, args=(parent,), name="vi2en-parent-watch", daemon=True).start()


def _let_go_of_files(keep: Sequence[int]) -> None:
    """Point every inherited descriptor above stderr that is not a pipe, nor in ``keep``, at ``/dev/null``: the
    open file (and its lock, or the connection) is then the parent's alone.  Not closed: a Python object of the
    parent's may still hold the number, and a file this worker opens later must not get it."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            try:
                if fd > 2 and fd != devnull and fd not in keep and not stat.S_ISFIFO(os.fstat(fd).st_mode):
                    os.dup2(devnull, fd)
            except OSError:  # the listing's own descriptor, closed by now
                continue
    finally:
        os.close(devnull)


PARENT_CHECK_SECONDS = 1.0
"""How often a worker checks that the process it was forked from is still there."""


def _end_with(parent: int) -> None:
    """End this worker once ``parent`` has gone (killed without shutting its pool down): the worker holds the
    pool's queue open itself, so it would otherwise wait for jobs forever, holding its memory.  ``parent`` is the
    pid the parent gave, not ``os.getppid()`` read here: had the parent ended before this ran, that would
    already be the reaper's."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _timed_search(job: object) -> tuple[SearchSpan, object]:
    assert _search is not None, "not a search worker"
    return timed(_search, job, f"process {os.getpid()}")


def _timed_in_thread(search: Callable[[Job], Result], job: Job) -> tuple[SearchSpan, Result]:
    """A thread worker's search: torch's thread count is the process's, so the caller restores it after."""
    torch.set_num_threads(1)
    return timed(search, job, f"thread {threading.current_thread().name}")
