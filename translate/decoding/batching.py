"""Group segments into batches of similar length under a token budget.

Sorting by length keeps padding low (a padded position costs as much as a real one), and a budget on
``longest × count`` rather than a fixed batch size keeps memory flat whether segments are titles or
300-token paragraphs.  Order is restored by the caller through the returned indices.
"""

from __future__ import annotations

from typing import Sequence


def make_batches(lengths: Sequence[int], max_tokens: int, max_segments: int) -> list[list[int]]:
    """Indices of ``lengths`` grouped into batches, longest first, each within the budgets.

    A single segment longer than ``max_tokens`` still gets a batch of its own: the budget bounds
    batching, it never drops text.
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
    return batches
