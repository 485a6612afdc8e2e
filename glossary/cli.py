"""`vi2en glossary ...`: check, lookup, scan, suggest and convert glossary files.

The lead's CLI calls `register(subparsers)`; each handler takes the parsed arguments and
returns the exit code: 0 ok, 1 problems found (or nothing found), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from translate.arg_types import iso_date, positive_int

from . import tsv
from .check import check_files
from .collection import Glossary, default_paths, load_glossary
from .entry import Entry
from .errors import GlossaryError, errors_in
from .formats import FORMATS, read_entries, write_entries
from .lookup import Hit
from .suggest import CONFIDENCES, MEDIUM, as_entries, suggest

if TYPE_CHECKING:
    from translate.inputs import SourceDocument

_FORMATS = ", ".join(FORMATS)

DESCRIPTION = f"""\
Work with bilingual glossaries: Vietnamese terms and their English renderings.
Files are TSV (native), CSV (comma, semicolon or tab) or TBX v2/v3 ({_FORMATS}), chosen by
extension. A TSV or CSV has a header naming any of the columns (vi required), or none: then
2 columns are vi, en and 3 are vi, en, type. Later files override earlier ones (a warning).
Without --glossary, lookup and suggest use the glossary shipped in glossary/data/."""

EXAMPLES = """\
examples:
  vi2en glossary check --curated glossary/data/*.tsv report problems as file:line: message
  vi2en glossary lookup bo cong thuong               diacritics and case do not matter
  vi2en glossary lookup ABAC                         acronyms, English names work too
  vi2en glossary lookup "Ministry of Planning" --at 2024-01-01
                                                     only names valid on that date
  vi2en glossary lookup "cong thuong" --json         for scripts
  vi2en glossary scan corpus/articles/2021-11-apec-amm32.txt
                                                     the entries a translation will use, and where
  vi2en glossary suggest corpus/articles -o candidates.tsv
                                                     mine new entries for review (files or folders)
  vi2en glossary convert glossary/data/intl.tsv intl.tbx
                                                     export to TBX-Basic (or .csv)"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `glossary` command and its sub-commands to the main CLI."""
    parser = subparsers.add_parser(
        "glossary", help="check, look up, mine and convert glossaries", description=DESCRIPTION,
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="glossary_command", metavar="COMMAND", required=True)

    check = commands.add_parser(
        "check", help="validate glossary files", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Report missing fields, unknown types, bad dates, line breaks and invisible\n"
        "characters in cells, and the same Vietnamese term given twice in one file (duplicate\n"
        "or conflicting renderings with overlapping validity) as file:line: message. Files are\n"
        "checked together, as they would be loaded: an entry of a later file overriding one of\n"
        "an earlier file is a warning naming both. Exit code 1 if any error (warnings alone pass).",
        epilog="examples:\n  vi2en glossary check my-terms.csv\n"
        "  vi2en glossary check builtin my-terms.csv   what my-terms.csv overrides in the shipped glossary\n"
        "  vi2en glossary check --curated glossary/data/*.tsv   every entry must give type and source",
    )
    check.add_argument("files", nargs="+", help=f"glossary files ({_FORMATS}), or 'builtin' for the shipped glossary "
                       "(with your own files after it: their overrides are warnings naming both entries)")
    check.add_argument("--curated", action="store_true",
                       help="curated data: every entry must give its type and source (otherwise type defaults "
                       "to 'other', or 'acronym' for a capitalised term rendered as itself, and source to file:line)")
    check.set_defaults(func=run_check)

    lookup = commands.add_parser(
        "lookup", help="search a glossary in both directions", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Find entries by Vietnamese or English name, variant or acronym, ignoring\n"
        "diacritics and case and forgiving small typos; the last word may be a prefix.\n"
        "Shows type, source and validity. Exit code 1 if nothing matches.",
        epilog="examples:\n  vi2en glossary lookup bo cong thuong\n  vi2en glossary lookup ABAC --json\n"
        "  vi2en glossary lookup 'Bộ Kế hoạch và Đầu tư' --at 2025-06-01",
    )
    lookup.add_argument("query", nargs="+", help="words to look for (quotes optional)")
    _add_glossary_option(lookup)
    lookup.add_argument("--at", type=iso_date, metavar="YYYY-MM-DD", help="only names valid on this date")
    lookup.add_argument("--limit", type=positive_int, default=10, help="most results shown (default 10)")
    lookup.add_argument("--json", action="store_true", help="print a JSON list instead of text")
    lookup.set_defaults(func=with_glossary(run_lookup))

    scan = commands.add_parser(
        "scan",
        help="list the entries that fire in articles, before translating",
        description="List every glossary term a translation of the articles will require: where it stands "
        "(file:line:column), the entry's file:line, type, validity and approved rendering. Articles are read "
        "as 'vi2en translate' reads them, with the names valid on each article's own date.",
    )
    scan.add_argument("articles", nargs="+", type=Path,
                      help="articles (.txt, .md, .vi, .docx, .html) or folders of them, read as 'vi2en translate' reads "
                      "them; positions are lines and columns of the text it translates")
    _add_glossary_option(scan)
    scan.add_argument("--at", type=iso_date, metavar="YYYY-MM-DD",
                      help="use the names valid on this date instead of each article's own date")
    scan.add_argument("--json", action="store_true", help="print JSON lines instead of text")
    scan.set_defaults(func=with_glossary(run_scan))

    mine = commands.add_parser(
        "suggest", help="propose new entries from Vietnamese articles",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Propose entries the glossary lacks: acronym definitions ('... (ABAC)'), person\n"
        "names after titles and honorifics, also after an organisation ('Chủ tịch VITAS Vũ Đức\n"
        "Giang'; Vietnamese names unaccented, others as written) and repeated capitalised names.\n"
        "Each has a confidence (high, medium, low) from its evidence: an acronym's letters must\n"
        "be explained by the words of its long form. Output: glossary TSV for review, with the\n"
        "confidence, evidence, count and a context line in the note column; fill in en and the\n"
        "source before adding rows to the glossary. Exit code 1 if some article could not be read.",
        epilog="examples:\n  vi2en glossary suggest corpus/articles -o candidates.tsv\n"
        "  vi2en glossary suggest news.txt --confidence low   also the doubtful ones, marked low",
    )
    mine.add_argument("articles", nargs="+", type=Path,
                      help="UTF-8 .txt/.md files, or folders (their .txt/.md files, recursively, in name order)")
    _add_glossary_option(mine)
    mine.add_argument("--min-repeats", type=positive_int, default=2,
                      help="repeated names: least occurrences (default 2)")
    mine.add_argument("--confidence", choices=CONFIDENCES, default=MEDIUM,
                      help=f"least confidence listed (default {MEDIUM}; low lists everything, marked low)")
    mine.add_argument("-o", "--output", type=Path, help="write the TSV here instead of standard output")
    mine.set_defaults(func=with_glossary(run_suggest))

    convert = commands.add_parser(
        "convert", help="convert between TSV, CSV and TBX", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=f"Convert a glossary file; formats by extension ({_FORMATS}).\n"
        "Refuses files with errors, so that no broken row is lost on the way.",
        epilog="examples:\n  vi2en glossary convert terms.tsv terms.tbx\n  vi2en glossary convert terms.csv terms.tsv",
    )
    convert.add_argument("source", type=Path)
    convert.add_argument("target", type=Path)
    convert.set_defaults(func=run_convert)


def run_check(args: argparse.Namespace) -> int:
    """Print every problem; 1 if any is an error."""
    from translate.glossary_files import glossary_paths  # the one reading of 'builtin' and paths

    files = glossary_paths(args.files)
    problems = check_files(files, curated=args.curated)
    for problem in problems:
        print(problem)
    errors = len(errors_in(problems))
    print(f"{len(files)} file(s): {errors} error(s), {len(problems) - errors} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def with_glossary(handler: Callable[[argparse.Namespace, Glossary], int]) -> Callable[[argparse.Namespace], int]:
    """A handler that first loads `--glossary` files (default: the shipped glossary); 2 if they are broken."""

    from translate.glossary_files import glossary_paths  # the one reading of 'builtin' and paths

    def run(args: argparse.Namespace) -> int:
        try:
            glossary = load_glossary(*(glossary_paths(args.glossary) if args.glossary else default_paths()))
        except GlossaryError as error:
            print(error, file=sys.stderr)
            print("fix these problems first (vi2en glossary check FILE... lists them all)", file=sys.stderr)
            return 2
        return handler(args, glossary)

    return run


def run_lookup(args: argparse.Namespace, glossary: Glossary) -> int:
    """Print the best entries for the query; 1 if none."""
    query = " ".join(args.query)
    hits = glossary.search(query, at=args.at, limit=args.limit)
    if args.json:
        print(json.dumps([hit.to_json() for hit in hits], ensure_ascii=False, indent=2))
    elif hits:
        print("\n\n".join(_hit_text(hit) for hit in hits))
    if not hits and args.at:
        # A name not in use on that date: say what it was and what replaced it, not just "no entry".
        others = glossary.search(query, limit=args.limit)
        for hit in others:
            print(f"{_hit_text(hit)}\n  not valid on {args.at}" + "".join(
                f"\n  on {args.at}: {s.vi}  →  {s.approved}" for s in successors(hit.entry, glossary, args.at)))
        if others:
            return 0
    if not hits:
        print(f"no entry matches {query!r}{' on ' + str(args.at) if args.at else ''}", file=sys.stderr)
    return 0 if hits else 1


def successors(entry: Entry, glossary: Glossary, day: date) -> list[Entry]:
    """Entries valid on `day` that took over from `entry`: the same Vietnamese name with another
    rendering, or an entry whose approved rendering the expired entry's note names ("merged into the
    Ministry of Finance")."""
    return [
        other for other in glossary.entries
        if other is not entry and other.is_valid_at(day) and other.approved
        and (other.vi == entry.vi or f" {other.approved}" in f" {entry.note}")
    ]


def run_scan(args: argparse.Namespace, glossary: Glossary) -> int:
    """Print the firing entries of each article; 1 if some article could not be read, 2 if none could."""
    from translate.scan import scan_article  # the translation's own reading of an article

    articles, unread = _read_articles(args.articles)
    if not articles:
        print("vi2en: no article could be read", file=sys.stderr)
        return 2
    for article in articles:
        path = article.name
        day, firings = scan_article(article.text, glossary.entries, day=args.at, published=article.published)
        if not args.json:
            print(f"# {path}: {len(firings)} terms, names of {day or 'today'}")
        for f in firings:
            entry = f.entry
            if args.json:
                print(json.dumps({
                    "article": str(path), "line": f.line, "column": f.column, "text": f.text, "vi": entry.vi,
                    "approved": f.renderings[0], "renderings": list(f.renderings), "type": entry.type.value,
                    "valid": _validity(entry), "entry": f.origin,
                }, ensure_ascii=False))
            else:
                print(f"{path}:{f.line}:{f.column}: {f.text} → {f.renderings[0]}   "
                      f"[{entry.type.value}; valid {_validity(entry)}; {f.origin}]")
    return 1 if unread else 0


def run_suggest(args: argparse.Namespace, glossary: Glossary) -> int:
    """Write candidate entries as TSV for review; 1 if some article could not be read, 2 if none could."""
    articles, unread = _read_articles(args.articles)
    if not articles:
        print("vi2en: no article could be read", file=sys.stderr)
        return 2
    suggestions = suggest([(a.name, a.text) for a in articles], glossary, min_repeats=args.min_repeats,
                          min_confidence=args.confidence)
    text = tsv.dumps(as_entries(suggestions), comments=[
        f"{len(suggestions)} candidates (confidence {args.confidence} or better) from vi2en glossary suggest, "
        f"{len(articles)} article(s);",
        "review each row: fill in en, cite a real source, check the type, then remove the note.",
    ])
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {len(suggestions)} candidates from {len(articles)} article(s) to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 1 if unread else 0


def _read_articles(paths: list[Path]) -> tuple[list[SourceDocument], int]:
    """The articles the paths name (folders: their articles, recursively, sorted), read as 'vi2en translate'
    reads them; problems and repairs are printed. Also the number unread."""
    from translate.inputs import InputFile, InputProblem, SourceDocument, input_files, read_documents

    articles: list[SourceDocument] = []
    unread = 0
    for item in input_files(paths):
        found = read_documents([item.path if item.path else "-"]) if isinstance(item, InputFile) else [item]
        for document in found:
            if isinstance(document, SourceDocument):
                articles.append(document)
                for warning in document.warnings:
                    print(f"vi2en: {warning}", file=sys.stderr)
            else:
                unread += isinstance(document, InputProblem)
                print(f"vi2en: {document.message}", file=sys.stderr)
    return articles, unread


def run_convert(args: argparse.Namespace) -> int:
    """Convert one file; refuse (1) if it has errors."""
    entries, problems = read_entries(args.source)
    for problem in problems:
        print(problem, file=sys.stderr)
    if errors_in(problems):
        print(f"not converted: fix the errors in {args.source} first", file=sys.stderr)
        return 1
    try:
        write_entries(entries, args.target)
    except GlossaryError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"wrote {len(entries)} entries to {args.target}", file=sys.stderr)
    return 0


def _add_glossary_option(parser: argparse.ArgumentParser) -> None:
    """``-g/--glossary FILE``, spelled and read as in every vi2en command (``translate.glossary_files``)."""
    parser.add_argument("-g", "--glossary", action="append", metavar="FILE",
                        help="glossary file to use; repeat to combine; 'builtin' is the shipped glossary (the default)")


def _validity(entry: Entry) -> str:
    start, end = entry.valid_from, entry.valid_to
    if not start and not end:
        return "always"
    return f"{start or '…'} to {end or 'now'}"


def _hit_text(hit: Hit) -> str:
    entry = hit.entry
    lines = [f"{entry.vi}  →  {entry.renderings[0] if entry.renderings else ''}"]
    details = [f"type: {entry.type.value}", f"valid: {_validity(entry)}"]
    if entry.acronym:
        details.insert(1, f"acronym: {entry.acronym}")
    lines.append("  " + "   ".join(details))
    if entry.en_alternatives:
        lines.append("  also: " + " | ".join(entry.en_alternatives))
    if entry.vi_variants:
        lines.append("  variants: " + " | ".join(entry.vi_variants))
    lines.append(f"  source: {entry.source}")
    if entry.note:
        lines.append(f"  note: {entry.note}")
    typos = f", {hit.typos} typo(s)" if hit.typos else ""
    lines.append(f"  matched {hit.field} {hit.value!r}{typos}   {entry.location or ''}".rstrip())
    if (winner := hit.overridden_by) is not None:
        where = f" at {winner.location}" if winner.location else ""
        rendering = winner.renderings[0] if winner.renderings else ""
        lines.append(f"  overridden by the entry{where} ({rendering!r}): translations use that one")
    return "\n".join(lines)

