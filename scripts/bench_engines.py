#!/usr/bin/env python3
"""Benchmark the product against CTranslate2 on CPU (issue "Translate as fast as CTranslate2 on CPU").

Default mode, on the same segments, each engine in its own worker process, in interleaved rounds:

* ``product-f32`` / ``product-int8``: the pipeline without glossary (``load_model(..., precision=...)``);
* ``glossary-f32`` / ``glossary-int8``: the pipeline with a generated glossary of ~2 terms per segment, hard mode
  (as in ``bench_constraints``);
* ``product-int8-threads`` / ``glossary-int8-threads``: the same with the batches searched in threads of the worker
  process rather than in the forked search processes vi2en uses on Linux (``translate.decoding.search_workers``);
* ``hf-batched``: Hugging Face ``generate`` on the product's batches (the reference implementation);
* ``ct2-f32`` / ``ct2-int8``: CTranslate2 on the same model, converted by its own ``TransformersConverter``
  (cached next to the model), ``intra_threads=--threads, inter_threads=1``.

Same beams, same length (T target tokens: CTranslate2 with ``min_decoding_length=max_decoding_length=T``, which
stops after T tokens without an EOS step; ours and HF decode T tokens + the EOS), same threads.  Batches: every
engine gets the batches the product searches (``Decoder.plan``: length-sorted under ``--batch-tokens`` / beams, at
most 64 segments, at least one per thread), CTranslate2 through one ``translate_batch`` call per batch.  Every time
is shown as a ratio to ``ct2-int8``.

``--scale [N]`` runs the product (int8, without and with the glossary) through the streaming
``Translator.translate_documents`` on N, 10N and 100N segments (default N=16; the N segments reused cyclically,
in documents of N lines): seconds per segment should stay constant and peak memory flat.  It names the family vi2en
chose for the model (``--arch`` picks the default model's) and checks the flat line: peak memory at 100N segments
within ``FLAT_MEMORY_PERCENT`` (10%) of the peak at 10N.

``--profile [float32|int8]`` runs the constrained product once under cProfile and groups the time: model forward,
constraint bookkeeping, the rest (with its main parts).

    python scripts/bench_engines.py
    python scripts/bench_engines.py --engines product-int8,ct2-int8 --repeat 5
    python scripts/bench_engines.py --scale          # 16, 160, 1600 segments
    python scripts/bench_engines.py --arch nllb --scale 100 --new-tokens 4   # 100 ... 10,000 segments, NLLB-600M
    python scripts/bench_engines.py --profile int8
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

TITLE = "bench_engines: vi2en vs Hugging Face generate vs CTranslate2"
REFERENCE = "ct2-int8"
ENGINES = {
    "product-f32": "vi2en pipeline, no glossary, float32",
    "product-int8": "vi2en pipeline, no glossary, int8 (translate.decoding.quantize.Int8Linear)",
    "glossary-f32": "vi2en pipeline, ~2 terms/segment, hard mode, float32",
    "glossary-int8": "vi2en pipeline, ~2 terms/segment, hard mode, int8",
    "product-int8-threads": "product-int8 with its batches searched in threads of one process, not forked processes",
    "glossary-int8-threads": "glossary-int8 with its batches searched in threads of one process, not forked processes",
    "hf-batched": "HF generate, product's batches, float32",
    "ct2-f32": "CTranslate2 float32, product's batches (process also holds torch/transformers for tokenising)",
    "ct2-int8": "CTranslate2 int8, product's batches (process also holds torch/transformers for tokenising)",
    "ct2-int8-par": "CTranslate2 int8, inter_threads=threads x intra_threads=1, all batches submitted at once",
}
SCALE_ENGINES = {
    "scale-plain": "vi2en int8, no glossary, streaming translate_documents",
    "scale-glossary": "vi2en int8, ~2 terms/segment, hard mode, streaming translate_documents",
}
FLAT_MEMORY_PERCENT = 10.0
"""Issue 16's flat memory line: the peak memory at 100N segments within this many percent of the peak at 10N."""


def memory_check(engine: str, smaller: dict[str, Any], larger: dict[str, Any]) -> dict[str, Any]:
    """Whether ``engine``'s peak memory stayed flat from the ``smaller`` run to the ``larger`` one (scale rows)."""
    growth = 100 * (larger["peak_bytes"] - smaller["peak_bytes"]) / smaller["peak_bytes"]
    return {"engine": engine, "from_segments": smaller["segments"], "to_segments": larger["segments"],
            "peak_from_bytes": smaller["peak_bytes"], "peak_to_bytes": larger["peak_bytes"],
            "peak_growth_percent": growth, "target_percent": FLAT_MEMORY_PERCENT, "flat": growth <= FLAT_MEMORY_PERCENT,
            "seconds_per_segment_ratio": larger["seconds_per_segment"] / smaller["seconds_per_segment"]}


TARGET_REFERENCE = "ct2-int8-par"
"""CTranslate2's best CPU setting here: issue 16's targets are ratios to it, measured in the same run."""
TIME_TARGETS = {"product-int8": 0.8, "glossary-int8": 0.9}
"""Issue 16, item 1: wall time at most this fraction of :data:`TARGET_REFERENCE`'s, and peak memory at most its."""


def target_checks(results: dict[str, benchlib.Result]) -> list[dict[str, Any]]:
    """Issue 16's targets for each int8 vi2en engine measured beside :data:`TARGET_REFERENCE`: best and paired
    wall-time ratios against :data:`TIME_TARGETS`, the CPU-seconds ratio beside them (what the work costs,
    whatever the threads' balance), and peak memory (``benchlib.PeakMemory``) against the reference's."""
    if TARGET_REFERENCE not in results:
        return []
    ref = results[TARGET_REFERENCE]
    checks = []
    for name, target in TIME_TARGETS.items():
        if name not in results:
            continue
        r = results[name]
        best, paired = benchlib.ratio(r, ref), benchlib.paired_ratio(r, ref)
        checks.append({"engine": name, "reference": TARGET_REFERENCE, "time_target": target, "best_ratio": best,
                       "paired_ratio": paired, "cpu_ratio": r.best_run.cpu_seconds / ref.best_run.cpu_seconds,
                       "time_met": best <= target and paired <= target,
                       "peak_ratio": r.peak / ref.peak, "memory_met": r.peak <= ref.peak})
    return checks


def describe_check(check: dict[str, Any]) -> str:
    """One printed line of :func:`target_checks`."""
    verdict = {True: "met", False: "not met"}
    return (f"target {check['engine']} <= {check['time_target']:.1f}x {check['reference']}: best {check['best_ratio']:.2f}x, "
            f"paired {check['paired_ratio']:.2f}x ({verdict[check['time_met']]}; CPU seconds {check['cpu_ratio']:.2f}x); "
            f"peak memory {check['peak_ratio']:.2f}x ({verdict[check['memory_met']]})")


def ct2_length(args: argparse.Namespace) -> dict[str, int]:
    """CTranslate2 counts target tokens without the EOS, and stops at the maximum without decoding one."""
    return {"min_decoding_length": args.new_tokens, "max_decoding_length": args.new_tokens}


def ct2_model(model: Path, precision: str) -> Path:
    """The model converted by CTranslate2's own converter, cached beside it (redone if the model is newer)."""
    import ctranslate2

    out = model.with_name(f"{model.name}-ct2-{precision}")
    newest = max(p.stat().st_mtime for p in model.iterdir())
    if (out / "model.bin").is_file() and (out / "model.bin").stat().st_mtime >= newest:
        return out
    print(f"converting {model} with CTranslate2 ({precision}) into {out} ...", file=sys.stderr)
    tmp = out.with_name(f"{out.name}.tmp{os.getpid()}")
    ctranslate2.converters.TransformersConverter(str(model)).convert(
        str(tmp), quantization=None if precision == "float32" else precision, force=True)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def ct2_engine(args: argparse.Namespace, precision: str, side_by_side: bool = False) -> benchlib.Engine:
    """CTranslate2 on the product's batches; the torch model is loaded only to get the tokenizer side, then freed.

    ``side_by_side``: CTranslate2's own way of spreading several batches over the threads (``inter_threads``
    translators of one thread each, batches submitted asynchronously): the counterpart of the product's
    side-by-side batch search, measured so the comparison does not rest on a weaker CTranslate2 setting.
    """
    import ctranslate2
    loaded = benchlib.load(args)
    family, plan = loaded.family, benchlib.product_decoder(loaded, args).plan
    del loaded
    gc.collect()
    threads = (1, args.threads) if side_by_side else (args.threads, 1)
    translator = ctranslate2.Translator(str(ct2_model(args.model, precision)), device=args.device, compute_type=precision,
                                        intra_threads=threads[0], inter_threads=threads[1])
    tokenizer = family.tokenizer

    def run(segments: list[str]) -> benchlib.Output:
        texts, tokens = [""] * len(segments), 0
        submitted, batches = [], plan(segments)
        for batch in batches:
            encoded = family.encode_sources([segments[i] for i in batch])
            sources = [tokenizer.convert_ids_to_tokens(ids[mask.bool()].tolist())
                       for ids, mask in zip(encoded["input_ids"], encoded["attention_mask"])]
            results = translator.translate_batch(sources, beam_size=args.beams, asynchronous=side_by_side,
                                                 **ct2_length(args))
            submitted.append((batch, results))
        for batch, results in submitted:
            for index, result in zip(batch, results):
                ids = tokenizer.convert_tokens_to_ids((result.result() if side_by_side else result).hypotheses[0])
                texts[index], tokens = family.decode(ids), tokens + len(ids)
        return benchlib.Output(texts, tokens, {"batch_sizes": [len(batch) for batch in batches]})

    return run


def precision_of(name: str, device: str = "cpu") -> str:
    """Engines named ``*-f32`` and ``hf-batched`` run in float32, the others (``*-int8*``, ``scale-*``) in int8 on
    the CPU; on CUDA, where torch has no int8 kernels, vi2en's run in float16 and CTranslate2's in int8_float16."""
    if name.endswith("-f32") or name == "hf-batched":
        return "float32"
    if device == "cpu":
        return "int8"
    return "int8_float16" if name.startswith("ct2") else "float16"


def make_engine(name: str, args: argparse.Namespace) -> benchlib.Engine:
    precision = precision_of(name, args.device)
    if name.startswith("ct2"):
        return ct2_engine(args, precision, side_by_side=name.endswith("-par"))
    loaded = benchlib.load(args, precision, product=name != "hf-batched")
    if name == "hf-batched":
        return benchlib.hf_engine(loaded, args, batched=True)
    glossary = None
    if name.startswith(("glossary", "scale-glossary")):
        glossary = benchlib.make_glossary(benchlib.load_segments(args.segments, args.corpus))
    workers = "threads" if name.endswith("-threads") else "auto"
    return benchlib.translator_engine(loaded, args, glossary, doc_size=args.scale or 0, workers=workers)


def compare(args: argparse.Namespace, argv: Sequence[str] | None, start_load: str) -> int:
    names = [n.strip() for n in args.engines.split(",")] if args.engines else list(ENGINES)
    unknown = set(names) - set(ENGINES)
    if unknown:
        raise SystemExit(f"unknown engines {sorted(unknown)}; choose from {', '.join(ENGINES)}")
    notes = []
    try:
        for name in names:
            if name.startswith("ct2"):
                ct2_model(args.model, precision_of(name, args.device))
    except ImportError:
        names = [n for n in names if not n.startswith("ct2")]
        notes.append("ctranslate2 is not installed (pip install 'vi2en[bench]'): CTranslate2 engines skipped")
    reference = REFERENCE if REFERENCE in names else names[0]
    engines = {n: ENGINES[n] for n in names}
    results = benchlib.measure(__file__, benchlib.worker_argv(argv, args.model), engines, args.repeat)
    if args.json:
        benchlib.emit_json(TITLE, args, start_load, reference=reference, notes=notes,
                           engines={n: r.to_json() for n, r in results.items()}, targets=target_checks(results))
        return 0
    benchlib.print_header(TITLE, args, start_load)
    sizes = next((r.last.extra["batch_sizes"] for r in results.values() if "batch_sizes" in r.last.extra), None)
    if sizes:
        print(f"batches (the product's, given to HF and CTranslate2 too): sizes {sizes}")
    if args.device != "cpu":
        notes.append("on cuda, vi2en's *-int8 engines run float16 and CTranslate2's int8 engines int8_float16")
    for note in notes:
        print(f"note: {note}")
    signatures = [f"{n} {r.last.extra['options_signature']}" for n, r in results.items()
                  if "options_signature" in r.last.extra]
    if signatures:
        print("vi2en options signatures (translate.options): " + ", ".join(signatures))
    print()
    print(benchlib.results_table(results, reference))
    for name in results:
        if name.startswith("glossary"):
            extra = results[name].last.extra
            print(f"{name}: {extra['terms_required'] / results[name].last.segments:.2f} terms per segment, "
                  f"{extra['terms_met']}/{extra['terms_required']} met")
    same = [f"{n} {benchlib.agreement(results[n], results['product-f32'])}" for n in ("hf-batched", "ct2-f32")
            if n in results and "product-f32" in results]
    if same:
        print("same translation as product-f32 (equal work): " + ", ".join(same))
    for name in results:
        if name.endswith("-threads") and name.removesuffix("-threads") in results:
            print(f"same translation as {name.removesuffix('-threads')}: {name} "
                  f"{benchlib.agreement(results[name], results[name.removesuffix('-threads')])}")
    for name, result in results.items():
        if "timeline" in result.best_run.extra:
            print(benchlib.describe_timeline(name, result.best_run.extra["timeline"]))
    for check in target_checks(results):
        print(describe_check(check))
    print(f"load average at end: {benchlib.load_average()}")
    return 0


def scale(args: argparse.Namespace, argv: Sequence[str] | None, start_load: str) -> int:
    """Seconds per segment and peak memory of the streaming pipeline at N, 10N and 100N segments."""
    sizes = [args.scale, 10 * args.scale, 100 * args.scale]
    argv = benchlib.worker_argv(argv, args.model, "--segments", str(args.scale))
    runs: dict[tuple[str, int], list[benchlib.Run]] = {}
    with benchlib.workers(__file__, argv, list(SCALE_ENGINES)) as started:
        for size in sizes:
            for round_ in range(args.repeat):
                for name in list(started)[round_ % 2:] + list(started)[: round_ % 2]:
                    print(f"{name}: {size} segments, round {round_ + 1}/{args.repeat} ...", file=sys.stderr)
                    runs.setdefault((name, size), []).append(started[name].run(size))
        loaded = {name: w.loaded for name, w in started.items()}
    rows, document = [], []
    for name in SCALE_ENGINES:
        base = min(r.seconds for r in runs[(name, sizes[0])]) / sizes[0]
        for size in sizes:
            best = min(r.seconds for r in runs[(name, size)])
            peak = max(r.peak for r in runs[(name, size)])
            extra = runs[(name, size)][-1].extra
            terms = f"{extra['terms_met']}/{extra['terms_required']}" if "terms_met" in extra else "-"
            rows.append([name, size, f"{best:.2f}", f"{1000 * best / size:.1f}", f"{best / size / base:.2f}",
                         f"{size / best:.2f}", f"{peak / benchlib.MB:.0f}", f"{loaded[name] / benchlib.MB:.0f}", terms])
            document.append({"engine": name, "segments": size, "best_seconds": best, "seconds_per_segment": best / size,
                             "per_segment_vs_smallest": best / size / base, "peak_bytes": peak,
                             "loaded_bytes": loaded[name], "extra": extra})
    # The flat-memory check: the largest run against the 10x smaller one (the smallest run is mostly warm-up).
    rows_of = {(d["engine"], d["segments"]): d for d in document}
    checks = [memory_check(name, rows_of[(name, sizes[1])], rows_of[(name, sizes[2])]) for name in SCALE_ENGINES]
    family = ", ".join(sorted({r.extra["family"] for measured in runs.values() for r in measured}))
    if args.json:
        benchlib.emit_json(TITLE + " (scale)", args, start_load, family=family, scale=document, memory=checks)
        return 0
    benchlib.print_header(TITLE + " -- scale", args, start_load, rounds=f"best of {args.repeat} run(s) per size")
    print(f"family: {family} (as vi2en's translate.decoding.families chose it for the model)")
    print(f"N = {args.scale} segments reused cyclically, in documents of {args.scale} lines, streamed through "
          f"Translator.translate_documents (which decodes bounded groups of segments)")
    print()
    headers = ["engine", "segments", "best s", "ms/seg", "x ms/seg at N", "seg/s", "peak MB", "loaded MB",
               "terms met"]
    print(benchlib.table(headers, rows))
    print("(peak MB: the worker's high-water mark during that run, model included, plus what its search processes "
          "hold alone; loaded: the same after load and warm-up)")
    print()
    print(f"flat memory ({family}): peak memory at {sizes[2]} segments within {FLAT_MEMORY_PERCENT:.0f}% of the peak "
          f"at {sizes[1]}?")
    for check in checks:
        print(f"  {check['engine']}: {check['peak_from_bytes'] / benchlib.MB:.0f} -> "
              f"{check['peak_to_bytes'] / benchlib.MB:.0f} MB, {check['peak_growth_percent']:+.1f}% "
              f"({'flat' if check['flat'] else 'NOT flat'}); seconds per segment "
              f"x{check['seconds_per_segment_ratio']:.2f}")
    print(f"load average at end: {benchlib.load_average()}")
    return 0


# Where the constrained product's time goes: cumulative time of functions that never call one another.
MODEL_FORWARD = [("translate/decoding/stepper.py", "__init__"), ("translate/decoding/stepper.py", "step"),
                 ("translate/decoding/marian_decoder.py", "__init__"), ("translate/decoding/marian_decoder.py", "step")]
CONSTRAINTS = [("translate/decoding/beam_search.py", "_apply_constraint_masks"),
               ("translate/decoding/beam_search.py", "_constraint_candidates"),
               ("translate/decoding/beam_search.py", "_select_banked"), ("translate/decoding/constraints.py", "build")]
OTHER_PARTS = {
    "KV-cache reordering (stepper select)": [("translate/decoding/stepper.py", "select"),
                                             ("translate/decoding/marian_decoder.py", "select")],
    "plain beam selection (_select_plain)": [("translate/decoding/beam_search.py", "_select_plain")],
    "source tokenisation": [("translate/decoding/families.py", "encode_sources"),
                            ("translate/decoding/families.py", "count_source_tokens")],
    "glossary matching (requirements_for)": [("glossary/requirements.py", "requirements_for")],
    "term verification, records (Translator._record)": [("translate/pipeline.py", "_record")],
}


def _cumulative(stats: dict, functions: list[tuple[str, str]]) -> float:
    """Summed cumulative time of ``functions`` (file suffix, name) in a ``pstats`` table."""
    return sum(ct for (file, _, name), (_, _, _, ct, _) in stats.items()
               if any(Path(file).as_posix().endswith(f) and name == n for f, n in functions))


def _missing(stats: dict, parts: dict[str, list[tuple[str, str]]]) -> list[str]:
    """Labels of ``parts`` none of whose functions is in the profile: renamed in the product, or not called."""
    return [label for label, functions in parts.items() if _cumulative(stats, functions) == 0]


def profile(args: argparse.Namespace, start_load: str) -> int:
    """The constrained product once under cProfile (after a warm-up and an unprofiled timing run).

    Single-threaded: cProfile follows one thread, and with several the decoder searches batches in worker
    threads.  The shares are those of the work itself; the wall times are not those of a 2-thread run.
    """
    args.threads = 1
    loaded = benchlib.load(args, args.profile, product=True)
    segments = benchlib.load_segments(args.segments, args.corpus)
    engine = benchlib.translator_engine(loaded, args, benchlib.make_glossary(segments))
    engine(segments[: benchlib.WARMUP_SEGMENTS])
    walls, profiles = [], []
    for _ in range(args.repeat):  # alternate plain and profiled runs; keep the fastest of each
        wall = time.perf_counter()
        engine(segments)
        walls.append(time.perf_counter() - wall)
        profiler = cProfile.Profile()
        profiler.enable()
        engine(segments)
        profiler.disable()
        profiles.append(pstats.Stats(profiler))
    wall, stats = min(walls), min(profiles, key=lambda s: s.total_tt)
    total = stats.total_tt
    model, constraints = _cumulative(stats.stats, MODEL_FORWARD), _cumulative(stats.stats, CONSTRAINTS)
    parts = {label: _cumulative(stats.stats, functions) for label, functions in OTHER_PARTS.items()}
    state_self = sum(tt for (file, _, _), (_, _, tt, _, _) in stats.stats.items()
                     if file.endswith("constraint_state.py"))
    missing = _missing(stats.stats, {"model forward": MODEL_FORWARD, "constraint bookkeeping": CONSTRAINTS, **OTHER_PARTS})
    groups = {
        "model forward (encoder + decoder steps, torch ops inside the model)": model,
        "constraint bookkeeping (constraint_state.py + constraint steps of beam_search.py)": constraints,
        "other Python overhead (search loop, pipeline, tokenisation)": total - model - constraints,
    }
    if args.json:
        benchlib.emit_json(TITLE + " (profile)", args, start_load, precision=args.profile, unprofiled_seconds=wall,
                           profiled_seconds=total, groups=groups, other_parts=parts, constraint_state_self=state_self,
                           missing=missing)
        return 0
    benchlib.print_header(TITLE + f" -- profile of the constrained product ({args.profile})", args, start_load,
                          rounds=f"{args.repeat} run(s) with and {args.repeat} without the profiler, fastest kept")
    print(f"unprofiled run: {wall:.2f} s; profiled run: {total:.2f} s (cProfile slows Python code, not torch kernels, "
          f"so the Python shares below are upper bounds)")
    print()
    rows: list[list[Any]] = [[label, f"{t:.2f}", f"{100 * t / total:.1f}%"] for label, t in groups.items()]
    rows += [[f"  of which {label}", f"{t:.2f}", f"{100 * t / total:.1f}%"] for label, t in parts.items()]
    rows.append(["  (self time of constraint_state.py functions)", f"{state_self:.2f}",
                 f"{100 * state_self / total:.1f}%"])
    print(benchlib.table(["where", "seconds", "share"], rows))
    if missing:
        print(f"not in the profile (renamed in the product, or not called in this run): {', '.join(missing)}")
    print()
    print("top functions by own time:")
    stats.sort_stats("tottime").print_stats(12)
    print(f"load average at end: {benchlib.load_average()}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    benchlib.add_common_arguments(parser, repeat=None)
    parser.add_argument("--engines", help=f"comma-separated subset of: {', '.join(ENGINES)}")
    parser.add_argument("--scale", type=int, nargs="?", const=16, default=0, metavar="N",
                        help="scale mode: N, 10N, 100N segments (default N 16)")
    parser.add_argument("--profile", nargs="?", const="float32", choices=["float32", "int8"],
                        help="profile the constrained product once (default float32)")
    args = parser.parse_args(argv)
    if args.worker:
        return benchlib.serve(args, make_engine)
    args.repeat = args.repeat or (1 if args.scale or args.profile else 3)
    args.segments = args.scale or args.segments
    start_load = benchlib.load_average()
    args.model = benchlib.ensure_model(args.model, args.arch)
    if args.profile:
        return profile(args, start_load)
    if args.scale:
        return scale(args, argv, start_load)
    return compare(args, argv, start_load)


if __name__ == "__main__":
    sys.exit(main())
