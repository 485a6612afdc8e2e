#!/usr/bin/env python3
"""Benchmark glossary matching (and lookup) on a generated glossary and generated sentences.

The target (issue: glossary matching) is a 10,000-entry glossary over 2,000 sentences in under a
second on one core. Entries and sentences are random Vietnamese-like syllables (onset, vowel,
coda, tone), so the trie sees a realistic number of shared prefixes; each sentence has a few
glossary terms inserted, written with other case, tone placement or hyphens than the entry.

    python scripts/bench_glossary.py                 # defaults: 10,000 entries, 2,000 sentences
    python scripts/bench_glossary.py --entries 50000 --budget 0   # just print figures

Times are wall-clock and CPU (process) seconds: on a busy machine the wall time includes
waiting for the core, so the budget is checked against the CPU time of the slowest run (the
first, which also fills the syllable-key cache). Exit code 1 if it exceeds --budget seconds
(0 = no budget).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from glossary import Entry, Glossary, Matcher  # noqa: E402

ONSETS = ["b", "c", "ch", "d", "đ", "g", "gi", "h", "k", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "r", "s", "t",
          "th", "tr", "v", "x", ""]
NUCLEI = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uy", "ươ", "iê", "uô", "ai", "ao",
          "au", "ay", "oi", "ôi", "ơi", "ui", "ưu", "eo", "êu"]
CODAS = ["", "", "c", "ch", "m", "n", "ng", "nh", "p", "t"]
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
TYPES = ["organization", "title", "place", "agreement", "event", "document", "other"]


def syllable(rng: random.Random, tone_on_last_vowel: bool = False) -> str:
    nucleus = rng.choice(NUCLEI)
    at = len(nucleus) - 1 if tone_on_last_vowel else 0
    text = rng.choice(ONSETS) + nucleus[: at + 1] + rng.choice(TONES) + nucleus[at + 1:] + rng.choice(CODAS)
    return unicodedata.normalize("NFC", text)


def make_entries(rng: random.Random, count: int) -> list[Entry]:
    entries = []
    for number in range(count):
        words = [syllable(rng) for _ in range(rng.choice([2, 2, 3, 3, 3, 4, 4, 5, 6]))]
        words[0] = words[0].capitalize()
        entries.append(Entry(" ".join(words), f"Term {number}", rng.choice(TYPES), source="generated"))
    return entries


def variant_spelling(rng: random.Random, vi: str) -> str:
    """The term as a text might write it: other case, NFD, or hyphens instead of spaces."""
    style = rng.randrange(4)
    if style == 0:
        return vi.lower()
    if style == 1:
        return unicodedata.normalize("NFD", vi)
    if style == 2:
        return vi.replace(" ", "-")
    return vi


def make_sentences(rng: random.Random, entries: list[Entry], count: int) -> list[str]:
    sentences = []
    for _ in range(count):
        parts = [syllable(rng, tone_on_last_vowel=True) for _ in range(rng.randint(15, 30))]
        for _ in range(rng.randint(1, 4)):
            parts.insert(rng.randrange(len(parts) + 1), variant_spelling(rng, rng.choice(entries).vi))
        sentences.append(" ".join(parts).capitalize() + ".")
    return sentences


@dataclass
class Timing:
    wall: list[float]
    cpu: list[float]
    result: object

    def __str__(self) -> str:
        runs = f"{len(self.wall)} run{'s' if len(self.wall) > 1 else ''}"
        wall = f"wall first {self.wall[0]:.3f} s, best {min(self.wall):.3f} s, median {statistics.median(self.wall):.3f} s"
        return f"{wall}; CPU max {max(self.cpu):.3f} s, best {min(self.cpu):.3f} s ({runs})"


def timed(repeats: int, work: Callable[[], object]) -> Timing:
    """Wall and CPU time of `repeats` runs of `work`, and the last result."""
    timing = Timing([], [], None)
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        timing.result = work()
        timing.wall.append(time.perf_counter() - wall)
        timing.cpu.append(time.process_time() - cpu)
    return timing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--sentences", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=float, default=1.0, help="seconds allowed for matching (0 = none)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    entries = make_entries(rng, args.entries)
    sentences = make_sentences(rng, entries, args.sentences)
    syllables = sum(len(s.split()) for s in sentences)

    print(f"glossary: {len(entries):,} entries; text: {len(sentences):,} sentences, {syllables:,} words")
    build = timed(args.repeats, lambda: Matcher(entries))
    cpu = min(build.cpu)
    print(f"build matcher: {build}\n  {len(entries) / cpu:,.0f} entries/s (best CPU)")
    match = timed(args.repeats, lambda: [build.result.find(s) for s in sentences])
    cpu = min(match.cpu)
    found = sum(map(len, match.result))
    print(f"match: {match}\n  {len(sentences) / cpu:,.0f} sentences/s, {syllables / cpu:,.0f} words/s "
          f"(best CPU); {found:,} matches")

    glossary = Glossary(entries)
    queries = [variant_spelling(rng, rng.choice(entries).vi).lower() for _ in range(20)]
    index = timed(1, lambda: glossary.search("warm up the index"))
    lookup = timed(1, lambda: [glossary.search(q) for q in queries])
    print(f"lookup: index built in {index.wall[0]:.3f} s, then {1000 * lookup.wall[0] / len(queries):.1f} ms per query")

    worst = max(match.cpu)
    if args.budget and worst > args.budget:
        print(f"FAIL: matching took {worst:.3f} s of CPU, budget {args.budget:.3f} s", file=sys.stderr)
        return 1
    print(f"OK: matching within the {args.budget:.1f} s budget" if args.budget else "no budget set")
    return 0


if __name__ == "__main__":
    sys.exit(main())
