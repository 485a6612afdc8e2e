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

`parse_markdown` does the same for Markdown, with the structure found by a real parser
(markdown-it-py, CommonMark with GFM tables and front matter): code blocks, front matter,
HTML blocks, rules, table separator rows and reference definitions are kept verbatim;
headings, paragraphs, list items, quotes and table cells are translated in place, with code
spans, link targets, images, autolinks and inline HTML kept as they are between the
translated pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, Sequence

from glossary.names import unaccent
from translate.segment import split_sentences

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

__all__ = ["Document", "FormattedSpan", "Line", "LineKind", "lines_document", "parse_document", "parse_markdown",
           "render_credit"]

#: "dateline" is a line holding nothing but a date ("24/10/2020"): kept verbatim, as
#: English news sites print the same numeric date and a model would only garble it.
#: "verbatim" is a line kept exactly as it is (Markdown code, front matter, a table's separator row).
LineKind = Literal["blank", "title", "paragraph", "bullet", "caption", "heading", "dateline", "verbatim"]

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
    the suffix itself).  `gaps`, when given (Markdown), is the verbatim text around and
    between the sentences (one more than sentences: code spans, link targets, table pipes);
    otherwise sentences are joined by one space.
    """

    prefix: str
    body: str
    suffix: str
    kind: LineKind
    ending: str
    output_suffix: str
    sentences: tuple[str, ...]
    gaps: tuple[str, ...] = ()

    @property
    def has_credit(self) -> bool:
        """Whether the line ends in a photo credit, which is written into the English by rule
        (``suffix`` → ``output_suffix``), not translated: its names are glossary terms all the same,
        so the scan lists them and the run requires and counts them."""
        return self.suffix != self.output_suffix


@dataclass(frozen=True)
class FormattedSpan:
    """``segments()[segment][start:end]`` carries formatting of its own in the input's format (a bold
    phrase, a link inside a sentence).  The pipeline translates it on its own as well and requires
    that translation in the segment's, so the format can put the formatting on it (``translate.formats``)."""

    segment: int
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """A parsed text whose sentences can be translated and put back in place; ``formatted`` are the
    spans a format (.docx, .html) wants carried through, in segment order; ``published``, the day the
    format's metadata says the article appeared (a web page's markup), which the glossary's names follow."""

    lines: tuple[Line, ...]
    formatted: tuple[FormattedSpan, ...] = ()
    published: date | None = None

    def source_text(self) -> str:
        """The text the document was parsed from (every line is prefix + body + suffix + ending)."""
        return "".join(line.prefix + line.body + line.suffix + line.ending for line in self.lines)

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
            translated = [
                " ".join(translation.split()) if sentence else ""
                for sentence, translation in zip(line.sentences, remaining)
            ]
            if line.gaps:
                body = line.gaps[0] + "".join(t + gap for t, gap in zip(translated, line.gaps[1:]))
            else:
                body = " ".join(t for t, sentence in zip(translated, line.sentences) if sentence)
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
    """One segment per line, for line-aligned input (`--lines`).

    Nothing is interpreted: bullets, credits, headers and markup are translated as part of
    the line, because line-aligned data is compared line by line with a reference.  Only
    ``\\n`` ends a line (a CR before it belongs to the line ending; a stray CR, form feed or
    U+2028 inside a line is whitespace of that line), so the output has exactly as many lines
    as line-aligned tools count in the input.  Surrounding whitespace is kept; an empty line
    is an empty segment.
    """
    lines: list[Line] = []
    pieces = text.split("\n")
    if pieces[-1] == "":
        pieces.pop()
    for number, content in enumerate(pieces):
        ending = "\n" if number < len(pieces) - 1 or text.endswith("\n") else ""
        if ending and content.endswith("\r"):
            content, ending = content[:-1], "\r\n"
        body = content.strip()
        start = len(content) - len(content.lstrip())
        suffix = content[start + len(body) :]
        kind: LineKind = "paragraph" if body else "blank"
        lines.append(Line(content[:start], body, suffix, kind, ending, suffix, (" ".join(body.split()),)))
    return Document(tuple(lines))


# --- Markdown ------------------------------------------------------------------------

#: Inline rules whose matches are kept verbatim (a link keeps its brackets and target, not its text).
_KEPT_INLINE_RULES = ("backticks", "link", "image", "autolink", "html_inline")
_TABLE_PIPE_RE = re.compile(r"(?<!\\)\|")


@lru_cache(maxsize=1)
def _markdown() -> "MarkdownIt":
    """CommonMark with GFM tables and front matter; the kept inline rules record where they matched.

    markdown-it gives block tokens line numbers but inline tokens no offsets, so the rules that
    find code spans, links, images, autolinks and inline HTML are wrapped: each successful match
    appends its span (offsets into the inline content) to ``env["spans"][id(content)]``.
    """
    from markdown_it import MarkdownIt
    from markdown_it.helpers import parseLinkLabel
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark").enable("table").use(front_matter_plugin)
    for name in _KEPT_INLINE_RULES:
        rule = next(r.fn for r in md.inline.ruler.__rules__ if r.name == name)

        def recording(state, silent, rule=rule, name=name):  # type: ignore[no-untyped-def]
            start = state.pos
            label_end = -1
            if name == "link" and not silent and state.src[start : start + 1] == "[":
                label_end = parseLinkLabel(state, start, True)
            matched = rule(state, silent)
            if matched and not silent:
                spans = state.env.setdefault("spans", {}).setdefault(id(state.src), [])
                if label_end > start:  # "[" and "](target)" are kept; the link text is translated
                    spans += [(start, start + 1), (label_end, state.pos)]
                else:
                    spans.append((start, state.pos))
            return matched

        md.inline.ruler.at(name, recording)
    return md


def _kept_spans(md: "MarkdownIt", text: str) -> list[tuple[int, int]]:
    """Kept spans of ``text`` parsed as inline Markdown on its own (a table cell)."""
    env: dict = {}
    md.parseInline(text, env)
    return env.get("spans", {}).get(id(text), [])


def _runs(text: str, kept: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_kept) runs; ``kept`` spans may overlap or nest."""
    marks = [False] * len(text)
    for start, end in kept:
        for i in range(max(start, 0), min(end, len(text))):
            marks[i] = True
    runs: list[tuple[str, bool]] = []
    for char, mark in zip(text, marks):
        if runs and runs[-1][1] == mark:
            runs[-1] = (runs[-1][0] + char, mark)
        else:
            runs.append((char, mark))
    return runs


def _gapped(runs: Sequence[tuple[str, bool]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Sentences of the translatable runs and the verbatim gaps around them."""
    gaps, sentences = [""], []
    for text, kept in runs:
        if kept or not any(char.isalnum() for char in text):  # nothing to translate: punctuation, spaces
            gaps[-1] += text
            continue
        inner = text.strip()
        gaps[-1] += text[: len(text) - len(text.lstrip())]
        for number, sentence in enumerate(split_sentences(inner)):
            if number:
                gaps[-1] += " "
            sentences.append(sentence)
            gaps.append("")
        gaps[-1] += text[len(text.rstrip()) :]
    return tuple(sentences), tuple(gaps)


def _verbatim(content: str, ending: str) -> Line:
    kind: LineKind = "verbatim" if content.strip() else "blank"
    return Line(content, "", "", kind, ending, "", ())


def _markdown_line(content: str, ending: str, core: str, kept: Sequence[tuple[int, int]], kind: LineKind) -> Line:
    """The line ``content`` whose translatable region is ``core`` (with kept spans in core's offsets)."""
    start = len(content.rstrip()) - len(core)
    if not core or start < 0 or content[start : start + len(core)] != core:
        start = content.find(core)
    if not core or start < 0:
        return _parse_line(content, ending, header_allowed=False, title_allowed=False)
    sentences, gaps = _gapped(_runs(core, kept))
    if not sentences:
        return _verbatim(content, ending)
    suffix = content[start + len(core) :]
    return Line(content[:start], core, suffix, kind, ending, suffix, sentences, gaps)


def _table_row(md: "MarkdownIt", content: str, ending: str) -> Line:
    """A table row: each cell between unescaped pipes is translated, pipes and padding kept."""
    runs: list[tuple[str, bool]] = []
    for number, cell in enumerate(_TABLE_PIPE_RE.split(content)):
        if number:
            runs.append(("|", True))
        offset = len(cell) - len(cell.lstrip())
        core = cell.strip()
        runs.append((cell[:offset], True))
        runs += _runs(core, _kept_spans(md, core)) if core else []
        runs.append((cell[offset + len(core) :], True))
    sentences, gaps = _gapped([run for run in runs if run[0]])
    if not sentences:
        return _verbatim(content, ending)
    return Line("", content, "", "paragraph", ending, "", sentences, gaps)


def parse_markdown(text: str) -> Document:
    """Parse a Markdown document into lines: translated where there is prose, verbatim elsewhere.

    Every line not covered by a heading, paragraph or table row (code, front matter, HTML blocks,
    rules, a setext underline, reference definitions, bare container markers) is kept verbatim, so
    whatever the parser does not know stays exactly as written.
    """
    md = _markdown()
    physical = _physical_lines(text)
    lines: list[Line | None] = [None] * len(physical)
    env: dict = {}
    tokens = md.parse(text, env)
    spans = env.get("spans", {})
    in_table = in_list = 0
    heading = False
    for token in tokens:
        in_table += token.type == "table_open"
        in_table -= token.type == "table_close"
        in_list += token.type == "list_item_open"
        in_list -= token.type == "list_item_close"
        heading = token.type == "heading_open" or (heading and token.type != "heading_close")
        if in_table and token.type == "tr_open" and token.map:
            row = token.map[0]
            if row < len(physical):
                lines[row] = _table_row(md, *physical[row])
            if row + 1 < len(physical) and token.level == 2 and lines[row + 1] is None:  # header row: separator follows
                lines[row + 1] = _verbatim(*physical[row + 1])
        if token.type != "inline" or in_table or not token.map:
            continue
        kind: LineKind = "heading" if heading else "bullet" if in_list else "paragraph"
        kept = spans.get(id(token.content), [])
        offset = 0
        content_lines = token.content.split("\n")
        for number, content_line in zip(range(*token.map), content_lines):
            if number >= len(physical):
                break
            lead = len(content_line) - len(content_line.lstrip())
            core = content_line.strip()
            base = offset + lead
            local = [(max(a - base, 0), min(b - base, len(core))) for a, b in kept if a < base + len(core) and b > base]
            lines[number] = _markdown_line(*physical[number], core, local, kind)
            offset += len(content_line) + 1
    return Document(tuple(line if line is not None else _verbatim(*physical[i]) for i, line in enumerate(lines)))
