"""Documents that are not plain text: Word files and web pages in, the same format out.

A format reader turns a file's bytes into a :class:`Layout`: the text the pipeline translates (one line
per paragraph, table cell, heading, attribute …) and everything needed to write the translation back
in the input's own format.  The batch run treats the text like any other document (glossary,
journal, report); only the last step differs, ``Layout.render``.

Readers import their libraries (python-docx, lxml, trafilatura) on first use, so plain-text runs
never pay for them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

if TYPE_CHECKING:
    from ..document import Document
    from ..pipeline import DocumentResult

__all__ = ["BINARY_FORMATS", "FORMAT_SUFFIXES", "FormatError", "Layout", "Rendered", "read_format", "writes_bytes"]

#: Input suffix → format name; these are read by :func:`read_format`, not as text.
FORMAT_SUFFIXES = {".docx": "docx", ".html": "html", ".htm": "html"}
#: Formats whose translation is bytes (their layouts' ``binary``): a file, never standard output.
BINARY_FORMATS = frozenset({"docx"})


def writes_bytes(path: Path) -> bool:
    """Whether the translation of the file at ``path`` is bytes (a Word file), by its suffix."""
    return FORMAT_SUFFIXES.get(path.suffix.lower()) in BINARY_FORMATS


class FormatError(Exception):
    """A document that cannot be read in its format; the message names it and says what to do."""


@dataclass
class Rendered:
    """A translation in the input's format, and what the report must say about it."""

    data: str | bytes
    notes: list[str] = field(default_factory=list)
    #: Where each segment (by index) stands in the document ("table 1, row 2, cell 1, paragraph 1").
    segment_locations: list[str] = field(default_factory=list)
    #: (segment index, term index) → where the term stands, with its run numbers.
    term_locations: dict[tuple[int, int], str] = field(default_factory=dict)


class Layout(Protocol):
    """A parsed document in a format: its text to translate and how to write the translation back."""

    #: Format name; with the source bytes' hash it is part of the resume fingerprint.
    identity: str
    #: Suffix of the output file (".docx", ".html", ".md"); ``binary``: ``render`` gives bytes.
    output_suffix: str
    binary: bool
    #: The pipeline's input: one line per unit of text.
    text: str
    warnings: list[str]
    #: The day the document's own metadata says it was published (a web page's markup), if it says; the
    #: glossary then renders it with that day's names (``translate.article_date.article_day``).
    published: date | None

    def mark(self, document: "Document") -> "Document":
        """``document`` (``text`` as the pipeline parsed it) with the spans inside sentences whose
        formatting must follow their translation marked (``Document.formatted``)."""

    def render(self, result: "DocumentResult", *, lines: bool) -> Rendered:
        """The translated document; ``lines`` says how the pipeline parsed ``text`` (``--lines``)."""


def _identity(kind: str, raw: bytes) -> str:
    return f"{kind}:{hashlib.sha256(raw).hexdigest()}"


def read_format(path: Path, raw: bytes, *, extract: bool = False) -> Layout:
    """The layout of a .docx or .html file (with ``extract``: only the main article of a page).

    Raises FormatError for a damaged, encrypted or empty document.
    """
    kind = FORMAT_SUFFIXES[path.suffix.lower()]
    name = str(path)
    reader: Callable[[bytes, str, str], Layout]
    if kind == "html" and extract:
        from .extract import ExtractLayout as reader
        kind = "extract"
    elif kind == "html":
        from .html_format import HtmlLayout as reader
    else:
        from .docx_format import DocxLayout as reader
    try:
        return reader(raw, name, _identity(kind, raw))
    except FormatError:
        raise
    except Exception as error:  # a document no rule foresaw: an error for it, not for the run
        raise FormatError(f"{name}: could not read this {kind} file ({type(error).__name__}: {error})") from error
