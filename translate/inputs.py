"""Reading the documents to translate, refusing bad input loudly and precisely.

Input comes from scrapers, word processors and other people's scripts: files in
the legacy Vietnamese Windows code page, HTML saved as .txt, decomposed Unicode
from macOS, Windows line endings, stray binaries in a folder, symbolic links, the
same file given twice.  Each of these either gets repaired with a warning (so the
user knows the text was touched) or reported as an `InputProblem` naming the file
by the path it was given as — never silently skipped, never crashing the run for
the other documents.

Markup is recognised by parsing, never by guessing from a tag somewhere in the
text: a .txt file is HTML only when the whole file is an HTML document (it starts
with ``<!doctype html>`` or ``<html>``), and then lxml turns it into text; prose
that merely mentions ``<script>`` or ``<div>`` keeps every character.  In
``--lines`` mode nothing is interpreted at all: one input line is one segment.
"""

from __future__ import annotations

import codecs
import html
import json
import os
import re
import shlex
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterator, Literal, Sequence

from .formats import FORMAT_SUFFIXES, FormatError, Layout, read_format

__all__ = [
    "InputError", "InputProblem", "InputWarning", "SourceDocument", "decode_text", "input_files", "read_documents",
]

TEXT_SUFFIXES = (".txt", ".md")
#: Plain text named by its language, as parallel corpora name their two sides (``test.vi``,
#: ``test.en``): read as a .txt is, its English named as the English side (``test.vi`` → ``test.en``).
LANGUAGE_SUFFIXES = {".vi": ".en"}
#: Every suffix of a document read from a folder (and named alone without --lines): text, a language
#: pair's Vietnamese side, and the formats written back as they came (.docx, .html).
DOCUMENT_SUFFIXES = (*TEXT_SUFFIXES, *LANGUAGE_SUFFIXES, *FORMAT_SUFFIXES)
#: Share of control characters above which a text is taken for binary data.
BINARY_CONTROL_SHARE = 0.05
#: Output file names are cut to this many UTF-8 bytes (file systems allow 255).
MAX_NAME_BYTES = 200
#: A folder holding this file is a vi2en output folder, never an input (see translate.journal).
JOURNAL_NAME = ".vi2en-journal.jsonl"

_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_HTML_ENTITY_RE = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,30}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
#: The start of a whole HTML document: optional comments, then a doctype or the <html> element.
_HTML_DOCUMENT_RE = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html\b|html\b)", re.IGNORECASE | re.DOTALL)
#: Elements that start a new line (a new paragraph for the _PARAGRAPH_TAGS).
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th title tr ul".split()
)
_PARAGRAPH_TAGS = frozenset("article blockquote div figure h1 h2 h3 h4 h5 h6 p section table ul ol".split())
#: Elements whose content is not article text.
_SKIPPED_TAGS = frozenset({"head", "script", "style", "noscript", "template", "svg"})
Markup = Literal["text", "markdown", "lines"]


class InputError(Exception):
    """A document that cannot be used as text; the message says why and what to do."""


@dataclass(frozen=True)
class SourceDocument:
    """A readable document: its id in reports, its (cleaned) text and where its
    translation is written, relative to the output folder.

    ``source`` is where it came from as the user gave it (a path, ``path:line`` of a JSONL
    file, ``-``), for messages; ``markup`` says how its structure is parsed; ``input_lines``
    is, in ``--lines`` mode, the number of lines of the raw input (what the output must have).
    ``layout`` (a .docx or .html file, ``translate.formats``) writes the translation back in its format.
    """

    doc_id: str
    text: str
    output_relpath: Path
    warnings: list[str] = field(default_factory=list)
    source: str = field(default="", compare=False)
    markup: Markup = field(default="text", compare=False)
    input_lines: int | None = field(default=None, compare=False)
    layout: Layout | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        """How messages and listings name it: where it came from, else its id."""
        return self.source or self.doc_id

    @property
    def published(self) -> date | None:
        """The day its format's metadata says it was published (``Layout.published``); None for plain text."""
        return self.layout.published if self.layout is not None else None


@dataclass(frozen=True)
class InputProblem:
    """A document (or JSONL line) that could not be read, reported instead of it."""

    doc_id: str
    message: str


@dataclass(frozen=True)
class InputWarning:
    """Something about the inputs the user must know that is not a document: a folder not read
    (a symbolic-link loop, another vi2en output folder), a file given twice."""

    doc_id: str
    message: str


def _utf16_without_bom(raw: bytes) -> str | None:
    """``"utf-16le"`` or ``"utf-16be"`` when ``raw`` reads as text in it, else None.

    Without a byte-order mark UTF-16 is told by its NUL bytes: the high byte of every ASCII character (most
    of a Vietnamese text's letters, its spaces and punctuation), all on one side of each pair; it must then
    decode, and hold no more control characters than text does.
    """
    if len(raw) % 2:
        return None
    for encoding, low, high in (("utf-16le", raw[0::2], raw[1::2]), ("utf-16be", raw[1::2], raw[0::2])):
        if low.count(0) or high.count(0) < len(high) // 3:
            continue
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _mostly_controls(text):
            return encoding
    return None


def _mostly_controls(text: str) -> int:
    """The control characters of ``text`` other than layout ones, when they are more than
    :data:`BINARY_CONTROL_SHARE` of it (a binary file read as text); else 0."""
    controls = sum(char < " " and char not in _ALLOWED_CONTROLS for char in text)
    return controls if controls > BINARY_CONTROL_SHARE * len(text) else 0


def _iconv(encoding: str, name: str) -> str:
    """The command that writes ``name`` converted to UTF-8 beside it (``bai.txt`` -> ``bai.utf8.txt``)."""
    path = Path(name)
    converted = path.with_name(path.stem + ".utf8" + path.suffix)
    return f"iconv -f {encoding} -t utf-8 {shlex.quote(name)} > {shlex.quote(str(converted))}"


def _binary_error(name: str, detail: str) -> InputError:
    return InputError(f"{name}: this looks like a binary file ({detail}), not text; expected UTF-8 .txt/.md")


def is_html_document(text: str) -> bool:
    """Whether ``text`` is a whole HTML document (doctype or ``<html>`` first), not prose with a tag in it."""
    return _HTML_DOCUMENT_RE.match(text) is not None


def html_to_text(text: str) -> str:
    """The visible text of an HTML document (parsed by lxml), one block element per line.

    Block boundaries only request a line break (or a paragraph break); adjacent requests merge,
    so "</li><li>" or "</p><p>" never produce extra blank lines.  When the page has no block
    elements at all (text with a few <b> or <br>), its line breaks are the only structure there
    is, so they are kept.  Lines are stripped and runs of blank lines reduced to one.
    """
    from lxml import etree
    from lxml import html as lxml_html

    root = lxml_html.document_fromstring(text)
    keep_newlines = not any(
        isinstance(el.tag, str) and el.tag in _BLOCK_TAGS - {"br"} for el in root.iter() if el is not root
    )
    parts: list[str] = []
    pending = 0

    def request_break(tag: str) -> None:
        nonlocal pending
        pending = max(pending, 2 if tag in _PARAGRAPH_TAGS else 1)

    def emit(data: str | None) -> None:
        nonlocal pending
        if not data:
            return
        data = data if keep_newlines else re.sub(r"\s+", " ", data)
        if data.strip() and pending:
            parts.append("\n" * pending)
            pending = 0
        parts.append(data)

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else None  # comments, processing instructions
        if event == "start":
            if tag is None or tag in _SKIPPED_TAGS:
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS:
                request_break(tag)
                if tag == "li":
                    emit("- ")
            emit(element.text)
        else:
            if tag is not None and tag in _BLOCK_TAGS:
                request_break(tag)
            if element is not root:
                emit(element.tail)
    cleaned = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(cleaned)).strip("\n")


def _decode_entities(text: str) -> str:
    """Decode character entities, except those that would add a line break or a control character."""

    def replace(match: re.Match[str]) -> str:
        decoded = html.unescape(match[0])
        changes_structure = any(unicodedata.category(c) in ("Cc", "Zl", "Zp") or c == "\x85" for c in decoded)
        return match[0] if changes_structure else decoded

    return _HTML_ENTITY_RE.sub(replace, text)


def _clean_text(text: str, name: str, *, lines: bool = False) -> tuple[str, list[str]]:
    """Repair what can be repaired in decoded text (warning about it), refuse the rest.

    With ``lines`` (line-aligned data), only repairs that cannot change a line are made: stray
    control characters are removed and Unicode normalised; line endings, HTML and entities are
    left as they are.
    """
    warnings: list[str] = []
    controls = [c for c in text if unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS]
    if "\0" in text or len(controls) > BINARY_CONTROL_SHARE * len(text):
        raise _binary_error(name, f"{len(controls)} control characters in {len(text)}")
    if controls:
        text = "".join(c for c in text if c in _ALLOWED_CONTROLS or unicodedata.category(c) != "Cc")
        warnings.append(f"{len(controls)} control character(s) removed")
    if not lines:
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            warnings.append("Windows line endings (CRLF) normalised to \\n")
        if is_html_document(text):
            text = html_to_text(text)
            warnings.append("HTML markup removed")
        elif _HTML_ENTITY_RE.search(text) and (decoded := _decode_entities(text)) != text:
            text = decoded
            warnings.append("HTML entities (such as &amp;) decoded")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        warnings.append("Unicode was decomposed (NFD) or mixed; normalised to NFC")
    if not text.strip() and not lines:
        raise InputError(f"{name}: no text to translate (the document is empty or only whitespace/markup)")
    return text, warnings


def decode_text(raw: bytes, name: str, *, lines: bool = False) -> tuple[str, list[str]]:
    """Decode a file's bytes into clean NFC text (with \\n line endings unless ``lines``).

    Returns the text and warnings about every repair made (HTML removed, NFC,
    line endings, stray control characters).  Raises InputError for an empty file,
    a binary file or bytes that are not UTF-8; the message gives the byte offset and
    the command that converts the usual culprit, the Vietnamese Windows code page.
    In ``lines`` mode a file of blank lines is accepted (its translation is as many blank lines).
    """
    if not raw or (not raw.strip() and not lines):
        raise InputError(f"{name}: the file is empty" + (" (only whitespace)" if raw else ""))
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{name}: the file is UTF-16; convert it with: {_iconv('utf-16', name)}")
    if b"\0" in raw:
        if (encoding := _utf16_without_bom(raw)) is not None:
            raise InputError(f"{name}: the file looks like {encoding.upper()} text without a byte-order mark; convert "
                             f"it with: {_iconv(encoding, name)}")
        raise _binary_error(name, f"NUL byte at byte offset {raw.index(0)}")
    skipped = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        text = raw[skipped:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skipped + error.start
        if controls := _mostly_controls(raw.decode("latin-1")):  # one character per byte
            raise _binary_error(name, f"{controls} control bytes in {len(raw)}") from None
        line = raw.count(b"\n", 0, offset) + 1
        raise InputError(
            f"{name}: not valid UTF-8: byte 0x{raw[offset]:02X} at byte offset {offset} "
            f"(line {line}). Vietnamese text saved in the Windows "
            f"code page (windows-1258) can be converted with: {_iconv('cp1258', name)}"
        ) from None
    return _clean_text(text, name, lines=lines)


def count_lines(raw: bytes) -> int:
    """Lines of a file as line-aligned tools count them: \\n ends a line; a last line may lack it."""
    return raw.count(b"\n") + (0 if raw.endswith(b"\n") or not raw else 1)


def _output_name(doc_id: str) -> Path:
    """A safe file name for a JSONL id: no separators, no leading dot, bounded length."""
    name = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", doc_id)).strip("._")
    name = name.encode()[:MAX_NAME_BYTES].decode(errors="ignore") or "_"
    return Path(f"{name}.txt")


@dataclass(frozen=True)
class InputFile:
    """One file to read (``path`` None: standard input), found before anything is read."""

    path: Path | None
    doc_id: str
    output_relpath: Path
    source: str
    jsonl: bool = False


def english_name(relpath: Path) -> Path:
    """Where a source's translation goes, relative to the output folder: the same name, except that
    a language suffix becomes the English one (``sub/test.vi`` → ``sub/test.en``)."""
    english = LANGUAGE_SUFFIXES.get(relpath.suffix.lower())
    return relpath.with_suffix(english) if english else relpath


def _markup(path: Path | None, lines: bool) -> Markup:
    if lines:
        return "lines"
    return "markdown" if path is not None and path.suffix.lower() == ".md" else "text"


def _read_file(item: InputFile, lines: bool, extract: bool = False) -> SourceDocument | InputProblem:
    assert item.path is not None
    try:
        raw = item.path.read_bytes()
    except OSError as error:
        return InputProblem(item.doc_id, f"{item.source}: cannot read: {error.strerror}")
    if item.path.suffix.lower() in FORMAT_SUFFIXES:
        try:
            layout = read_format(item.path, raw, extract=extract)
        except FormatError as error:
            return InputProblem(item.doc_id, str(error))
        return SourceDocument(
            item.doc_id, layout.text, item.output_relpath.with_suffix(layout.output_suffix), layout.warnings,
            source=item.source, markup="lines" if lines else "text", layout=layout,
        )
    return _decode_document(raw, item, lines)


def _decode_document(raw: bytes, item: InputFile, lines: bool) -> SourceDocument | InputProblem:
    try:
        text, warnings = decode_text(raw, item.source, lines=lines)
    except InputError as error:
        return InputProblem(item.doc_id, str(error))
    return SourceDocument(
        item.doc_id, text, item.output_relpath, warnings, source=item.source, markup=_markup(item.path, lines),
        input_lines=count_lines(raw.removeprefix(codecs.BOM_UTF8)) if lines else None,
    )


def _folder_files(
    root: Path, exclude: frozenset[str]
) -> Iterator[InputFile | InputProblem | InputWarning]:
    """Every .txt/.md/.vi (and .docx/.html) file below root, sorted by relative path; hidden entries skipped.

    Symbolic links to folders are followed; one that leads back to a folder already read (a
    loop, or a second way to the same folder) is reported and not read again.  Folders in
    ``exclude`` (real paths: the run's own output folder, which a symbolic link in an input folder
    may lead to) and other vi2en output folders (they
    hold a journal) are not inputs.  Only paths are collected here; files are read later, one
    at a time.
    """
    found: list[Path] = []
    notes: list[InputProblem | InputWarning] = []
    seen = {os.path.realpath(root)}

    def unreadable(error: OSError) -> None:
        notes.append(InputProblem(str(error.filename), f"{error.filename}: cannot read folder: {error.strerror}"))

    for folder, subfolders, files in os.walk(root, onerror=unreadable, followlinks=True):
        kept = []
        for name in sorted(subfolders):
            path = Path(folder, name)
            real = os.path.realpath(path)
            if name.startswith(".") or real in exclude:
                continue
            if (path / JOURNAL_NAME).exists():
                notes.append(InputWarning(str(path), f"{path}: a vi2en output folder (it holds {JOURNAL_NAME}); not read as input"))
                continue
            if real in seen:
                notes.append(InputWarning(
                    str(path), f"{path}: a symbolic link to {real}, a folder already read (a loop or a second way to it); not read again"
                ))
                continue
            seen.add(real)
            kept.append(name)
        subfolders[:] = kept
        found.extend(
            Path(folder, name).relative_to(root)
            for name in files
            if not name.startswith(".") and Path(name).suffix.lower() in DOCUMENT_SUFFIXES
        )
    yield from notes
    if not found and not any(isinstance(note, InputProblem) for note in notes):
        yield InputProblem(str(root), f"{root}: no {', '.join(DOCUMENT_SUFFIXES)} files in this folder (other files are ignored)")
    for relpath in sorted(found):  # paths compare part by part: a folder's files stay together
        yield InputFile(root / relpath, relpath.as_posix(), english_name(relpath), str(root / relpath))


def _parse_jsonl_line(raw_line: bytes, where: str) -> tuple[str, str]:
    """(id, text) of one JSONL record, or InputError saying what is wrong with it."""
    try:
        record = json.loads(raw_line.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise InputError(
            f"{where}: not valid UTF-8 (byte offset {error.start} in the line); a file in the Windows "
            "code page (windows-1258) can be converted with: iconv -f cp1258 -t utf-8"
        ) from None
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: invalid JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(record, dict):
        raise InputError(f'{where}: expected an object {{"id": ..., "text": ...}}, got {type(record).__name__}')
    doc_id, text = record.get("id"), record.get("text")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise InputError(f'{where}: missing or empty "id" (a string or integer)')
    if not isinstance(text, str):
        raise InputError(f'{where}: "text" is missing or not a string (id {doc_id!r})')
    return doc_id, text


def _read_jsonl(path: Path, lines: bool) -> Iterator[SourceDocument | InputProblem]:
    """One document per line, streamed; bad lines and repeated ids become problems."""
    first_line: dict[str, int] = {}
    try:
        handle = path.open("rb")
    except OSError as error:
        yield InputProblem(str(path), f"{path}: cannot read: {error.strerror}")
        return
    with handle:
        for number, raw_line in enumerate(handle, start=1):
            where = f"{path}:{number}"
            if number == 1:
                raw_line = raw_line.removeprefix(codecs.BOM_UTF8)
            if not raw_line.strip():
                continue
            try:
                doc_id, text = _parse_jsonl_line(raw_line, where)
            except InputError as error:
                yield InputProblem(where, str(error))
                continue
            if doc_id in first_line:
                yield InputProblem(
                    doc_id, f"{where}: duplicate id {doc_id!r} (first used on line {first_line[doc_id]}); skipped"
                )
                continue
            first_line[doc_id] = number
            try:
                cleaned, warnings = _clean_text(text, f"{where} (id {doc_id!r})", lines=lines)
            except InputError as error:
                yield InputProblem(doc_id, str(error))
                continue
            yield SourceDocument(
                doc_id, cleaned, _output_name(doc_id), warnings, source=where, markup="lines" if lines else "text",
                input_lines=count_lines(text.encode("utf-8")) if lines else None,
            )
    if not first_line:
        yield InputProblem(str(path), f"{path}: no usable records in this JSONL file")


def input_files(
    inputs: Sequence[str | Path], *, lines: bool = False, exclude: Sequence[Path] = ()
) -> Iterator[InputFile | InputProblem | InputWarning]:
    """The files the inputs name, in order, without reading them: explicit files, the .txt/.md/.vi
    (and .docx/.html) files of folders (recursively), JSONL files, ``-`` for stdin.

    With ``lines`` an explicitly named file may have any suffix (test sets: ``newstest.src``).  A file
    reached twice (given twice, or through a folder and by name) is read once, with a warning
    naming both paths.  ``exclude``: folders that are not inputs (the output folder).
    """
    excluded = frozenset(os.path.realpath(path) for path in exclude)
    first_path: dict[str, str] = {}
    for item in inputs:
        if str(item) == "-":
            if "-" in first_path:
                yield InputWarning("stdin", "-: standard input given twice; read once")
            else:
                first_path["-"] = "-"
                yield InputFile(None, "stdin", Path("stdin.txt"), "-")
            continue
        path = Path(item)
        suffix = path.suffix.lower()
        if path.is_dir():
            found: Iterator[InputFile | InputProblem | InputWarning] = _folder_files(path, excluded)
        elif not path.exists():
            found = iter([InputProblem(str(path), f"{path}: no such file or folder")])
        elif suffix == ".jsonl":
            found = iter([InputFile(path, str(path), Path(path.name), str(path), jsonl=True)])
        elif suffix in DOCUMENT_SUFFIXES or lines:
            found = iter([InputFile(path, path.name, english_name(Path(path.name)), str(path))])
        else:
            expected = ", ".join((*DOCUMENT_SUFFIXES, ".jsonl"))
            found = iter([InputProblem(
                str(path), f"{path}: unsupported input type {suffix or '(no extension)'}; expected {expected}, "
                "a folder, or - for standard input (with --lines, a file of any name)"
            )])
        for entry in found:
            if isinstance(entry, InputFile) and entry.path is not None:
                real = os.path.realpath(entry.path)
                if real in first_path:
                    yield InputWarning(
                        entry.doc_id, f"{entry.source}: the same file as {first_path[real]}, given twice; read once"
                    )
                    continue
                first_path[real] = entry.source
            yield entry


def _read(item: InputFile, lines: bool, extract: bool = False) -> Iterator[SourceDocument | InputProblem]:
    if item.jsonl:
        assert item.path is not None
        yield from _read_jsonl(item.path, lines)
    elif item.path is None:
        yield _decode_document(sys.stdin.buffer.read(), item, lines)
    else:
        yield _read_file(item, lines, extract)


def _register(
    document: SourceDocument, output: Path, outputs: dict[str, SourceDocument], ids: set[str]
) -> InputProblem | None:
    """Record a document's output and id, or say why it clashes with an earlier one."""
    key = output.as_posix().casefold()
    if key in outputs:
        other = outputs[key]
        return InputProblem(
            document.doc_id,
            f"{document.source or document.doc_id}: its output {output.as_posix()} would overwrite that of "
            f"{other.doc_id} ({other.source or other.doc_id}); rename one of them",
        )
    if document.doc_id in ids:
        return InputProblem(
            document.doc_id,
            f"{document.source or document.doc_id}: an earlier input has the same id {document.doc_id!r}; "
            "reports could not tell them apart",
        )
    outputs[key] = document
    ids.add(document.doc_id)
    return None


def read_documents(
    inputs: Sequence[str | Path],
    *,
    lines: bool = False,
    exclude: Sequence[Path] = (),
    output_name: Callable[[Path], Path] = lambda relpath: relpath,
    extract: bool = False,
) -> Iterator[SourceDocument | InputProblem | InputWarning]:
    """Documents from files, folders, JSONL files and stdin ("-"), lazily, in order.

    Two documents that would be written to the same output file (the same name in
    two inputs, or two JSONL ids that sanitise alike; compared case-insensitively
    for macOS/Windows file systems; ``output_name`` maps a document's relative path to its
    output's, e.g. for ``--jsonl``) would overwrite each other, and two with the same
    id would be confused in reports, so the later one is reported as a problem, naming both.
    ``extract``: from a web page, only its main article (``translate.formats.extract``).
    """
    outputs: dict[str, SourceDocument] = {}
    ids: set[str] = set()
    for entry in input_files(inputs, lines=lines, exclude=exclude):
        if not isinstance(entry, InputFile):
            yield entry
            continue
        for result in _read(entry, lines, extract):
            if isinstance(result, SourceDocument):
                result = _register(result, output_name(result.output_relpath), outputs, ids) or result
            yield result
