"""Freed memory handed back to the system: the one place vi2en asks the C allocator to let go.

glibc keeps memory a process frees for its own reuse, so a process that once peaked stays that large: after
preparing a model (its full output layer's integers, the rows cut from it, freed), after a batch's search (its
cache and activations), and between a batch's encoder and its steps (the encoder's activations, which would
otherwise stay in the process through every step, under the steps' own growth).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Callable

__all__ = ["return_freed_memory"]


def return_freed_memory() -> None:
    """Hand the C allocator's freed pages back to the system (glibc ``malloc_trim``; elsewhere nothing)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, looked up once: finding the C library runs ``ldconfig`` (~2 ms), and the
    decoder trims for every batch."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)
