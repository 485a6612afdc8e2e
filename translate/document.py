"""Article structure: which parts of a news text are translated and which are kept.

A translated article must look like the original: same lines, same blank lines, same
bullets and headings, same line endings.  Only the prose goes to the model; list
markers, markdown syntax, a leading metadata header, lines holding only a date and
photo credits are kept out of it, because a model would mangle them ("TTXVN" is
rendered by newsroom convention as "VNA", not translated, and a person's name in a
credit is written without diacritics).

`parse_document` cuts every physical line into prefix + body + suffix (their
concatenation is exactly the original line) and splits the body into sentences;
`Document.assemble` puts translated sentences back in their place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Sequence

from glossary.names import unaccent
from translate.segment import split_sentences

__all__ = ["Document", "Line", "LineKind", "lines_document", "parse_document", "render_credit"]

#: "dateline" is a line holding nothing but a date ("24/10/2020"): kept verbatim, as
#: English news sites print the same numeric date and a model would only garble it.
LineKind = Literal["blank", "title", "paragraph", "bullet", "caption", "heading", "dateline"]

#: A first line longer than this is only a title if it does not end in a period.
TITLE_MAX_WORDS = 12

_LINE_BREAK_RE = re.compile(r"(\r\n|\n|\r)")
#: Metadata that a scraper put in front of the first line (" date 2021-11 Trong hai…").
_HEADER_RE = re.compile(
    r"\s*(?:date|published|updated)\s*:?\s*\d{4}-\d{2}(?:-\d{2})?(?:[ T]\d{2}:\d{2}(?::\d{2})?)?(?:\s+|$)"
)
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
_DATE = r"(?:\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})"
#: A line holding only a date, optionally with a time ("12/6/2024 10:30").
_DATELINE_RE = re.compile(rf"\s*(?:{_TIME}\s*[-|,]?\s*)?{_DATE}(?:\s*[-|,]?\s*{_TIME})?\s*")
_HEADING_RE = re.compile(r"\s*#{1,6}(?:\s+|$)")
_BULLET_RE = re.compile(r"\s*(?:[-*•+]|\d{1,3}[.)])\s+")

# Photo credits at the end of a line.  Parenthesised ones may follow anything; bare
# ones ("… Nhật Bắc. Ảnh: VGP/Nhật Bắc") only the start of the line or a finished
# sentence, so that "ảnh" inside a sentence is never taken for a credit.
_CREDIT_KINDS = r"(?:\s+(?:minh\s+họa|minh\s+hoạ|tư\s+liệu))?"
_PAREN_CREDIT_RE = re.compile(
    rf"(?P<lead>\s*)\(\s*(?P<label>(?:Ảnh|ảnh|ẢNH){_CREDIT_KINDS})"
    r"(?:\s*:\s*(?P<source>[^()]*?))?\s*\)(?P<trail>\s*)$"
)
_BARE_CREDIT_RE = re.compile(
    rf"(?:^|(?<=[.!?…”\"»)]))(?P<lead>\s*)(?P<label>(?:Ảnh|ẢNH){_CREDIT_KINDS})"
    r"\s*:\s*(?P<source>[^()\s][^()]*?)(?P<trail>\s*)$"
)
_LABEL_EN = {"": "Photo", "minh họa": "Illustrative photo", "tư liệu": "File photo"}
#: Vietnamese agency acronyms whose English-language editions use another acronym;
#: all other acronyms are kept as they are.
_AGENCY_EN = {"TTXVN": "VNA"}


@dataclass(frozen=True)
class Line:
    """One physical line: prefix + body + suffix is exactly the original line.

    Only `sentences` (the body split into sentences) are translated.  `output_suffix`
    is the suffix as it is written in the translation (a rendered photo credit, or
    the suffix itself).
    """

    prefix: str
    body: str
    suffix: str
    kind: LineKind
    ending: str
    output_suffix: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    """A parsed text whose sentences can be translated and put back in place."""

    lines: tuple[Line, ...]

    def segments(self) -> list[str]:
        """All segments to translate, in reading order."""
        return [sentence for line in self.lines for sentence in line.sentences]

    def segment_positions(self) -> list[tuple[int, int]]:
        """(line index, sentence index within the line) of each segment, for reports."""
        return [
            (line_index, position)
            for line_index, line in enumerate(self.lines)
            for position in range(len(line.sentences))
        ]

    def assemble(self, translations: Sequence[str]) -> str:
        """Rebuild the text with each segment replaced by its translation.

        Sentences of one line are joined by a single space, and each translation's
        whitespace is normalised, so that a stray newline from the model can never
        change the line structure.  An empty source segment (an empty line in
        `lines_document`) stays empty whatever its translation says.
        """
        expected = sum(len(line.sentences) for line in self.lines)
        if len(translations) != expected:
            raise ValueError(
                f"the document has {expected} segments but {len(translations)} translations "
                "were given; a translation was lost or added"
            )
        parts: list[str] = []
        remaining = iter(translations)
        for line in self.lines:
            # zip asks line.sentences first, so it never consumes a translation too many.
            body = " ".join(
                " ".join(translation.split())
                for sentence, translation in zip(line.sentences, remaining)
                if sentence
            )
            parts.append(line.prefix + body + line.output_suffix + line.ending)
        return "".join(parts)


def _physical_lines(text: str) -> list[tuple[str, str]]:
    """(content, line ending) pairs; a final line ending does not start a new line."""
    if not text:
        return []
    pieces = _LINE_BREAK_RE.split(text)
    contents, endings = pieces[0::2], pieces[1::2] + [""]
    if len(pieces) > 1 and contents[-1] == "":
        contents, endings = contents[:-1], endings[:-1]
    return list(zip(contents, endings))


def render_credit(label: str, source: str | None) -> str:
    """English news-style rendering of a photo credit's label and source.

    ("Ảnh", "Lâm Khánh/TTXVN") -> "Photo: Lam Khanh/VNA"; ("Ảnh minh họa", None) ->
    "Illustrative photo".  Names lose their diacritics, TTXVN becomes VNA.
    """
    kind = " ".join(label.lower().split()[1:]).replace("hoạ", "họa")
    english = _LABEL_EN[kind]
    if not source:
        return english
    words = re.sub(r"[^\s/]+", lambda m: _AGENCY_EN.get(m[0], unaccent(m[0])), source)
    return f"{english}: {words}"


def _split_credit(content: str) -> tuple[str, str, str]:
    """Split "text (Ảnh: X)" into (text, original credit suffix, rendered suffix)."""
    match = _PAREN_CREDIT_RE.search(content)
    if match is not None:
        rendered = f"({render_credit(match['label'], match['source'])})"
    else:
        match = _BARE_CREDIT_RE.search(content)
        if match is None or ". " in match["source"]:  # a sentence, not a name list
            return content, "", ""
        rendered = render_credit(match["label"], match["source"])
    return (
        content[: match.start()],
        content[match.start() :],
        match["lead"] + rendered + match["trail"],
    )


def _is_title(body: str) -> bool:
    """A first line is a headline unless it reads like a (long) finished sentence."""
    return not body.rstrip("”\"’»)]").endswith(".") or len(body.split()) <= TITLE_MAX_WORDS


def _parse_line(content: str, ending: str, header_allowed: bool, title_allowed: bool) -> Line:
    """Cut one line into prefix, body and suffix and classify it."""
    if not content.strip():
        return Line(content, "", "", "blank", ending, "", ())
    if _DATELINE_RE.fullmatch(content):
        return Line(content, "", "", "dateline", ending, "", ())
    prefix_end = 0
    if header_allowed and (header := _HEADER_RE.match(content)):
        prefix_end = header.end()
    kind: LineKind = "paragraph"
    if heading := _HEADING_RE.match(content, prefix_end):
        kind, prefix_end = "heading", heading.end()
    elif bullet := _BULLET_RE.match(content, prefix_end):
        kind, prefix_end = "bullet", bullet.end()
    rest = content[prefix_end:].lstrip()
    prefix_end = len(content) - len(rest)
    body, suffix, output_suffix = _split_credit(rest)
    if suffix:
        kind = "caption"
    stripped = body.rstrip()
    suffix, output_suffix = body[len(stripped) :] + suffix, body[len(stripped) :] + output_suffix
    if kind == "paragraph" and title_allowed and stripped and _is_title(stripped):
        kind = "title"
    return Line(
        content[:prefix_end], stripped, suffix, kind, ending, output_suffix, tuple(split_sentences(stripped))
    )


def parse_document(text: str) -> Document:
    """Parse an article: title, paragraphs, bullets, headings, captions, blank lines.

    A metadata header (" date 2021-11 ") is only recognised at the start of the first
    non-blank line, and only the first line with text can be a title: further down,
    a date-like word or a short line is ordinary content.
    """
    lines: list[Line] = []
    seen_line, seen_text = False, False
    for content, ending in _physical_lines(text):
        line = _parse_line(content, ending, header_allowed=not seen_line, title_allowed=not seen_text)
        seen_line = seen_line or line.kind != "blank"
        seen_text = seen_text or bool(line.body)
        lines.append(line)
    return Document(tuple(lines))


def lines_document(text: str) -> Document:
    """One segment per physical line, for line-aligned input (`--lines`).

    Nothing is interpreted: bullets, credits and headers are translated as part of
    the line, because line-aligned data is compared line by line with a reference.
    Surrounding whitespace is kept; an empty line is an empty segment.
    """
    lines: list[Line] = []
    for content, ending in _physical_lines(text):
        body = content.strip()
        start = len(content) - len(content.lstrip())
        suffix = content[start + len(body) :]
        kind: LineKind = "paragraph" if body else "blank"
        lines.append(Line(content[:start], body, suffix, kind, ending, suffix, (" ".join(body.split()),)))
    return Document(tuple(lines))
