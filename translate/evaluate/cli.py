"""The ``vi2en evaluate`` sub-command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from glossary import load_glossary
from glossary.errors import GlossaryError

from translate.glossary_files import BUILTIN, glossary_paths
from translate.journal import atomic_write_text

from .evaluation import evaluate
from .html_report import render_html
from .io import EvaluationInputError, read_inputs
from .report import render_json, render_markdown, render_text

DESCRIPTION = """\
Score translations against references with sacreBLEU (BLEU, chrF++, TER, each with its signature),
corpus-level and per document; with a source and a glossary, also measure terminology; with two
or more hypotheses, test whether the systems differ significantly.

Each of --hyp/--ref/--src is a file with one segment per line, or a folder of documents whose
files are aligned by name (doc1.txt <-> doc1.en <-> doc1.vi). Line counts must match exactly:
a mismatch is an error naming both counts, never a shortened score. A folder may hold aligned
segments as NAME.tsv (header vi<TAB>en); where a document has a text file too (the corpus's
corpus/references has NAME.en.txt beside NAME.tsv), the text file is read: whole documents, line
for line, as `vi2en translate DIR -o OUT` writes them. Files tagged with the other language
(NAME.en.txt as --src) are never read.
"""

EPILOG = """\
examples:
  # one system, one reference: BLEU/chrF++/TER with sacreBLEU signatures
  vi2en evaluate --hyp out.en --ref ref.en

  # two references per segment (give --ref once per reference)
  vi2en evaluate --hyp out.en --ref ref1.en --ref ref2.en

  # terminology: term accuracy (per occurrence), per term/type, misses, consistency
  vi2en evaluate --hyp out.en --ref ref.en --src src.vi --glossary builtin
  vi2en evaluate --hyp out.en --ref ref.en --src src.vi --glossary my-terms.tsv --glossary other.tsv

  # compare two systems (paired bootstrap + approximate randomisation); first --hyp is the baseline
  vi2en evaluate --hyp baseline.en --hyp glossary.en --ref ref.en --markdown > report.md

  # folders of documents aligned by file name, JSON for scripts (with sentence-level scores)
  vi2en evaluate --hyp out/ --ref references/ --src sources/ --json

  # the corpus's own folders, 95% confidence intervals, and a self-contained HTML report
  vi2en translate corpus/articles -o out/
  vi2en evaluate --hyp out/ --ref corpus/references --src corpus/articles -g builtin --confidence --html report.html

The numbers equal those of the sacrebleu tool, e.g. for chrF++:
  sacrebleu ref.en -i out.en -m chrf --chrf-word-order 2
exit codes: 0 scored, 2 bad input (missing file, count mismatch, bad glossary).
"""


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``evaluate`` sub-command to the ``vi2en`` parser."""
    parser = subparsers.add_parser(
        "evaluate",
        help="score translations (BLEU, chrF++, TER, terminology, significance)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--hyp", type=Path, action="append", required=True, metavar="PATH",
                        help="system output (file or folder); repeat to compare systems, the first is the baseline")
    parser.add_argument("--ref", type=Path, action="append", required=True, metavar="PATH",
                        help="reference (file or folder); repeat for several references per segment")
    parser.add_argument("--src", type=Path, metavar="PATH", help="Vietnamese source, needed for terminology")
    parser.add_argument("-g", "--glossary", action="append", default=[], metavar="FILE",
                        help=f"glossary file whose terms are required (needs --src); repeat to combine; '{BUILTIN}' "
                             "is the glossary shipped with vi2en (glossary/data/*.tsv)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON (full precision) instead of a table")
    output.add_argument("--markdown", action="store_true", help="print a Markdown report instead of a table")
    parser.add_argument("--width", type=int, default=1, metavar="N",
                        help="decimals shown in the table and Markdown (default: %(default)s, as sacrebleu)")
    parser.add_argument("--alpha", type=float, default=0.05,
                        help="significance level of the paired tests (default: %(default)s)")
    parser.add_argument("--confidence", action="store_true",
                        help="add sacreBLEU's 95%% confidence interval to each corpus score (bootstrap resampling, "
                             "printed as μ ± CI, as sacrebleu --confidence)")
    parser.add_argument("--confidence-n", type=int, default=1000, metavar="N",
                        help="bootstrap resamples for --confidence (default: %(default)s, as sacrebleu)")
    parser.add_argument("--html", type=Path, metavar="FILE",
                        help="also write the report as one self-contained HTML page (charts, sortable tables)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Evaluate and print; 0 when scored, 2 on bad input (the message says what to fix)."""
    if args.glossary and args.src is None:
        return _fail("--glossary needs --src: required terms are found in the source")
    glossary = glossary_paths(args.glossary)
    if args.confidence and args.confidence_n < 2:
        return _fail(f"--confidence-n must be at least 2 resamples, not {args.confidence_n}")
    if args.html is not None and (problem := _page_problem(args.html, [*args.hyp, *args.ref, args.src, *glossary])):
        return _fail(problem)
    try:
        inputs = read_inputs(args.hyp, args.ref, args.src)
        matcher = load_glossary(*glossary).matcher() if glossary else None
    except (EvaluationInputError, GlossaryError) as error:
        return _fail(str(error))
    meta = {
        "hypotheses": [str(path) for path in args.hyp],
        "references": [str(path) for path in args.ref],
        **({"source": str(args.src)} if args.src else {}),
        **({"glossary": [str(path) for path in glossary]} if glossary else {}),
    }
    evaluation = evaluate(inputs, matcher, alpha=args.alpha, meta=meta,
                          n_bootstrap=args.confidence_n if args.confidence else 1)
    if args.html is not None:
        try:
            atomic_write_text(args.html, render_html(evaluation, args.width))
        except OSError as error:
            return _fail(f"cannot write {args.html}: {error.strerror}")
        print(f"vi2en evaluate: wrote {args.html}", file=sys.stderr)
    if args.json:
        print(render_json(evaluation))
    elif args.markdown:
        print(render_markdown(evaluation, args.width), end="")
    else:
        print(render_text(evaluation, args.width), end="")
    return 0


def _page_problem(page: Path, inputs: list[Path | None]) -> str | None:
    """Why the HTML page cannot be written at ``page`` (checked before any scoring), or ``None``.

    The page must not replace an input, nor land in an input folder, where the next evaluation
    would read it as one more document.
    """
    if page.is_dir():
        return f"--html {page} is a folder; give a file name such as {page / 'report.html'}"
    target = page.resolve()
    for path in filter(None, inputs):
        where = path.resolve()
        if target == where or (path.is_dir() and where in target.parents):
            return f"--html {page} would overwrite or join the input {path}; write the page elsewhere"
    return None


def _fail(message: str) -> int:
    """Report bad input the way argparse does, and return the usage exit code."""
    print(f"vi2en evaluate: error: {message}", file=sys.stderr)
    return 2
