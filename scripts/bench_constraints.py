#!/usr/bin/env python3
"""Benchmark the constraint layer (issue "The constraint layer": constrained <= 1.3x unconstrained).

Measured, on the same segments and model, in separate worker processes, in interleaved rounds, all through the
product's pipeline (``Translator.translate_documents``, line mode, same beams, T target tokens forced):

* ``plain``: no glossary (unconstrained beam search);
* ``constrained``: a glossary in hard mode, all segments in one call (batched constrained search);
* ``alone``: the same glossary, one call per segment (batch of one): the naive alternative, to show what
  batching constrained segments together gains.

The glossary is generated for the run (``benchlib.make_glossary``): about two 2-3-syllable spans of each
segment, rendered by real English renderings from glossary/data/*.tsv, so the decoder meets realistic,
multi-token constraints.  The length is pinned to T for both runs (an explicit ``max_new_tokens`` is a cap that
constraints only raise when they cannot fit), so both do the same work; tok/seg shows it.  Term success comes
from the pipeline's segment records.

    python scripts/bench_constraints.py                   # 48 FLORES segments, beams 4, 40 tokens
    python scripts/bench_constraints.py --corpus --segments 165
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

TITLE = "bench_constraints: constrained vs unconstrained beam search"
TARGET_RATIO = 1.3
ENGINES = {
    "plain": "pipeline without glossary (unconstrained)",
    "constrained": "pipeline, generated glossary, hard mode, all segments batched",
    "alone": "same glossary, one segment per call (batch of one)",
}


def make_engine(name: str, args: argparse.Namespace) -> benchlib.Engine:
    loaded = benchlib.load(args)
    if name == "plain":
        return benchlib.translator_engine(loaded, args, None)
    glossary = benchlib.make_glossary(benchlib.load_segments(args.segments, args.corpus))
    return benchlib.translator_engine(loaded, args, glossary, alone=name == "alone")


def per_token(result: benchlib.Result) -> float:
    """Best seconds per target token: the fair figure should the two runs ever produce different lengths."""
    return result.best / result.last.tokens


def term_summary(result: benchlib.Result) -> dict[str, Any]:
    """Terms per segment and term success, from the pipeline's records of the last run."""
    extra, segments = result.last.extra, result.last.segments
    required, met = extra["terms_required"], extra["terms_met"]
    return {"terms_per_segment": required / segments, "segments_with_terms": extra["segments_with_terms"],
            "terms_required": required, "terms_met": met, "term_success": met / required if required else None}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    benchlib.add_common_arguments(parser)
    args = parser.parse_args(argv)
    if args.worker:
        return benchlib.serve(args, make_engine)
    start_load = benchlib.load_average()
    args.model = benchlib.ensure_model(args.model, args.arch)
    results = benchlib.measure(__file__, benchlib.worker_argv(argv, args.model), ENGINES, args.repeat)
    plain, constrained, alone = results["plain"], results["constrained"], results["alone"]
    figures = {
        "constrained_vs_plain": benchlib.ratio(constrained, plain),
        "constrained_vs_plain_paired": benchlib.paired_ratio(constrained, plain),
        "constrained_vs_plain_per_token": per_token(constrained) / per_token(plain),
        "alone_vs_constrained": benchlib.ratio(alone, constrained),
        "alone_vs_constrained_paired": benchlib.paired_ratio(alone, constrained),
    }
    terms = {name: term_summary(results[name]) for name in ("constrained", "alone")}
    if args.json:
        benchlib.emit_json(TITLE, args, start_load, engines={n: r.to_json() for n, r in results.items()},
                           ratios=figures, target_ratio=TARGET_RATIO, terms=terms)
        return 0
    benchlib.print_header(TITLE, args, start_load)
    print()
    print(benchlib.results_table(results, "plain"))
    print()
    for name, t in terms.items():
        success = f"{100 * t['term_success']:.1f}%" if t["term_success"] is not None else "n/a"
        print(f"{name}: {t['terms_per_segment']:.2f} terms per segment matched ({t['segments_with_terms']} of "
              f"{results[name].last.segments} segments have terms); term success {t['terms_met']}/"
              f"{t['terms_required']} = {success} (hard mode: should be 100%)")
    verdict = "meets" if figures["constrained_vs_plain"] <= TARGET_RATIO else "misses"
    print(f"constrained / unconstrained: {figures['constrained_vs_plain']:.2f}x (best times), "
          f"{figures['constrained_vs_plain_paired']:.2f}x (paired rounds); target <= {TARGET_RATIO}x: {verdict}")
    print(f"  per target token: {figures['constrained_vs_plain_per_token']:.2f}x (tokens per segment: constrained "
          f"{constrained.last.tokens / constrained.last.segments:.1f}, unconstrained "
          f"{plain.last.tokens / plain.last.segments:.1f})")
    print(f"naive one-segment-at-a-time constrained / batched constrained: {figures['alone_vs_constrained']:.2f}x "
          f"(best times), {figures['alone_vs_constrained_paired']:.2f}x (paired rounds)")
    print(f"load average at end: {benchlib.load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
