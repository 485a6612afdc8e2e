"""The batcher's window slides with each arrival, and waits for as many requests as the previous
batch held: clients answered together come back over several milliseconds and share one model call
again; never beyond the cap."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from server_support import HeldTranslator, make_translator

from translate.server.batching import Batcher
from translate.server.metrics import Metrics
from translate.server.settings import WINDOW_CAP
from translate.server.variants import Options

WINDOW = 0.4  # wide, so the test's own sleeps stay far inside it on a loaded machine


def calls_for(tiny_model_dir: Callable[[str], Path], gap: float, count: int, window: float = WINDOW,
              before: int = 0) -> list[list[str]]:
    """The model calls made for ``count`` requests submitted ``gap`` seconds apart (after ``before``
    requests submitted at once and answered)."""
    translator = make_translator(tiny_model_dir("marian"), HeldTranslator)
    translator.release.set()  # never held: it only records its calls
    batcher = Batcher(lambda _: translator, Metrics(), queue_limit=64, window=window, max_chars=100_000, threads=1)
    options = Options(translator.glossary_mode)
    try:
        for future in [batcher.submit(options, [f"Xin chào {n}."], lines=True) for n in range(before)]:
            future.result(timeout=120)
        futures = []
        for n in range(count):
            futures.append(batcher.submit(options, [f"Bộ Công Thương họp lần thứ {n}."], lines=True))
            time.sleep(gap)
        for future in futures:
            future.result(timeout=120)
    finally:
        batcher.close()
    return translator.calls


def test_requests_arriving_within_the_window_of_each_other_share_one_call(tiny_model_dir) -> None:
    # Five requests over 0.6 s: longer than one window after the first, but never a window apart.
    calls = calls_for(tiny_model_dir, gap=0.15, count=5)
    assert [len(call) for call in calls] == [5]


def test_after_a_batch_of_n_the_next_waits_for_n_requests(tiny_model_dir) -> None:
    # Three answered together, then three more a window and a half apart: the same three clients.
    window = 0.1
    calls = calls_for(tiny_model_dir, gap=1.5 * window, count=3, window=window, before=3)
    assert [len(call) for call in calls] == [3, 3]
    # Without the previous batch's count to wait for, the first of the same arrivals goes alone.
    assert len(calls_for(tiny_model_dir, gap=1.5 * window, count=3, window=window)[0]) == 1


def test_a_busy_queue_still_starts_decoding_after_the_cap(tiny_model_dir) -> None:
    window = 0.1
    gap = window / 4
    count = int(2 * WINDOW_CAP * window / gap)  # arrivals for two capped windows
    calls = calls_for(tiny_model_dir, gap=gap, count=count, window=window)
    assert sum(map(len, calls)) == count
    assert len(calls) >= 2
