"""``vi2en import``: bring post-edited XLIFF back — final documents, an edit report, corrections, a memory.

For each XLIFF file (1.2 or 2.x, as written by ``vi2en translate --format xliff|xliff12`` and edited in
a CAT tool) the final English document is written with the source's structure, and one report line
says how many segments the editor changed, the edit rate (TER of the machine output against the final
text) and each glossary correction.  Corrections become candidate glossary rows (``--corrections``) to
review with ``vi2en glossary check``; approved segments become a TMX memory (``--tmx``) that the next
``vi2en translate --tm`` reuses.  Exit codes as everywhere: 0 ok, 1 a file could not be imported,
2 bad options.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from glossary import Entry

    from .postedit import PostEditReport

EXAMPLES = """\
examples:
  vi2en import xlf/*.xlf -o final/                           # final documents + per-document report
  vi2en import xlf/*.xlf -o final/ --tmx approved.tmx        # approved segments as a TMX memory
  vi2en import xlf/*.xlf -o final/ --corrections fixes.tsv   # glossary corrections as candidate rows
  vi2en glossary check glossary/data/*.tsv fixes.tsv         # review them against the glossary
  vi2en translate next.txt --tm approved.tmx                 # reuse the approved segments

A segment is approved when the editor set its state to reviewed or final (XLIFF 2), or final,
signed-off or approved="yes" (XLIFF 1.2); --all-segments puts every segment in the TMX."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import`` command to the main CLI."""
    p = subparsers.add_parser(
        "import", help="read post-edited XLIFF back: final documents, edit report, corrections, TMX",
        description="Read XLIFF files post-edited in a CAT tool (written by 'vi2en translate --format xliff|xliff12'): "
        "write the final English documents with their structure and report, per document, the segments the editor "
        "changed, the edit rate (TER against the machine output) and glossary corrections.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE.xlf", help="post-edited XLIFF 1.2 or 2.x files")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR", help="write the final English documents here")
    p.add_argument("--tmx", type=Path, metavar="FILE", help="write the approved segments as a TMX 1.4b memory")
    p.add_argument("--all-segments", action="store_true", help="put every segment in the TMX, approved or not")
    p.add_argument("--corrections", type=Path, metavar="FILE",
                   help="write glossary corrections as candidate glossary rows (TSV; default: OUTDIR/glossary-corrections.tsv)")
    p.add_argument("--json", action="store_true", help="print the reports as JSON lines instead of text")
    p.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    from glossary import tsv

    from .cli import EXIT_OK, EXIT_PROBLEMS
    from .journal import atomic_write_text
    from .postedit import review
    from .tmx import TmxUnit, write_tmx
    from .xliff import XliffError, read_xliff

    failed, written, units, corrections = [], {}, [], []
    for path in args.files:
        try:
            document = read_xliff(path)
        except XliffError as err:
            failed.append(str(err))
            continue
        name = _output_name(path, document.doc_id)
        if name in written:
            failed.append(f"{path}: its output {name} was already written from {written[name]}; rename one of them")
            continue
        written[name] = path
        atomic_write_text(args.output / name, document.text())
        report = review(document)
        corrections += report.corrections
        units += [TmxUnit(s.source, s.target, document.doc_id) for s in document.segments if s.approved or args.all_segments]
        print(json.dumps(report.to_json(), ensure_ascii=False) if args.json else _describe(report, args.output / name))
    if args.tmx is not None:
        atomic_write_text(args.tmx, write_tmx(units))
        print(f"memory: {len(units)} segments written to {args.tmx}", file=sys.stderr)
        if not units:
            print("vi2en: no segment is approved (state reviewed/final); use --all-segments to keep them all", file=sys.stderr)
    if corrections:
        target = args.corrections or args.output / "glossary-corrections.tsv"
        comments = ["candidate glossary rows from post-editing: review, then merge into the glossary",
                    f"vi2en glossary check {target}"]
        atomic_write_text(target, tsv.dumps(_unique(c.candidate() for c in corrections), comments))
        print(f"corrections: {len(corrections)} glossary corrections written to {target}", file=sys.stderr)
    for message in failed:
        print(f"failed: {message}", file=sys.stderr)
    return EXIT_PROBLEMS if failed else EXIT_OK


def _output_name(path: Path, doc_id: str) -> str:
    """The name ``vi2en translate`` gives the document's text, from the XLIFF file's and the source's:
    ``a.xlf`` → ``a.txt``, ``b.md.xlf`` → ``b.md``, ``test.en.xlf`` (of ``test.vi``) → ``test.en``."""
    from .inputs import LANGUAGE_SUFFIXES, TEXT_SUFFIXES, english_name

    stem, source = Path(path.stem), Path(doc_id)
    if source.suffix.lower() in LANGUAGE_SUFFIXES and stem.name == english_name(Path(source.name)).name:
        return stem.name  # a language pair's file, read by name: its English side
    if stem.suffix.lower() in TEXT_SUFFIXES:
        return stem.name
    return stem.name + (source.suffix if source.suffix.lower() in TEXT_SUFFIXES else ".txt")


def _describe(report: PostEditReport, output: Path) -> str:
    """One report paragraph: the document's counts, then each correction on its own line."""
    rate = f"{report.edit_rate:.1f}" if report.edit_rate is not None else "n/a"
    lines = [
        f"{report.doc_id}: {report.segments} segments, {report.changed} changed by the editor, edit rate (TER) {rate}, "
        f"{report.approved} approved, {len(report.corrections)} glossary corrections → {output}"
    ]
    if report.without_machine:
        lines.append(f"  {report.without_machine} segments lost their machine output in the CAT tool: not in the edit rate")
    lines += [
        f"  correction: line {c.line} ({c.segment}): {c.term.source!r}: {c.machine!r} → {c.edited!r}"
        + (f" (glossary {c.term.entry})" if c.in_glossary else " (name not in the glossary)")
        for c in report.corrections
    ]
    return "\n".join(lines)


def _unique(entries: Iterable[Entry]) -> list[Entry]:
    """Candidate rows without repeats (the same correction seen in several places is one row)."""
    seen, kept = set(), []
    for entry in entries:
        if (entry.vi, entry.en) not in seen:
            seen.add((entry.vi, entry.en))
            kept.append(entry)
    return kept
