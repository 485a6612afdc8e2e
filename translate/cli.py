"""The ``vi2en`` command line: a thin layer over the Python API.

Sub-commands: ``translate`` (here), ``glossary`` (``glossary.cli``) and ``evaluate``
(``translate.evaluate.cli``).  Exit codes mean the same everywhere:

  0  success
  1  the work ran but found problems (unreadable documents, unmet glossary terms, glossary errors)
  2  the command could not run (bad options, model or glossary not available)
  130  interrupted (rerun the same command to resume)
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .arg_types import iso_date, positive_int, similarity
from .formats import writes_bytes
from .glossary_files import BUILTIN
from .memory import FUZZY_THRESHOLD
from .settings import ACRONYM_MODES, DEFAULT_BATCH_TOKENS, DEFAULT_MODEL, DEVICES, GLOSSARY_MODES, MODEL_ENV, PRECISIONS
from glossary.entry import RENDERING_POLICIES

if TYPE_CHECKING:
    from glossary import Glossary

    from .pipeline import Translator

OUTPUT_FORMAT_NAMES = ("text", "jsonl", "xliff", "xliff12", "tmx")
XML_FORMATS = ("xliff", "xliff12", "tmx")
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

TRANSLATE_EPILOG = """\
examples:
  vi2en translate corpus/articles -o out/                 # a folder; outputs mirror the input names
  vi2en translate article.txt                             # to stdout
  cat article.txt | vi2en translate -                     # from stdin
  vi2en translate test.vi --lines -o out/                 # one output line per input line: out/test.en
  vi2en translate docs.jsonl --jsonl -o out/              # {"id":..., "text":...} in, segment records out
  vi2en translate corpus/articles -o xlf/ --format xliff  # XLIFF 2.1 for post-editing (xliff12: XLIFF 1.2)
  vi2en translate a.txt --tm approved.tmx --tm old.tsv    # reuse approved translations, offer fuzzy matches
  vi2en translate release.docx page.html -o out/          # Word and HTML in, the same format out
  vi2en translate saved-page.html --extract -o out/       # only the page's article, as Markdown
  vi2en translate a.txt --glossary builtin --glossary my-terms.tsv --acronyms first-expand
  vi2en translate a.txt --model /models/opus-mt-vi-en     # a local copy of a model (or set VI2EN_MODEL)
  vi2en translate --text "Bộ Công Thương chủ trì hội nghị."   # one sentence (or paragraph), English to stdout

A rerun of the same command after an interruption skips documents already finished (as recorded in
OUTDIR/.vi2en-journal.jsonl) and redoes the rest; a changed source or option means retranslation.
The run ends with a summary on stderr: documents, segments, glossary terms required and met, and every
unmet term, failed document or warning.  Exit code 0 = all good (possible double renderings and warnings
leave it 0), 1 = a document failed or was not found, a term is unmet in hard mode, or lines do not match,
2 = could not run, 130 = interrupted (Ctrl-C or SIGTERM; finished documents are kept).
"""


#: Not an option, so hidden from --help: random-weight models (the tests', the benchmarks') never end
#: a sentence, so every output would run to the length budget; this pins the number of new tokens per
#: segment instead (hard constraints still extend it as they need).  Real models stop by themselves.
MAX_NEW_TOKENS_ENV = "VI2EN_MAX_NEW_TOKENS"


def max_new_tokens_setting() -> int | None:
    """``$VI2EN_MAX_NEW_TOKENS`` as a whole number of at least 1, None when unset or empty."""
    value = os.environ.get(MAX_NEW_TOKENS_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{MAX_NEW_TOKENS_ENV} must be a whole number of at least 1, not {value!r}")
    return int(value)


def add_translate_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "translate",
        help="translate Vietnamese articles into English",
        description="Translate Vietnamese articles (.txt/.md/.vi, Word .docx and .html files, folders, JSONL, or "
        "stdin) into English, "
        "keeping their structure and forcing the glossary's approved renderings into the output.",
        epilog=TRANSLATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="files (.txt, .md, .vi, .jsonl, .docx, .html), folders of them, or - for stdin")
    p.add_argument("--text", metavar='"…"', help="translate this text (a sentence or a few paragraphs) instead of INPUT "
                   "files, and print the English (with --jsonl: its segment records)")
    p.add_argument("-o", "--output", type=Path, metavar="OUTDIR", help="write translations here, mirroring input names (default: stdout)")
    p.add_argument("--model", help=f"Hugging Face model id or local directory (default: ${MODEL_ENV} or {DEFAULT_MODEL})")
    p.add_argument(
        "-g", "--glossary", action="append", metavar="FILE",
        help=f"glossary file (.tsv, .csv, .tbx); repeat to combine; '{BUILTIN}' is the curated glossary shipped with vi2en "
        f"(default: {BUILTIN})",
    )
    p.add_argument("--glossary-mode", choices=GLOSSARY_MODES, default="hard",
                   help="hard: every term guaranteed (default); soft: preferred, never fails; off: no glossary")
    p.add_argument("--renderings", choices=RENDERING_POLICIES, default="approved",
                   help="approved: each term's approved rendering or a grammatical form of it (default); "
                   "any: the glossary's alternatives may be produced too")
    p.add_argument("--glossary-date", type=iso_date, metavar="YYYY-MM-DD",
                   help="render every document with the names valid on this date (default: each article's own date, "
                   "from its ' date 2021-11' header or a date line, else today; names changed in 2025)")
    p.add_argument("--explain", action="store_true",
                   help="also run the unconstrained search, so each term record (--format jsonl) says whether the "
                   "glossary changed the output there (about twice the time for segments with terms)")
    p.add_argument("--acronyms", choices=ACRONYM_MODES, default="keep",
                   help="first-expand: 'Full Name (ACR)' at the first mention of an acronym, 'ACR' afterwards")
    p.add_argument("--beams", type=positive_int, default=4, help="beam size (default: 4)")
    p.add_argument("--lines", action="store_true", help="every input line is one segment; output has exactly one line per input line")
    p.add_argument("--extract", action="store_true",
                   help="from .html pages, only the main article (title, date, author, text) as Markdown (needs vi2en[extract])")
    p.add_argument("--format", choices=OUTPUT_FORMAT_NAMES, default="text",
                   help="text (default); jsonl: segment records; xliff: XLIFF 2.1, xliff12: XLIFF 1.2 (for post-editing "
                   "in a CAT tool, then 'vi2en import'); tmx: TMX 1.4b source/target pairs")
    p.add_argument("--jsonl", dest="format", action="store_const", const="jsonl",
                   help="same as --format jsonl: segment records (source, target, terms, met) as JSON lines")
    p.add_argument("--tm", action="append", type=Path, metavar="FILE",
                   help="translation memory (.tmx, or .tsv of vi<TAB>en segments; repeatable): exact matches that hold "
                   "every glossary rendering are reused without decoding, fuzzy ones offered in jsonl/XLIFF output")
    p.add_argument("--tm-threshold", type=similarity, default=FUZZY_THRESHOLD, metavar="SCORE",
                   help=f"lowest similarity (0-100) of a fuzzy memory offer (default: {FUZZY_THRESHOLD:g})")
    p.add_argument("--precision", choices=PRECISIONS, default="float32",
                   help="int8: quantised linear layers, faster on CPU (CPU only); float16, bfloat16: on CUDA only")
    p.add_argument("--device", choices=DEVICES, default="cpu",
                   help="cpu (default), cuda (a GPU; needs torch built with CUDA), auto: cuda when there is one")
    p.add_argument("--threads", type=positive_int, help="CPU threads for the model (default: all available cores)")
    p.add_argument("--batch-tokens", type=positive_int, default=DEFAULT_BATCH_TOKENS,
                   help=f"token budget of one batch, beams included (default: {DEFAULT_BATCH_TOKENS})")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary (problems are still reported)")
    p.add_argument("--force", action="store_true",
                   help="overwrite outputs in OUTDIR that were changed since vi2en wrote them (by default they are kept)")
    p.add_argument("--report", type=Path, metavar="FILE.jsonl",
                   help="also write the run's term report: every segment record (terms, renderings used, offsets, "
                   "entry file:line) and the summary, from the same run as the English")
    p.set_defaults(func=run_translate, usage_error=p.error)


def hide_loading_bar() -> None:
    """No weight-loading progress bar from transformers, in this process and in any it starts later (the
    variable is huggingface_hub's, read by transformers at import): vi2en's own output is what a user reads.

    transformers is told directly only if it is already imported: importing it here would cost a refusal
    that needs no model a second or two."""
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


def run_translate(args: argparse.Namespace) -> int:
    # Only modules without torch here: a refusal below answers at once, and so does a rerun with nothing left
    # (on the cpu device).  torch and transformers come in with the translator, when the run gets that far.
    from glossary.errors import GlossaryError

    from .batch import OutputRefused, run_batch
    from .journal import Journal, OutputLocked
    from .memory import MemoryFileError, TranslationMemory
    from .options import TranslationOptions
    from .run_report import ReportWriter

    hide_loading_bar()  # our own progress bar is the one that matters
    started = time.monotonic()
    if args.text is not None and (args.inputs or args.output is not None):
        args.usage_error("--text translates the text given and prints the English: no INPUT and no -o with it")
    if args.text is None and not args.inputs:
        args.usage_error('give INPUT files, folders or - (standard input), or --text "…"')
    try:
        max_new_tokens = max_new_tokens_setting()
    except ValueError as err:
        print(f"vi2en: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.report is not None and (refused := _report_refused(args.report, args.inputs)):
        print(f"vi2en: --report {args.report}: {refused}", file=sys.stderr)
        return EXIT_USAGE
    if args.output is not None:  # before any work: the output folder must be usable and touch no input
        from .batch import check_output_folder

        if (refused := check_output_folder(args.inputs, args.output, lines=args.lines, output_format=args.format)):
            print(f"vi2en: {refused}", file=sys.stderr)
            return EXIT_USAGE
    if args.format in XML_FORMATS and args.output is None and args.text is None and not _single_document(args.inputs):
        print(f"vi2en: --format {args.format} writes one file per document: give -o OUTDIR for several documents", file=sys.stderr)
        return EXIT_USAGE
    if args.output is None and args.format == "text" and (files := [i for i in args.inputs if writes_bytes(Path(i))]):
        print(f"vi2en: {files[0]}: a {Path(files[0]).suffix.lower()} translation is a file, not text for standard output: "
              "give -o OUTDIR", file=sys.stderr)
        return EXIT_USAGE
    if args.report is None and all(map(_rereadable, args.inputs)) and \
            (said := _nothing_readable(args.inputs, args.lines, args.extract)):
        # Nothing to read: say so now, not after loading the model (with --report the run goes on, and the
        # report lists every failure).
        for message in said:
            print(f"vi2en: {message}", file=sys.stderr)
        print("vi2en: nothing to translate", file=sys.stderr)
        return EXIT_PROBLEMS
    from .decoding.model_files import missing_directory, resolve_model_name

    if (missing_model := missing_directory(resolve_model_name(args.model))) is not None:
        print(f"vi2en: {missing_model}", file=sys.stderr)  # a mistyped --model: now, not after the loading line
        return EXIT_USAGE
    try:  # every option that shapes the output, validated before any work
        translation = TranslationOptions.resolve(
            args.model, glossary=args.glossary or [BUILTIN], glossary_mode=args.glossary_mode, tm=args.tm or [],
            renderings=args.renderings, glossary_date=args.glossary_date, explain=args.explain,
            acronyms=args.acronyms, beams=args.beams, precision=args.precision, device=args.device,
            tm_threshold=args.tm_threshold,
        )
    except ValueError as err:
        print(f"vi2en: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        memory = TranslationMemory.load(translation.tm, fuzzy_threshold=translation.tm_threshold) if translation.tm else None
    except MemoryFileError as err:
        print(f"vi2en: translation memory: {err}", file=sys.stderr)
        return EXIT_USAGE
    def announce(glossary: Glossary | None) -> None:
        for warning in glossary.warnings if glossary is not None else ():
            print(f"vi2en: {warning}", file=sys.stderr)  # e.g. a later glossary file overriding an earlier entry
        if not args.quiet:
            print(f"vi2en: loading model {translation.model}…", file=sys.stderr, flush=True)

    def load() -> Translator:
        from .decoding import ModelNotAvailable, UnsupportedModel
        from .decoding.beam_search import SearchOptions
        from .pipeline import Translator

        try:
            translator = Translator.load(
                options=translation,
                threads=args.threads,
                search=SearchOptions(beams=translation.beams, max_new_tokens=max_new_tokens),
                max_batch_tokens=args.batch_tokens,
                memory=memory,
                before_model=announce,
            )
        except (ModelNotAvailable, UnsupportedModel) as err:
            raise _CannotRun(str(err)) from err
        return translator

    signature = translation.signature()  # what the journal fingerprints and the report records
    options = {"signature": signature.digest, **signature.fields}
    records = ReportWriter(args.report) if args.report is not None else None
    try:
        # A first run loads the model now, so that a missing one is the run's only effect; a rerun into a
        # folder with a journal loads it only once some document is left to translate.  Either way the
        # translator is made for run_batch, which closes it (its search processes end) when the run ends.
        loaded = None if args.output is not None and Journal.exists_in(args.output) else load()
        report = run_batch(load if loaded is None else lambda: loaded, args.inputs, args.output, options=options, lines=args.lines,
                           output_format=args.format, quiet=args.quiet, extract=args.extract, force=args.force,
                           on_result=records.add if records is not None else None, text=args.text, started=started)
    except (_CannotRun, OutputRefused, OutputLocked) as err:  # the last two: another run took -o meanwhile
        print(f"vi2en: {err}", file=sys.stderr)
        return EXIT_USAGE
    except GlossaryError as err:
        print(f"vi2en: glossary error:\n{err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if records is not None:
            records.abandon()
        print("vi2en: interrupted; finished documents are saved — rerun the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    if records is not None:
        records.close({"options": options, **report.to_json()})
    for line in report.summary(quiet=args.quiet):
        print(line, file=sys.stderr)
    return report.exit_code


def _rereadable(item: str) -> bool:
    """Whether reading ``item`` leaves it to be read again: a folder, a regular file or a missing path, not
    standard input (``-``), a pipe or a ``<(…)`` stream (``--lines`` takes a file of any name)."""
    path = Path(item)
    return item != "-" and (path.is_dir() or path.is_file() or not path.exists())


def _nothing_readable(inputs: Sequence[str], lines: bool, extract: bool) -> list[str]:
    """Why no input can be translated (missing, empty, not UTF-8 …: the batch's own reading, problems and
    warnings), or [] once a readable document is found: inputs are read up to the first one, so a run that
    can only fail says so before the model is loaded, and a run with work to do reads one document twice."""
    from .inputs import SourceDocument, read_documents

    said = []
    for item in read_documents(inputs, lines=lines, extract=extract):
        if isinstance(item, SourceDocument):
            return []
        said.append(item.message)  # a problem, or a warning such as a folder not read (an earlier output)
    return said


class _CannotRun(Exception):
    """The model cannot be used (not available, or of a kind vi2en does not drive): its message is the user's."""


def _report_refused(report: Path, inputs: Sequence[str]) -> str | None:
    """Why ``--report`` cannot be written there (before any work), or None: it must never replace an input."""
    if report.is_dir():
        return "is a folder; give a file name such as report.jsonl"
    if not report.parent.is_dir():
        return f"its folder {report.parent} does not exist"
    target = report.resolve()
    for item in inputs:
        if item != "-" and (Path(item).resolve() == target or (Path(item).is_dir() and target.is_relative_to(Path(item).resolve()))):
            return f"is (inside) the input {item}; write the report elsewhere"
    return None


def _single_document(inputs: Sequence[str]) -> bool:
    """Whether the inputs are one document (so one XML file can go to stdout)."""
    return len(inputs) == 1 and (inputs[0] == "-" or (Path(inputs[0]).is_file() and Path(inputs[0]).suffix != ".jsonl"))


def build_parser() -> argparse.ArgumentParser:
    from .command_parser import CommandParser  # --version on every command; each reports its own bad options

    parser = CommandParser(
        prog="vi2en",
        description="Vietnamese→English translation of government and trade news, with a guaranteed glossary.",
        epilog="Run 'vi2en COMMAND --help' for the options and examples of each command.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_translate_parser(subparsers)
    from glossary.cli import register as register_glossary

    from .evaluate.cli import register as register_evaluate
    from .import_cli import register as register_import
    from .server.cli import register as register_serve

    register_glossary(subparsers)
    register_evaluate(subparsers)
    register_import(subparsers)
    register_serve(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # OpenMP threads that spin while waiting make torch 10-15x slower as soon as another process
    # wants a core (measured on a 2-core machine); sleeping threads cost almost nothing when it is
    # idle.  Only effective before torch is imported, which the sub-commands do lazily.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = _sigterm_as_interrupt()
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("vi2en: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        print("vi2en: the output was closed before everything was written (broken pipe)", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _sigterm_as_interrupt() -> object | None:
    """Make SIGTERM (``kill``, a service manager stopping the job) end the command the way Ctrl-C does:
    finished outputs kept, the temporary file of the one being written removed, exit 130.
    Returns the previous handler (None when signals cannot be set here: not the main thread)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:
        return None


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush of a closed pipe stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
