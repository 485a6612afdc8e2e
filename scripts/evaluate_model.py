#!/usr/bin/env python3
"""Translate a test set without and with the glossary, score both and compare them in one report.

Why one script: a glossary claim ("terms are now right and BLEU did not drop") needs both systems
run on the same segments with the same model and options, scored with the same signatures and
tested for significance. The report (report.md + report.json in --out) records everything needed
to reproduce it: model, options, test set and its preparation, sacreBLEU signatures, time taken.

Examples:
  python scripts/evaluate_model.py --model Helsinki-NLP/opus-mt-vi-en --testset flores
  python scripts/evaluate_model.py --model models/opus-mt-vi-en --testset domain \\
      --glossary glossary/data/state.tsv glossary/data/titles.tsv --beams 4 --out out/eval-domain
  python scripts/evaluate_model.py --model tiny/ --testset flores --limit 20   # smoke test
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sacrebleu

from glossary import default_paths, load_glossary
from glossary.errors import GlossaryError
from translate import ModelNotAvailable, Translator
from translate.cli import positive_int
from translate.evaluate import EvalInputs, EvaluationInputError, evaluate, render_json, render_markdown
from translate.evaluate.testsets import TESTSETS, EvalSet, load_testset
from translate.settings import PRECISIONS

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="model id or local directory, as for `vi2en translate`")
    parser.add_argument("--testset", required=True, choices=TESTSETS,
                        help="flores (FLORES-200 devtest), tatoeba, iwslt (IWSLT'15 tst2012) or domain (corpus/references)")
    parser.add_argument("--glossary", type=Path, action="extend", nargs="+", default=[], metavar="TSV",
                        help="glossary file(s) for the second system and the term metrics "
                             "(default: the built-in glossary, glossary/data/*.tsv)")
    parser.add_argument("--mode", choices=("hard", "soft"), default="hard",
                        help="glossary mode of the second system (default: %(default)s)")
    parser.add_argument("--beams", type=positive_int, default=4, help="beam size of both systems (default: %(default)s)")
    parser.add_argument("--precision", choices=PRECISIONS, default="float32",
                        help="model precision of both systems (default: %(default)s)")
    parser.add_argument("--threads", type=positive_int, help="CPU threads for the model (default: all cores)")
    parser.add_argument("--limit", type=positive_int, metavar="N", help="only the first N segments (quick runs, tests)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="report folder (default: out/eval/TESTSET); gets report.md, report.json, hypotheses")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default: %(default)s)")
    return parser.parse_args(argv)


def _translate(args: argparse.Namespace, glossary: list[Path], mode: str, sources: list[str]) -> tuple[list[str], dict[str, Any]]:
    """Load one system, translate every source line, and time both steps."""
    started = time.perf_counter()
    translator = Translator.load(
        args.model, glossary=glossary, glossary_mode=mode, beams=args.beams, precision=args.precision,
        threads=args.threads,
    )
    loaded = time.perf_counter()
    hypotheses = translator.translate_lines(sources)
    seconds = time.perf_counter() - loaded
    return hypotheses, {
        "glossary mode": mode,
        "load time (s)": round(loaded - started, 2),
        "translation time (s)": round(seconds, 2),
        "segments/s": round(len(sources) / seconds, 2) if seconds else None,
    }


def run(args: argparse.Namespace) -> Path:
    """Translate, evaluate and write the report; returns the report folder."""
    testset: EvalSet = load_testset(args.testset, PROJECT_ROOT)
    if args.limit is not None:
        testset = testset.head(args.limit)
    glossary = args.glossary or default_paths()
    if not glossary:
        raise EvaluationInputError("no glossary: pass --glossary, or add glossary/data/*.tsv")
    matcher = load_glossary(*glossary).matcher()
    out = args.out or PROJECT_ROOT / "out" / "eval" / args.testset
    out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    names = {"off": "no glossary", args.mode: f"glossary ({args.mode})"}
    hypotheses: dict[str, list[str]] = {}
    infos: dict[str, dict[str, Any]] = {}
    for mode, name in names.items():
        hypotheses[name], infos[name] = _translate(args, glossary, mode, testset.sources)
        hyp_file = out / f"hyp.{mode}.en"
        hyp_file.write_text("".join(line + "\n" for line in hypotheses[name]), encoding="utf-8")
        infos[name]["hypotheses"] = str(hyp_file)

    inputs = EvalInputs(hypotheses, [testset.references], testset.sources, testset.documents)
    meta = {
        "model": args.model,
        "beams": args.beams,
        "precision": args.precision,
        "glossary files": [str(path) for path in glossary],
        "glossary mode": args.mode,
        "test set": f"{testset.name} ({len(testset.sources)} segments, {len(testset.documents)} documents)",
        "test set files": testset.origin,
        "preparation": list(testset.notes),
        "sacrebleu": sacrebleu.__version__,
        "date (UTC)": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    evaluation = evaluate(inputs, matcher, alpha=args.alpha, meta=meta)
    evaluation = replace(
        evaluation,
        systems=tuple(replace(system, info=infos[system.name]) for system in evaluation.systems),
        meta={**evaluation.meta, "total time (s)": round(time.perf_counter() - started, 2)},
    )
    (out / "report.md").write_text(render_markdown(evaluation, width=2), encoding="utf-8")
    (out / "report.json").write_text(render_json(evaluation) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        out = run(args)
    except (EvaluationInputError, GlossaryError, ModelNotAvailable) as error:
        print(f"evaluate_model: error: {error}", file=sys.stderr)
        return 2
    print(f"report written to {out / 'report.md'} and {out / 'report.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
