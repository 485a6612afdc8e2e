"""Atomic outputs, the resume journal, and length-bucketed batching."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translate.decoding.batching import make_batches
from translate.journal import JOURNAL_NAME, Journal, atomic_write_text, fingerprint


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.txt"]


def test_journal_skips_only_unchanged_finished_outputs(tmp_path: Path) -> None:
    out = tmp_path / "doc.txt"
    key = fingerprint("nguồn", {"beams": 4})
    journal = Journal(tmp_path)
    assert not journal.is_done(out, key)
    atomic_write_text(out, "translation")
    journal.record(out, key, "translation")
    reopened = Journal(tmp_path)
    assert reopened.is_done(out, key)
    assert not reopened.is_done(out, fingerprint("nguồn", {"beams": 5}))  # option changed
    assert not reopened.is_done(out, fingerprint("nguồn khác", {"beams": 4}))  # source changed
    out.write_text("tampered")
    assert not reopened.is_done(out, key)  # output no longer what was recorded


def test_torn_journal_line_is_ignored(tmp_path: Path) -> None:
    out = tmp_path / "doc.txt"
    atomic_write_text(out, "x")
    Journal(tmp_path).record(out, "k", "x")
    with open(tmp_path / JOURNAL_NAME, "a") as handle:
        handle.write('{"output": "half')
    assert Journal(tmp_path).is_done(out, "k")


@given(st.lists(st.integers(1, 300), max_size=60), st.integers(1, 2000), st.integers(1, 16))
def test_batches_cover_every_segment_once_within_budget(lengths, max_tokens, max_segments) -> None:
    batches = make_batches(lengths, max_tokens, max_segments)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= max_segments
        longest = max(lengths[i] for i in batch)
        assert len(batch) == 1 or longest * len(batch) <= max_tokens


def test_batches_group_similar_lengths() -> None:
    batches = make_batches([5, 100, 6, 99], max_tokens=250, max_segments=2)
    assert batches == [[1, 3], [2, 0]]


def test_bad_budget_is_rejected() -> None:
    with pytest.raises(ValueError):
        make_batches([1], 0, 1)
