#!/usr/bin/env python3
"""Benchmark the batch pipeline against a naive per-sentence loop (issue "Translate whole articles": >= 2x).

Measured, on the same segments and model, in separate worker processes, in interleaved rounds:

* ``batched``: the product's :class:`translate.decoding.decoder.Decoder` over all segments at once (length-sorted batches
  under a token budget, finished segments leave the batch);
* ``naive``: Hugging Face ``model.generate`` called once per sentence: what a straightforward script does.

Same beams, same forced output length (T target tokens + EOS), same threads.  Printed: seconds, segments/s,
target tokens/s, peak RSS, and the speed-up of batched over naive (best times and paired per-round ratio).
Random weights make the translations gibberish, but the work is the real model's: opus-mt-vi-en dimensions.

    python scripts/bench_translate.py                      # 48 FLORES segments, beams 4, 40 tokens
    python scripts/bench_translate.py --model DIR --segments 200 --repeat 5 --json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

TITLE = "bench_translate: batched pipeline vs naive per-sentence generate"
TARGET_SPEEDUP = 2.0
ENGINES = {
    "batched": "product Decoder over all segments (length-sorted batches)",
    "naive": "HF model.generate, one call per sentence",
}


def make_engine(name: str, args: argparse.Namespace) -> benchlib.Engine:
    loaded = benchlib.load(args)
    if name == "batched":
        return benchlib.decoder_engine(loaded, args)
    return benchlib.hf_engine(loaded, args, batched=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    benchlib.add_common_arguments(parser)
    args = parser.parse_args(argv)
    if args.worker:
        return benchlib.serve(args, make_engine)
    start_load = benchlib.load_average()
    args.model = benchlib.ensure_model(args.model, args.arch)
    results = benchlib.measure(__file__, benchlib.worker_argv(argv, args.model), ENGINES, args.repeat)
    batched, naive = results["batched"], results["naive"]
    speedup, paired = benchlib.ratio(naive, batched), benchlib.paired_ratio(naive, batched)
    verdict = "meets" if speedup >= TARGET_SPEEDUP else "misses"
    if args.json:
        benchlib.emit_json(TITLE, args, start_load, engines={n: r.to_json() for n, r in results.items()},
                           speedup=speedup, paired_speedup=paired, target_speedup=TARGET_SPEEDUP,
                           same_output=benchlib.agreement(batched, naive))
        return 0
    benchlib.print_header(TITLE, args, start_load)
    print(f"batch sizes (product): {batched.last.extra['batch_sizes']}")
    print()
    print(benchlib.results_table(results, "batched"))
    print()
    print(f"speed-up batched vs naive: {speedup:.2f}x (best times), {paired:.2f}x (median of paired rounds); "
          f"target >= {TARGET_SPEEDUP:.0f}x: {verdict}")
    print(f"same translation in both engines: {benchlib.agreement(batched, naive)} segments")
    print(f"load average at end: {benchlib.load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
