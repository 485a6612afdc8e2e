"""``--extract``: only the main article of a saved web page, as Markdown with its title, date and author.

A whole news page carries menus, related links, comments and footers around the article; trafilatura
(an optional dependency: ``pip install 'vi2en[extract]'``) finds the article and its metadata.  The
title and paragraphs are translated; the date is kept and the author's name written without
diacritics, as English-language Vietnamese media print bylines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glossary.names import unaccent

from ..article_date import article_date, timestamp_day
from ..document import Document, parse_document
from . import FormatError, Rendered

if TYPE_CHECKING:  # the pipeline imports torch: a document is read without it
    from ..pipeline import DocumentResult

__all__ = ["ExtractLayout"]


class ExtractLayout:
    """The article of a web page: a title line, then one line per paragraph."""

    output_suffix = ".md"
    binary = False

    def __init__(self, raw: bytes, name: str, identity: str) -> None:
        self.identity = identity
        self.warnings: list[str] = []
        try:
            import trafilatura
        except ImportError as error:
            raise FormatError(
                f"{name}: --extract needs trafilatura ({error}); install it with: pip install 'vi2en[extract]'"
            ) from None
        from .html_format import _parse, published_in

        page = _parse(raw, name)  # the same refusals as for a page translated whole
        self.published = published_in(page)  # read as for the whole page: trafilatura's own date may be a guess
        import lxml.html

        html = lxml.html.tostring(page, encoding="unicode")
        found = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True)
        body = (found.text or "") if found is not None else ""
        if not body.strip():
            raise FormatError(f"{name}: no article found in this page (try without --extract to translate it whole)")
        self.title = " ".join((found.title or "").split())
        self.date = found.date or ""
        self.author = " ".join((found.author or "").split())
        paragraphs = [" ".join(line.split()) for line in body.split("\n") if line.strip()]
        if self.title and paragraphs and paragraphs[0] == self.title:
            paragraphs = paragraphs[1:]
        self._has_title = bool(self.title)
        lines = ([self.title] if self.title else []) + paragraphs
        self.text = "\n".join(lines)
        # A page that prints its date as a paragraph of its own ("12/6/2024"; trafilatura drops a
        # <time> element but keeps that) would show it twice: in the byline and as that paragraph.
        # The byline keeps it, unambiguous in English (12/6 reads as December 6 there); the line
        # stays in the text, where the pipeline reads the article's date for the glossary.
        published = timestamp_day(self.date)
        first = len(lines) - len(paragraphs)  # the title, if any, is line 0
        self._in_byline = frozenset(
            first + number for number, line in enumerate(paragraphs)
            if published is not None and parse_document(line).lines[0].kind == "dateline" and article_date(line) == published
        )

    def mark(self, document: Document) -> Document:
        """Plain paragraphs: no formatting to carry."""
        return document

    def render(self, result: DocumentResult, *, lines: bool) -> Rendered:
        translated = [line for number, line in enumerate(result.text.split("\n")) if number not in self._in_byline]
        title, paragraphs = (translated[0], translated[1:]) if self._has_title else ("", translated)
        byline = " · ".join(part for part in (self.date, unaccent(self.author)) if part)
        blocks = ([f"# {title}"] if title else []) + ([f"*{byline}*"] if byline else []) + paragraphs
        return Rendered("\n\n".join(blocks) + "\n", [], ["article"] * len(result.segments), {})

