"""Requests of many clients, decoded together: a bounded queue in front of one model thread.

Handlers :meth:`Batcher.submit` their documents and await the returned future.  One worker thread
takes the first waiting request and keeps collecting while requests keep coming: until ``window``
has passed since the latest arrival, once the batch holds as many requests as the previous one; at
most ``WINDOW_CAP`` windows after the first request arrived (so requests that queued during the
previous batch do not wait again); and no further than ``batch_max_chars`` characters.  Clients
answered together come back over several milliseconds, not at once: a fixed 10 ms window cut 16 of
them into calls of 3 and 13, a sliding one still into 2 and 14 under load (measured), and small
calls cost more per segment, since each decoder step reads every weight whatever the batch
(float32, base size: 32 segments in calls of 8 took 1.7x the CPU time of one call of 32).

All requests of a batch with the same glossary options are decoded in ONE
``Translator.translate_documents`` call: the pipeline sorts their segments by length into its own
batches, so sixteen one-sentence requests cost one batched search, not sixteen.

The queue is bounded: beyond ``queue_limit`` unfinished requests, :meth:`submit` raises
:class:`QueueFull` with a ``Retry-After`` estimate from the measured throughput.  A request whose
client went away or timed out is cancelled; if the worker has not started it, it is skipped.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import torch

from ..pipeline import Translator
from .metrics import Metrics
from .settings import WINDOW_CAP
from .variants import Options

log = logging.getLogger("vi2en.server")
_STOP = None


@dataclass(eq=False)
class Job:
    """One request's documents, decoded with ``options``; its future receives one result per document."""

    options: Options
    documents: Sequence[str]
    lines: bool
    chars: int
    enqueued: float
    future: Future = field(default_factory=Future)

    @property
    def group(self) -> tuple[Options, bool]:
        """Jobs of one group can share a ``translate_documents`` call."""
        return (self.options, self.lines)


class QueueFull(Exception):
    """The server has ``queue_limit`` unfinished requests; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"queue full; retry after {retry_after} s")
        self.retry_after = retry_after


class Batcher:
    """The queue and the model thread (started on the first request, stopped by :meth:`close`)."""

    def __init__(
        self,
        translator_for: Callable[[Options], Translator],
        metrics: Metrics,
        *,
        queue_limit: int,
        window: float,
        max_chars: int,
        threads: int,
    ) -> None:
        self._translator_for = translator_for
        self._metrics = metrics
        self._queue_limit = queue_limit
        self._window = window
        self._max_chars = max_chars
        self._threads = threads  # torch's thread count is per thread: the worker sets the server's own
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._pending: set[Job] = set()
        self._chars_per_second = 0.0
        self._last_batch = 0  # requests in the previous batch: as many clients may come back together
        self._thread: threading.Thread | None = None

    @property
    def pending(self) -> int:
        """Requests queued or being decoded."""
        return len(self._pending)

    def submit(self, options: Options, documents: Sequence[str], *, lines: bool = False) -> Future:
        """Queue ``documents``; the future yields their :class:`DocumentResult` list in order."""
        job = Job(options, documents, lines, sum(map(len, documents)), time.monotonic())
        with self._lock:
            if len(self._pending) >= self._queue_limit:
                raise QueueFull(self._retry_after())
            self._pending.add(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="vi2en-batcher", daemon=True)
                self._thread.start()
        self._metrics.queue_length.set(len(self._pending))
        job.future.add_done_callback(lambda _: self._finished(job))
        self._queue.put(job)
        return job.future

    def close(self) -> None:
        """Stop the worker after the batch in progress; waiting requests are cancelled."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join()
        for job in list(self._pending):
            job.future.cancel()

    def _finished(self, job: Job) -> None:
        with self._lock:
            self._pending.discard(job)
        self._metrics.queue_length.set(len(self._pending))

    def _retry_after(self) -> int:
        """Seconds until the queue has drained at the measured rate (1 to 60; 5 before any measurement)."""
        if self._chars_per_second <= 0:
            return 5
        waiting = sum(job.chars for job in self._pending)
        return max(1, min(60, math.ceil(waiting / self._chars_per_second)))

    # -- the worker thread --------------------------------------------------------------------------

    def _run(self) -> None:
        torch.set_num_threads(self._threads)
        while (jobs := self._collect()) is not None:
            live = [job for job in jobs if job.future.set_running_or_notify_cancel()]
            groups: dict[tuple[Options, bool], list[Job]] = {}
            for job in live:
                groups.setdefault(job.group, []).append(job)
            for group in groups.values():
                self._decode(group)

    def _collect(self) -> list[Job] | None:
        """The next batch of jobs (None once stopped): the first waiting, then more while the window slides."""
        first = self._queue.get()
        if first is _STOP:
            return None
        jobs, chars = [first], first.chars
        deadline, latest = first.enqueued + self._window, first.enqueued + WINDOW_CAP * self._window
        while chars < self._max_chars:
            until = latest if len(jobs) < self._last_batch else min(deadline, latest)
            try:
                job = self._queue.get(timeout=max(0.0, until - time.monotonic()))
            except queue.Empty:
                break
            if job is _STOP:
                self._queue.put(_STOP)
                break
            jobs.append(job)
            chars += job.chars
            deadline = max(deadline, job.enqueued + self._window)
        self._last_batch = len(jobs)
        return jobs

    def _decode(self, jobs: list[Job]) -> None:
        """One ``translate_documents`` call for all documents of ``jobs`` (same options)."""
        start = time.perf_counter()
        try:
            translator = self._translator_for(jobs[0].options)
            pairs = [(f"{j}:{d}", text) for j, job in enumerate(jobs) for d, text in enumerate(job.documents)]
            results = list(translator.translate_documents(pairs, lines=jobs[0].lines))
        except Exception as err:  # answered as a 500 without details; the log keeps them
            log.exception("batch of %d request(s) failed", len(jobs))
            for job in jobs:
                job.future.set_exception(err)
            return
        seconds = time.perf_counter() - start
        self._metrics.batch_requests.observe(len(jobs))
        self._metrics.batch_seconds.observe(seconds)
        self._metrics.record_results(results)
        chars = sum(job.chars for job in jobs)
        if chars and seconds > 0:
            rate = chars / seconds
            self._chars_per_second = rate if not self._chars_per_second else 0.7 * self._chars_per_second + 0.3 * rate
        taken = iter(results)
        for job in jobs:
            job.future.set_result([next(taken) for _ in job.documents])

