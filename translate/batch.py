"""Batch runs: many input documents in, mirrored outputs and one report out.

This is the layer the ``vi2en translate`` command drives: it reads inputs lazily
(``translate.inputs``), skips documents a previous run finished (``translate.journal``), streams the
rest through the :class:`~translate.pipeline.Translator`, writes each output atomically the moment it
is ready, and keeps a :class:`RunReport` so that nothing — an unreadable file, an unmet glossary term,
a segment-count mismatch — goes unmentioned.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, Sequence, TextIO

from tqdm import tqdm

from .document import Document, lines_document, parse_document, parse_markdown
from .inputs import (
    LANGUAGE_SUFFIXES, InputError, InputFile, InputProblem, InputWarning, SourceDocument, count_lines, decode_text,
    english_name, input_files, read_documents,
)
from .journal import Journal, OutputLocked, fingerprint
from .tmx import document_tmx
from .xliff import xliff12, xliff21

if TYPE_CHECKING:  # the pipeline (torch, transformers) is imported by whoever makes the translator, when the
    # run needs one: a refusal or a rerun with nothing left never pays for it
    from .pipeline import DocumentResult, Translator


@dataclass
class RunReport:
    """Counts and problems of one run; ``exit_code`` is what the CLI returns.

    Every place is a document name and a 1-based line of its source (``doc:line``), never a segment
    index: that is what a reader can open.  ``failed`` messages may begin with the document's own
    path (the readers' convention); the summary does not repeat it after the name.
    """

    documents: int = 0
    translated: int = 0
    skipped: int = 0
    segments: int = 0
    segments_with_terms: int = 0
    terms_required: int = 0
    terms_met: int = 0
    double_renderings: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    #: (doc, source line, term source, required renderings, place in a .docx/.html or None)
    unmet: list[tuple[str, int, str, list[str], str | None]] = field(default_factory=list)
    #: (doc, source line, the snippet where a forced term stands beside another rendering of it)
    double_rendering_places: list[tuple[str, int, str]] = field(default_factory=list)
    mismatches: list[tuple[str, str]] = field(default_factory=list)
    glossary_mode: str = "off"
    kept: list[tuple[str, str]] = field(default_factory=list)
    stopped: str | None = None
    memory: bool = False  # a translation memory was given (--tm)
    memory_exact: int = 0
    memory_offers: int = 0
    decoded: int = 0
    memory_stale: list[tuple[str, int]] = field(default_factory=list)  # (doc, source line)
    #: (doc, segment index, term source) → where a term stands in a .docx/.html (paragraph, cell, run).
    locations: dict[tuple[str, int, str], str] = field(default_factory=dict)
    output: str = "standard output"  # where the translations went: the output folder, or stdout
    elapsed: float | None = None  # seconds the run took, model loading included when the caller says so

    def to_json(self) -> dict[str, object]:
        """The report as ``--report``'s summary line holds it: its fields, with ``locations`` keyed
        ``"doc:segment N:term"`` (N counted from 1, as messages count segments), since JSON keys are
        strings and a reader looks a term up by its document, segment and words."""
        data = asdict(self)
        data["locations"] = {f"{doc}:segment {index + 1}:{term}": where
                             for (doc, index, term), where in self.locations.items()}
        return data

    @property
    def exit_code(self) -> int:
        """0 all good; 1 some document failed, a term is unmet in hard mode, or segments mismatched."""
        hard_unmet = self.glossary_mode == "hard" and bool(self.unmet)
        return 1 if self.failed or hard_unmet or self.mismatches or self.stopped else 0

    def add(self, result: DocumentResult) -> None:
        self.translated += 1
        self.segments += len(result.segments)
        out_lines = len(result.text.split("\n"))
        if out_lines != result.source_lines:
            self.mismatches.append((result.doc_id, f"{result.source_lines} source lines, {out_lines} in the translation"))
        empty = [seg.line for seg in result.segments if seg.source.strip() and not seg.target.strip()]
        if empty:
            self.mismatches.append((result.doc_id, f"the translation of line(s) {', '.join(map(str, empty))} came back empty"))
        doc = result.doc_id
        for seg in result.segments:
            if seg.terms:
                self.segments_with_terms += 1
            self.terms_required += len(seg.terms)
            self.terms_met += sum(t.met for t in seg.terms)
            self.double_renderings += len(seg.double_renderings)
            self.double_rendering_places.extend((doc, seg.line, snippet) for snippet in seg.double_renderings)
            self.unmet.extend((doc, seg.line, t.source, t.required, self.locations.get((doc, seg.index, t.source)))
                              for t in seg.terms if not t.met)
            self.memory_exact += seg.memory == "exact"
            self.memory_offers += len(seg.memory_offers)
            self.decoded += seg.memory != "exact" and bool(seg.source.strip())
            if seg.memory == "stale":
                self.memory_stale.append((doc, seg.line))
        for line, term in result.kept_terms:  # credits rendered by rule: in the output like any term
            self.terms_required += 1
            self.terms_met += term.met
            if not term.met:
                self.unmet.append((doc, line, term.source, term.required, None))
        self.warnings.extend((result.doc_id, warning) for warning in result.warnings)

    def summary(self, *, quiet: bool = False) -> list[str]:
        """The lines printed at the end of a run; ``quiet`` keeps only the problems (and the places of
        possible double renderings), not the counts, time and output folder."""
        lines = [
            f"documents: {self.documents} ({self.translated} translated, {self.skipped} already done, {len(self.failed)} failed)"
            + (f"; {len(self.kept)} kept as edited" if self.kept else ""),
            f"segments: {self.segments}",
        ]
        if self.glossary_mode != "off":
            share = f"{100 * self.terms_met / self.terms_required:.1f}%" if self.terms_required else "n/a"
            lines.append(
                f"glossary ({self.glossary_mode}): {self.segments_with_terms} segments with terms, "
                f"{self.terms_required} terms required, {self.terms_met} met ({share}), "
                f"{self.double_renderings} possible double renderings" + (" (listed below)" if self.double_renderings else "")
            )
        if self.memory:
            lines.append(
                f"translation memory: {self.memory_exact} exact matches reused, {self.memory_offers} fuzzy offers, "
                f"{self.decoded} segments decoded ({len(self.memory_stale)} exact matches lacked a glossary rendering)"
            )
        if self.elapsed is not None:
            lines.append(f"time: {_duration(self.elapsed)}; output: {self.output}")
        counts = len(lines)
        lines += [f"stale memory: {doc}:{line}: the memory's translation lacks a required glossary rendering; decoded instead"
                  for doc, line in self.memory_stale]
        lines += [f"unmet term: {doc}:{line}:{f' ({where})' if where else ''} {src!r} → {' | '.join(req)}"
                  for doc, line, src, req, where in self.unmet]
        lines += [f"possible double rendering: {doc}:{line}: {snippet!r}" for doc, line, snippet in self.double_rendering_places]
        lines += [f"segment mismatch: {doc}: {msg}" for doc, msg in self.mismatches]
        lines += [f"warning: {doc}: {_without_name(doc, msg)}" for doc, msg in self.warnings]
        lines += [f"failed: {doc}: {_without_name(doc, msg)}" for doc, msg in self.failed]
        lines += [f"kept: {doc}: {msg}" for doc, msg in self.kept]
        lines += [f"stopped: {self.stopped}"] if self.stopped else []
        return lines[counts:] if quiet else lines


def _without_name(doc: str, message: str) -> str:
    """``message`` without a leading ``NAME: `` that names ``doc`` again (its name, or a path ending in
    it): readers start their messages with the file's path, and the summary line already names it."""
    head, sep, rest = message.partition(": ")
    if sep and (head in (doc, "-" if doc == "stdin" else doc) or head.replace(os.sep, "/").endswith("/" + doc.replace(os.sep, "/"))):
        return rest
    return message


def _duration(seconds: float) -> str:
    """``4.2 s``; past a minute ``3 min 05 s``, past an hour ``1 h 02 min``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


class OutputRefused(ValueError):
    """The output folder cannot take the run's outputs (:func:`check_output_folder` says why)."""


def run_batch(
    translator: Translator | Callable[[], Translator],
    inputs: Sequence[str | Path],
    outdir: Path | None,
    *,
    options: Mapping[str, object],
    lines: bool = False,
    output_format: str = "text",
    stdout: TextIO | None = None,
    quiet: bool = False,
    extract: bool = False,
    force: bool = False,
    write: Callable[[Journal, Path, str, str | bytes], None] | None = None,
    on_result: Callable[[DocumentResult], None] | None = None,
    text: str | None = None,
    progress_bar: bool | None = None,
    started: float | None = None,
) -> RunReport:
    """Translate every readable document of ``inputs``; outputs mirror input names under ``outdir``.

    Without ``outdir`` the translations go to ``stdout`` (no resuming then); its default is ``sys.stdout``
    as it is at call time, not at import, so a redirected stdout is honoured.  ``options`` are the settings
    that shape the output (model, glossary, beams …): they enter each document's fingerprint.
    A .docx or .html input is written back in its own format (``translate.formats``); ``extract``
    takes only the main article of a web page.

    Nothing is lost: the structure of each document is parsed here (article, Markdown or line by line)
    and its segments translated; a document whose segments do not all come back is reported, not
    written; one that makes the translator fail is retried alone and reported by name, and the others
    go on; an output changed since vi2en wrote it is kept unless ``force``; a full disk stops the run
    with what was kept.  ``write`` replaces the journal's atomic write (tests inject failures);
    ``on_result`` is told of every document counted in the report (``--report`` writes its records).

    ``text``: translate this one text (``vi2en translate --text``, document ``text``) instead of
    ``inputs``, by the same rules as a file.  ``progress_bar``: a bar with total, percentage and ETA
    on stderr (None: only when stderr is a terminal; never with ``quiet``).  ``started``: the
    ``time.monotonic()`` the run's clock starts from (default: now), so a caller can count the
    model's loading in the report's elapsed time.

    Raises :class:`OutputRefused`, before any work, for an ``outdir`` :func:`check_output_folder` refuses
    (the CLI asks it first, to answer before the model loads).

    ``translator`` may also be a function that makes one (``vi2en translate`` passes ``Translator.load``'s call
    on a rerun): it is called once the first document left to translate is found, so a rerun that finds every
    document done loads no model; a translator made so is closed when the run ends.
    """
    if outdir is not None and (refused := check_output_folder(inputs, outdir, lines=lines, output_format=output_format)):
        raise OutputRefused(refused)
    started = time.monotonic() if started is None else started
    stdout = stdout if stdout is not None else sys.stdout
    report = RunReport(output=str(outdir) if outdir is not None else "standard output")
    source = _OnDemand(translator, report)
    try:
        journal = Journal(outdir, lock=True) if outdir is not None else None
    except OSError as error:  # a folder the checks could not foresee failing (/proc/x as root)
        raise OutputRefused(f"-o {outdir}: the output folder cannot be created or written "
                            f"({error.strerror or error})") from None
    bar = False if quiet else progress_bar
    try:
        _run(source, inputs, outdir, journal, report, options=options, lines=lines, output_format=output_format,
             stdout=stdout, bar=bar, extract=extract, force=force, write=write, on_result=on_result, text=text)
    finally:
        report.elapsed = time.monotonic() - started
        if journal is not None:
            journal.close()
        source.close()
    return report


class _OnDemand:
    """The run's translator: the one given, or made by the function given when the run first needs it (then
    the run's to close).  The report learns its glossary mode and memory from it."""

    def __init__(self, translator: Translator | Callable[[], Translator], report: RunReport) -> None:
        # A translator is not callable; the function that makes one is.
        self._make = translator if callable(translator) else None
        self._translator = None if callable(translator) else translator
        self._report = report
        if self._translator is not None:
            self._describe(self._translator)

    def get(self) -> Translator:
        if self._translator is None:
            assert self._make is not None
            self._translator = self._make()
            self._describe(self._translator)
        return self._translator

    def _describe(self, translator: Translator) -> None:
        self._report.glossary_mode = translator.glossary_mode if translator.glossary is not None else "off"
        self._report.memory = translator.memory is not None

    def close(self) -> None:
        if self._make is not None and self._translator is not None:
            self._translator.close()


def check_output_folder(
    inputs: Sequence[str | Path], outdir: Path, *, lines: bool = False, output_format: str = "text"
) -> str | None:
    """Why ``outdir`` cannot take this run's outputs, or None; checked before any work is done.

    Refused: an existing file; a folder that overlaps an input folder (is it, lies inside it, or holds
    it), so that sources and translations never share a tree, where a later run would read the English as
    Vietnamese or a mirrored path could land among the sources; a folder where an output would replace an
    input file or the English side of its own pair (``data/test.vi`` → ``data/test.en``, when vi2en
    did not write that file: it is a reference, not an output); a folder that cannot be created or
    written; one another run is writing to.
    """
    if outdir.exists() and not outdir.is_dir():
        return f"-o {outdir}: this is an existing file; -o names the folder the translations are written to"
    for item in inputs:
        if str(item) == "-" or not Path(item).is_dir():
            continue
        if outdir.exists() and os.path.samefile(item, outdir):
            return (f"-o {outdir} is the input folder {item}: the translations would replace the Vietnamese "
                    "sources; give another output folder")
        inside = _within(outdir, Path(item))
        if inside or _within(Path(item), outdir):
            return (f"-o {outdir} is {'inside' if inside else 'around'} the input folder {item}: translations and "
                    "Vietnamese sources would share one tree; give an output folder outside it")
    entries = [e for e in input_files(inputs, lines=lines, exclude=[outdir]) if isinstance(e, InputFile) and e.path]
    protected = {os.path.realpath(e.path): e.source for e in entries if e.path is not None}
    beside: list[tuple[InputFile, Path]] = []  # outputs that land on the English side of their source's pair
    for entry in entries:
        if entry.jsonl:
            continue
        target = outdir / _output_relpath(entry.output_relpath, output_format=output_format)
        planned = os.path.realpath(target)
        if planned in protected:
            return (f"-o {outdir}: the translation of {entry.source} would be written over the input file "
                    f"{protected[planned]}; give another output folder")
        assert entry.path is not None
        if entry.path.suffix.lower() in LANGUAGE_SUFFIXES and planned == os.path.realpath(
                entry.path.parent / english_name(Path(entry.path.name))):
            beside.append((entry, target))
    if not outdir.exists():
        # Nothing is created before the run can start (a missing model must leave no empty folder): the
        # nearest existing folder above must let the output folder be made.
        parent = next(p for p in Path(os.path.abspath(outdir)).parents if p.exists())
        if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            return f"-o {outdir}: the output folder cannot be created or written ({parent} is not a writable folder)"
        return None
    if beside:  # read, not locked: a refused run leaves no journal behind in the sources' folder
        journal = Journal(outdir)
        # An English side vi2en wrote (an earlier run into this folder) is its output: resumed as usual.
        for entry, target in beside:
            if journal.state(target, "") == "unknown":
                return (f"-o {outdir}: the translation of {entry.source} would be written over {target}, the English "
                        "side of its pair, which vi2en did not write; give another output folder")
    try:
        Journal(outdir, lock=True).close()
        with tempfile.TemporaryFile(dir=outdir, prefix=".vi2en-probe-"):
            pass
    except OutputLocked as error:
        return str(error)
    except OSError as error:
        return f"-o {outdir}: the output folder cannot be created or written ({error.strerror or error})"
    return None


def _within(inner: Path, outer: Path) -> bool:
    """Whether ``inner`` (which need not exist yet) lies below the folder ``outer``: one of its existing
    ancestors is ``outer``, compared as files are (symbolic links, and the case of a case-insensitive disk)."""
    if not outer.exists():
        return False
    resolved = Path(os.path.realpath(inner))  # a link given as the folder itself is followed too
    return any(folder.exists() and os.path.samefile(folder, outer) for folder in resolved.parents)


def _run(
    source: _OnDemand,
    inputs: Sequence[str | Path],
    outdir: Path | None,
    journal: Journal | None,
    report: RunReport,
    *,
    options: Mapping[str, object],
    lines: bool,
    output_format: str,
    stdout: TextIO,
    bar: bool | None,
    extract: bool,
    force: bool,
    write: Callable[[Journal, Path, str, str | bytes], None] | None,
    on_result: Callable[[DocumentResult], None] | None = None,
    text: str | None = None,
) -> None:
    """The body of :func:`run_batch`, with the journal (and its lock) held."""
    if journal is not None:
        report.warnings.extend(("journal", w) for w in journal.warnings)
    exclude = [outdir] if outdir is not None else []
    protected = _input_paths(inputs, lines, exclude)
    rename = partial(_output_relpath, output_format=output_format)
    pending: dict[str, tuple[SourceDocument, Path | None, str, Document, bool]] = {}

    def to_translate() -> Iterator[tuple[str, Document]]:
        items = [_text_document(text, lines)] if text is not None else read_documents(
            inputs, lines=lines, exclude=exclude, output_name=rename, extract=extract)
        for item in items:
            if isinstance(item, InputWarning):
                report.warnings.append((item.doc_id, item.message))
                continue
            report.documents += 1
            if isinstance(item, InputProblem):
                report.failed.append((item.doc_id, item.message))
                continue
            report.warnings.extend((item.doc_id, w) for w in item.warnings)
            target = outdir / rename(item.output_relpath) if outdir is not None else None
            if target is None and item.layout is not None and output_format == "text" and item.layout.binary:
                report.failed.append((item.doc_id, f"a {item.layout.output_suffix} translation is a file: give -o OUTDIR"))
                continue
            if target is not None and os.path.realpath(target) in protected:
                report.failed.append((item.doc_id, f"{item.source}: its output {target} is an input file; refused"))
                continue
            layout = {"layout": item.layout.identity} if item.layout is not None else {}
            key = fingerprint(item.text, {**options, "lines": lines, "format": output_format, **layout})
            state = journal.state(target, key) if journal is not None and target is not None else "redo"
            if state == "done":
                report.skipped += 1
                continue
            if state == "edited" and not force:
                report.kept.append((item.doc_id, f"{target} was changed since vi2en wrote it; kept as it is — "
                                    "rerun with --force to overwrite it"))
                continue
            document = _structure(item, lines)
            pending[item.doc_id] = (item, target, key, document, state == "unknown" and not force)
            yield item.doc_id, document  # parsed here (Markdown, formats); the pipeline keeps its structure

    def finish(result: DocumentResult) -> None:
        item, target, key, document, unknown = pending.pop(result.doc_id)
        problem = _account(item, document, result)
        if problem is not None:
            report.failed.append((item.doc_id, f"{item.source}: {problem}; nothing written"))
            return
        if item.layout is not None and output_format == "text":
            data = _in_format(item, result, lines, report)
        else:
            data = OUTPUT_FORMATS[output_format][1](result)
        if target is None:
            report.add(result)
            if on_result is not None:
                on_result(result)
            stdout.write(data if isinstance(data, str) else data.decode("utf-8", "replace"))
            stdout.flush()
            return
        assert journal is not None
        if unknown and not journal.holds(target, data):
            report.kept.append((item.doc_id, f"{target} was not written by vi2en (no record in its journal); kept as "
                                "it is — rerun with --force to overwrite it"))
            return
        report.add(result)
        if on_result is not None:
            on_result(result)
        try:
            if unknown:  # vi2en's own output of a run killed before its journal line: record it
                journal.record(target, key, data)
            else:
                (write or _write)(journal, target, key, data)
        except OSError as error:
            report.translated -= 1
            message = f"cannot write {target}: {error.strerror or error}"
            if error.errno in _FATAL_WRITE_ERRORS:
                raise _Stop(message) from None
            report.failed.append((item.doc_id, message))

    documents = to_translate()
    first = next(documents, None)  # inputs read up to the first document left to translate, if any
    if first is None:
        return
    translator = source.get()
    documents = itertools.chain([first], documents)
    # The total grows as groups are planned (inputs are read lazily, a group at a time), so the
    # percentage and ETA are those of the work planned so far: for a run of one group, the whole run.
    with tqdm(unit="seg", disable=None if bar is None else not bar, desc="translating", file=sys.stderr,
              dynamic_ncols=True) as progress:

        def planned(count: int) -> None:
            progress.total = (progress.total or 0) + count
            progress.refresh()

        while True:
            try:
                for result in translator.translate_documents(documents, lines=lines, progress=progress.update,
                                                             planned=planned):
                    finish(result)
                break
            except _Stop as stop:
                report.stopped = (
                    f"{stop}. The {report.translated} outputs written before are complete and recorded in the journal; "
                    "free space (or make the folder writable) and rerun the same command to resume"
                )
                return
            except Exception:  # one bad document must not stop the others: retry the group one by one
                _retry_alone(translator, pending, finish, report, lines)


def _retry_alone(
    translator: Translator,
    pending: dict[str, tuple[SourceDocument, Path | None, str, Document, bool]],
    finish: Callable[[DocumentResult], None],
    report: RunReport,
    lines: bool,
) -> None:
    """Translate each document of a group that failed on its own; the ones that fail again are reported."""
    for doc_id in list(pending):
        item, _, _, document, _ = pending[doc_id]
        try:
            for result in translator.translate_documents([(doc_id, document)], lines=lines):
                finish(result)
        except _Stop:
            raise
        except Exception as alone:  # noqa: BLE001 - reported by name, the run goes on
            pending.pop(doc_id, None)
            report.failed.append((doc_id, f"{item.source}: translation failed ({type(alone).__name__}: {alone})"))


def _text_document(text: str, lines: bool) -> SourceDocument | InputProblem:
    """``--text``: the one document of the run, cleaned and checked as a file's bytes would be."""
    raw = text.encode("utf-8", "surrogateescape")
    try:
        cleaned, warnings = decode_text(raw, "--text", lines=lines)
    except InputError as error:
        return InputProblem("text", str(error))
    return SourceDocument("text", cleaned, Path("text.txt"), warnings, source="--text",
                          markup="lines" if lines else "text", input_lines=count_lines(raw) if lines else None)


def _structure(item: SourceDocument, lines: bool) -> Document:
    """The document's lines and segments: line by line (--lines), Markdown, or an article; a format's
    (.docx, .html) with its formatted spans marked and the publication date its metadata gives."""
    if lines:
        document = lines_document(item.text)
    else:
        document = parse_markdown(item.text) if item.markup == "markdown" else parse_document(item.text)
    if item.layout is None:
        return document
    return replace(item.layout.mark(document), published=item.layout.published)


def _account(item: SourceDocument, document: Document, result: DocumentResult) -> str | None:
    """What went missing between a document's segments and its translation, if anything: then the
    document cannot be put together and is not written.  (An empty translation of a segment is
    reported as a mismatch by :meth:`RunReport.add`, and the rest of the document written.)"""
    sources = document.segments()
    if len(result.segments) != len(sources):
        return f"{len(sources)} segments in, {len(result.segments)} translations out"
    if item.input_lines is not None:
        out_lines = count_lines(document.assemble([s.target for s in result.segments]).encode("utf-8"))
        if out_lines != item.input_lines:
            return f"{item.input_lines} input lines, {out_lines} in the translation"
    return None


def _write(journal: Journal, target: Path, key: str, data: str | bytes) -> None:
    journal.write(target, key, data)


def _input_paths(inputs: Sequence[str | Path], lines: bool, exclude: Sequence[Path]) -> frozenset[str]:
    """Real paths of every input file (an output must never replace one)."""
    return frozenset(
        os.path.realpath(entry.path)
        for entry in input_files(inputs, lines=lines, exclude=exclude)
        if isinstance(entry, InputFile) and entry.path is not None
    )


def _output_relpath(relpath: Path, *, output_format: str) -> Path:
    """A document's output name: its own for text; with ``--jsonl`` etc. ``a.txt`` → ``a.jsonl`` but
    ``a.md`` → ``a.md.jsonl``, so that two inputs never share an output."""
    suffix = OUTPUT_FORMATS[output_format][0]
    if not suffix:
        return relpath
    stem = relpath.name[:-4] if relpath.name.lower().endswith(".txt") else relpath.name
    return relpath.with_name(stem + suffix)


class _Stop(Exception):
    """A write failed in a way every later write would too (disk full, read-only file system)."""


_FATAL_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


def _in_format(item: SourceDocument, result: DocumentResult, lines: bool, report: RunReport) -> str | bytes:
    """The translation written back in the input's format; what could not be carried over is reported."""
    assert item.layout is not None
    rendered = item.layout.render(result, lines=lines)
    report.warnings.extend((result.doc_id, note) for note in rendered.notes)
    for segment in result.segments:
        for number, term in enumerate(segment.terms):
            if (where := rendered.term_locations.get((segment.index, number))) is not None:
                report.locations[(result.doc_id, segment.index, term.source)] = where
    return rendered.data


def _text(result: DocumentResult) -> str:
    return result.text if result.text.endswith("\n") else result.text + "\n"


def _jsonl(result: DocumentResult) -> str:
    return "".join(json.dumps(s.to_json(), ensure_ascii=False) + "\n" for s in result.segments)


#: ``--format`` name → (output suffix, None = the input's; writer of one document's output).
OUTPUT_FORMATS: dict[str, tuple[str | None, Callable[[DocumentResult], str]]] = {
    "text": (None, _text),
    "jsonl": (".jsonl", _jsonl),
    "xliff": (".xlf", xliff21),
    "xliff12": (".xlf", xliff12),
    "tmx": (".tmx", document_tmx),
}
