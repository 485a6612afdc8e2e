"""Reading the documents to translate, refusing bad input loudly and precisely.

Input comes from scrapers, word processors and other people's scripts: files in
the legacy Vietnamese Windows code page, HTML pasted into .txt files, decomposed
Unicode from macOS, Windows line endings, stray binaries in a folder.  Each of these
either gets repaired with a warning (so the user knows the text was touched) or
reported as an `InputProblem` naming the file (and line) with what to do about
it — never silently skipped, never crashing the run for the other documents.
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
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator, Sequence

__all__ = ["InputError", "InputProblem", "SourceDocument", "decode_text", "read_documents"]

TEXT_SUFFIXES = (".txt", ".md")
#: Share of control characters above which a text is taken for binary data.
BINARY_CONTROL_SHARE = 0.05
#: Output file names are cut to this many UTF-8 bytes (file systems allow 255).
MAX_NAME_BYTES = 200

_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_HTML_TAG_RE = re.compile(
    r"<(?:!doctype|html|head|body|p|div|br|span|a|b|i|em|strong|h[1-6]|ul|ol|li|table|tr|td|th|"
    r"article|section|header|footer|main|nav|figure|figcaption|blockquote|img|script|style|meta|title)"
    r"\b[^>]*>",
    re.IGNORECASE,
)
_HTML_ENTITY_RE = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,30}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
#: Elements that start a new line (a new paragraph for the _PARAGRAPH_TAGS).
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th title tr ul".split()
)
_PARAGRAPH_TAGS = frozenset("article blockquote div figure h1 h2 h3 h4 h5 h6 p section table ul ol".split())
_BLOCK_TAG_RE = re.compile(rf"<(?:{'|'.join(sorted(_BLOCK_TAGS - {'br'}))})\b", re.IGNORECASE)
#: Elements whose content is not article text.
_SKIPPED_TAGS = frozenset({"head", "script", "style", "noscript", "template", "svg"})


class InputError(Exception):
    """A document that cannot be used as text; the message says why and what to do."""


@dataclass(frozen=True)
class SourceDocument:
    """A readable document: its id in reports, its (cleaned) text and where its
    translation is written, relative to the output folder."""

    doc_id: str
    text: str
    output_relpath: Path
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class InputProblem:
    """A document (or JSONL line) that could not be read, reported instead of it."""

    doc_id: str
    message: str


def _binary_error(name: str, detail: str) -> InputError:
    return InputError(f"{name}: this looks like a binary file ({detail}), not text; expected UTF-8 .txt/.md")


class _HtmlToText(HTMLParser):
    """Collects the visible text of an HTML page, one block element per line.

    Block boundaries only request a line break (or a paragraph break); adjacent
    requests merge, so "</li><li>" or "</p><p>" never produce extra blank lines.
    When the markup has no block elements at all (text with a few <b> or <br>), the
    original line breaks are the only structure there is, so they are kept.
    """

    def __init__(self, keep_newlines: bool) -> None:
        super().__init__(convert_charrefs=True)
        self._keep_newlines = keep_newlines
        self._skip_depth = 0
        self._pending_breaks = 0
        self._parts: list[str] = []

    def _request_break(self, tag: str) -> None:
        self._pending_breaks = max(self._pending_breaks, 2 if tag in _PARAGRAPH_TAGS else 1)

    def _emit(self, text: str) -> None:
        if self._pending_breaks:
            self._parts.append("\n" * self._pending_breaks)
            self._pending_breaks = 0
        self._parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self._request_break(tag)
            if tag == "li":
                self._emit("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self._request_break(tag)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        text = data if self._keep_newlines else re.sub(r"\s+", " ", data)
        if text.strip():
            self._emit(text)
        else:
            self._parts.append(text)

    def text(self) -> str:
        """The collected text: lines stripped, runs of blank lines reduced to one."""
        cleaned = [" ".join(line.split()) for line in "".join(self._parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(cleaned)).strip("\n")


def _html_to_text(text: str) -> str:
    parser = _HtmlToText(keep_newlines=_BLOCK_TAG_RE.search(text) is None)
    parser.feed(text)
    parser.close()
    return parser.text()


def _clean_text(text: str, name: str) -> tuple[str, list[str]]:
    """Repair what can be repaired in decoded text (warning about it), refuse the rest."""
    warnings: list[str] = []
    controls = [c for c in text if unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS]
    if "\0" in text or len(controls) > BINARY_CONTROL_SHARE * len(text):
        raise _binary_error(name, f"{len(controls)} control characters in {len(text)}")
    if controls:
        text = "".join(c for c in text if c in _ALLOWED_CONTROLS or unicodedata.category(c) != "Cc")
        warnings.append(f"{len(controls)} control character(s) removed")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        warnings.append("Windows line endings (CRLF) normalised to \\n")
    if _HTML_TAG_RE.search(text):
        text = _html_to_text(text)
        warnings.append("HTML markup removed")
    elif _HTML_ENTITY_RE.search(text):
        text = html.unescape(text)
        warnings.append("HTML entities (such as &amp;) decoded")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        warnings.append("Unicode was decomposed (NFD) or mixed; normalised to NFC")
    if not text.strip():
        raise InputError(f"{name}: no text to translate (the document is empty or only whitespace/markup)")
    return text, warnings


def decode_text(raw: bytes, name: str) -> tuple[str, list[str]]:
    """Decode a file's bytes into clean NFC text with \\n line endings.

    Returns the text and warnings about every repair made (HTML removed, NFC,
    line endings, stray control characters).  Raises InputError for an empty file,
    a binary file or bytes that are not UTF-8; the message gives the byte offset and
    the command that converts the usual culprit, the Vietnamese Windows code page.
    """
    if not raw.strip():
        raise InputError(f"{name}: the file is empty" + (" (only whitespace)" if raw else ""))
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{name}: the file is UTF-16; convert it with: iconv -f utf-16 -t utf-8 {shlex.quote(name)}")
    if b"\0" in raw:
        raise _binary_error(name, f"NUL byte at byte offset {raw.index(0)}")
    skipped = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        text = raw[skipped:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skipped + error.start
        controls = sum(byte < 0x20 and chr(byte) not in _ALLOWED_CONTROLS for byte in raw)
        if controls > BINARY_CONTROL_SHARE * len(raw):
            raise _binary_error(name, f"{controls} control bytes in {len(raw)}") from None
        line = raw.count(b"\n", 0, offset) + 1
        raise InputError(
            f"{name}: not valid UTF-8: byte 0x{raw[offset]:02X} at byte offset {offset} "
            f"(line {line}). Vietnamese text saved in the Windows "
            f"code page (windows-1258) can be converted with: iconv -f cp1258 -t utf-8 {shlex.quote(name)}"
        ) from None
    return _clean_text(text, name)


def _output_name(doc_id: str) -> Path:
    """A safe file name for a JSONL id: no separators, no leading dot, bounded length."""
    name = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", doc_id)).strip("._")
    name = name.encode()[:MAX_NAME_BYTES].decode(errors="ignore") or "_"
    return Path(f"{name}.txt")


def _read_file(path: Path, doc_id: str, output_relpath: Path) -> SourceDocument | InputProblem:
    try:
        text, warnings = decode_text(path.read_bytes(), str(path))
    except OSError as error:
        return InputProblem(doc_id, f"{path}: cannot read: {error.strerror}")
    except InputError as error:
        return InputProblem(doc_id, str(error))
    return SourceDocument(doc_id, text, output_relpath, warnings)


def _read_folder(root: Path) -> Iterator[SourceDocument | InputProblem]:
    """Every .txt/.md below root, sorted by relative path; hidden entries skipped.

    Only paths are collected up front; the files are read one at a time.
    """
    found: list[Path] = []
    unreadable: list[OSError] = []
    for folder, subfolders, files in os.walk(root, onerror=unreadable.append):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        found.extend(
            Path(folder, name).relative_to(root)
            for name in files
            if not name.startswith(".") and Path(name).suffix.lower() in TEXT_SUFFIXES
        )
    for error in unreadable:
        yield InputProblem(str(error.filename), f"{error.filename}: cannot read folder: {error.strerror}")
    if not found and not unreadable:
        yield InputProblem(str(root), f"{root}: no .txt or .md files in this folder (other files are ignored)")
    for relpath in sorted(found):  # paths compare part by part: a folder's files stay together
        yield _read_file(root / relpath, relpath.as_posix(), relpath)


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


def _read_jsonl(path: Path) -> Iterator[SourceDocument | InputProblem]:
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
                cleaned, warnings = _clean_text(text, f"{where} (id {doc_id!r})")
            except InputError as error:
                yield InputProblem(doc_id, str(error))
                continue
            yield SourceDocument(doc_id, cleaned, _output_name(doc_id), warnings)
    if not first_line:
        yield InputProblem(str(path), f"{path}: no usable records in this JSONL file")


def _read_input(item: str | Path) -> Iterator[SourceDocument | InputProblem]:
    if str(item) == "-":
        try:
            text, warnings = decode_text(sys.stdin.buffer.read(), "stdin")
        except InputError as error:
            yield InputProblem("stdin", str(error))
        else:
            yield SourceDocument("stdin", text, Path("stdin.txt"), warnings)
        return
    path = Path(item)
    suffix = path.suffix.lower()
    if path.is_dir():
        yield from _read_folder(path)
    elif not path.exists():
        yield InputProblem(str(path), f"{path}: no such file or folder")
    elif suffix == ".jsonl":
        yield from _read_jsonl(path)
    elif suffix in TEXT_SUFFIXES:
        yield _read_file(path, path.name, Path(path.name))
    else:
        yield InputProblem(
            str(path), f"{path}: unsupported input type {suffix or '(no extension)'}; expected .txt, .md, "
            ".jsonl, a folder, or - for standard input"
        )


def _register(document: SourceDocument, outputs: dict[str, str], ids: set[str]) -> InputProblem | None:
    """Record a document's output and id, or say why it clashes with an earlier one."""
    output = document.output_relpath.as_posix().casefold()
    if output in outputs:
        return InputProblem(
            document.doc_id,
            f"{document.doc_id}: its output {document.output_relpath} would overwrite that of "
            f"{outputs[output]}; rename one of them",
        )
    if document.doc_id in ids:
        return InputProblem(
            document.doc_id, f"{document.doc_id}: an earlier input has the same id; reports could not tell them apart"
        )
    outputs[output] = document.doc_id
    ids.add(document.doc_id)
    return None


def read_documents(inputs: Sequence[str | Path]) -> Iterator[SourceDocument | InputProblem]:
    """Documents from files, folders, JSONL files and stdin ("-"), lazily, in order.

    Two documents that would be written to the same output file (the same name in
    two inputs, or two JSONL ids that sanitise alike; compared case-insensitively
    for macOS/Windows file systems) would overwrite each other, and two with the same
    id would be confused in reports, so the later one is reported as a problem.
    """
    outputs: dict[str, str] = {}
    ids: set[str] = set()
    for item in inputs:
        for result in _read_input(item):
            if isinstance(result, SourceDocument):
                result = _register(result, outputs, ids) or result
            yield result
