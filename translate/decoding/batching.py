"""Group segments into batches of similar length under a token budget.

Sorting by length keeps padding low (a padded position costs as much as a real one), and a budget on
``longest × count`` rather than a fixed batch size keeps memory flat whether segments are titles or
300-token paragraphs.  Order is restored by the caller through the returned indices.

Fewer batches than there are threads to search them side by side leave a thread idle: a call may
ask for ``at_least`` batches, and then its costliest batch is dealt in two, alternate segments to
each half, so both halves have the same spread of lengths and take about as long; a call that forms
exactly one batch per thread, but unevenly (a full batch and a small remainder), is dealt likewise.
"""

from __future__ import annotations

from typing import Sequence


def make_batches(lengths: Sequence[int], max_tokens: int, max_segments: int, at_least: int = 1) -> list[list[int]]:
    """Indices of ``lengths`` grouped into batches, longest first, each within the budgets.

    A single segment longer than ``max_tokens`` still gets a batch of its own: the budget bounds
    batching, it never drops text.  With fewer than ``at_least`` batches, batches are split until
    there are that many or each holds one segment.
    """
    if max_tokens < 1 or max_segments < 1:
        raise ValueError("batch budgets must be positive")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = lengths[current[0]] if current else lengths[index]
        if current and (len(current) + 1 > max_segments or longest * (len(current) + 1) > max_tokens):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    while len(batches) < at_least:
        divisible = [b for b in range(len(batches)) if len(batches[b]) > 1]
        if not divisible:
            break
        costliest = max(divisible, key=lambda b: _cost(batches[b], lengths))
        batch = batches[costliest]
        batches[costliest : costliest + 1] = [batch[0::2], batch[1::2]]
    if 1 < at_least == len(batches):
        batches = _dealt_if_better(batches, order, lengths, max_tokens, max_segments)
    return batches


def _cost(batch: list[int], lengths: Sequence[int]) -> int:
    """Padded source positions of a batch (``longest × count``): what a batch costs to search."""
    return lengths[batch[0]] * len(batch) if batch else 0


def _dealt_if_better(batches: list[list[int]], order: list[int], lengths: Sequence[int], max_tokens: int,
                     max_segments: int) -> list[list[int]]:
    """One batch per thread, all segments dealt in turn (longest first), when that is within the budgets
    and makes the costliest batch cheaper.

    The budget fills batches longest first, so a call just over one batch's budget comes out as one full
    batch and a small remainder (16 requests: 12 and 4), and the thread with the remainder waits for the
    other; dealt in turn, each thread gets the same number of segments with the same spread of lengths.
    """
    count = len(batches)
    dealt = [order[i::count] for i in range(count)]
    fits = all(len(b) <= max_segments and (len(b) == 1 or _cost(b, lengths) <= max_tokens) for b in dealt)
    if fits and max(_cost(b, lengths) for b in dealt) < max(_cost(b, lengths) for b in batches):
        return dealt
    return batches
