"""Formatted paragraphs through a plain-text translator: runs → one line of text → placed spans.

A Word paragraph or an HTML block is a sequence of *runs* (text with one formatting each: bold,
italic, a hyperlink …) with a few kept objects between them (an image, a footnote reference, a
``<code>`` element) and perhaps line breaks.  The model must see whole sentences, never a run on its
own, so each stretch of text between two breaks becomes one line of the pipeline's input (which
splits it into sentences).  :meth:`InlineDocument.mark` marks every formatted span inside a sentence
on the pipeline's parsed document (``Document.formatted``): the pipeline translates the span on its
own and requires that translation in the sentence's, as it requires a glossary term, so it is known
to stand there.  Formatting is then carried onto the English text:

* a span covering (the words of) a whole sentence covers the whole translated sentence;
* a span inside a sentence goes onto its own translation, where the segment's span record says it
  stands (found in the output as terms are found);
* a span made of glossary terms goes onto their renderings, which the constraint layer guarantees
  are in the output (a term bold in Vietnamese is bold in English);
* failing those, a span whose text is copied unchanged into the translation (a number, an acronym, a
  name without its diacritics) goes onto the copy;
* prefixes and suffixes the pipeline keeps verbatim (bullet markers, dates) keep their formatting.

A span whose translation could not be required (it cuts a glossary term, its translation is empty or
contains another required rendering, it would not fit; the span record's note says which) or is not
found is not guessed: the translated text stays complete and unformatted there, and a note names the
span (its formatting, its text, its location, the reason).  Kept objects go to the same
place in the sentence when they stood at its start or end, otherwise to the end of their sentence
(and a note says so).  Nothing here knows Word or HTML: the formats describe runs with opaque,
hashable marks and rebuild their markup from the placed runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Hashable, Sequence

from glossary.names import unaccent

from ..document import Document, FormattedSpan, Line, lines_document, parse_document
from ..span_plan import SpanRecord

if TYPE_CHECKING:  # the pipeline imports torch: a document is read without it
    from ..pipeline import DocumentResult, SegmentRecord

__all__ = ["Item", "Unit", "InlineDocument", "Placement"]

_WORD = re.compile(r"\w")
_TOKEN = re.compile(r"\S+")


@dataclass
class Item:
    """A piece of a unit: text with a mark, or a kept object (``atom``) that takes no text.

    ``splits`` marks a break (a line break, a tab) that ends one line of text and starts the next;
    it is kept between the translated lines.  ``label`` names an atom in notes ("image", "footnote 2").
    """

    text: str = ""
    mark: Hashable = None
    atom: object | None = None
    splits: bool = False
    label: str = ""


@dataclass
class Unit:
    """One paragraph, table-cell paragraph, heading, attribute value … with its place in the document."""

    location: str
    items: list[Item]


@dataclass
class Placement:
    """The translated units (placed items, in the order of ``InlineDocument.units``) and the report."""

    units: list[list[Item]]
    notes: list[str]
    segment_locations: list[str]
    term_locations: dict[tuple[int, int], str]  # (segment index, term index) → location with run numbers


@dataclass
class _Chunk:
    """One line of the pipeline's input: the text between two breaks of a unit."""

    unit: int
    text: str
    marks: list[Hashable]
    runs: list[int]  # run number (1-based, within the unit) of each character
    atoms: list[tuple[int, Item]] = field(default_factory=list)


def _base_mark(items: Sequence[Item], plainness: Callable[[Hashable], object], majority: float) -> Hashable:
    """The unit's prevailing formatting, what unplaced text gets: the formatting of most of its
    characters when they are more than ``majority`` of them, else the plainest one present (a bold
    term longer than the plain words around it does not make the paragraph bold)."""
    weight: dict[Hashable, int] = {}
    for item in items:
        if item.atom is None and not item.splits:
            weight[item.mark] = weight.get(item.mark, 0) + len(item.text.strip())
    if not weight:
        return None
    top = max(weight, key=lambda m: weight[m])
    if weight[top] > majority * sum(weight.values()):
        return top
    return min((m for m, w in weight.items() if w), key=plainness, default=top)


class InlineDocument:
    """The units of one document as pipeline text (one line per chunk), and their reassembly."""

    def __init__(
        self,
        units: list[Unit],
        describe: Callable[[Hashable, Hashable], str],
        plainness: Callable[[Hashable], object],
        majority: float = 0.5,
    ) -> None:
        """``describe(mark, base)`` names a mark for reports ("bold", "hyperlink to …"); ``plainness``
        orders marks from the least formatted, the base unless one covers more than ``majority`` of a
        unit (Word: runs often all carry the same fonts; HTML: 1.0, the block's own text is the base)."""
        self.units = units
        self.describe = describe
        self.bases = [_base_mark(unit.items, plainness, majority) for unit in units]
        self._chunks: list[_Chunk] = []
        self._layout: list[list[_Chunk | Item]] = []  # per unit: chunks and the breaks between them
        for index, unit in enumerate(units):
            self._layout.append(self._cut(index, unit))

    @property
    def text(self) -> str:
        """The pipeline's input: one line per chunk, whitespace inside a line made plain spaces."""
        return "\n".join(chunk.text for chunk in self._chunks)

    def _cut(self, index: int, unit: Unit) -> list[_Chunk | Item]:
        parts: list[_Chunk | Item] = []
        chunk: _Chunk | None = None
        run = 0
        for item in unit.items:
            if item.splits:
                parts.append(item)
                chunk = None
                continue
            if chunk is None:
                chunk = _Chunk(index, "", [], [])
                parts.append(chunk)
                self._chunks.append(chunk)
            if item.atom is not None:
                chunk.atoms.append((len(chunk.text), item))
                continue
            run += 1
            # One character for one: offsets stay valid, and no newline can split the line.
            chunk.text += "".join(" " if c.isspace() else c for c in item.text)
            chunk.marks += [item.mark] * len(item.text)
            chunk.runs += [run] * len(item.text)
        return parts

    def mark(self, document: Document) -> Document:
        """``document`` (``self.text`` as the pipeline parses it) with the formatted spans inside its
        sentences marked: spans covering a whole sentence need no translation of their own."""
        formatted: list[FormattedSpan] = []
        first = 0  # index of the line's first segment
        for k, line in enumerate(document.lines):
            chunk = self._chunks[k] if k < len(self._chunks) else None
            if chunk is not None:
                numbers = [first + n for n, sentence in enumerate(line.sentences) if sentence]
                body_start = len(line.prefix)
                ranges = _sentence_ranges(chunk.text, body_start, body_start + len(line.body), line.sentences)
                sentences = [sentence for sentence in line.sentences if sentence]
                for start, end, _ in _formatted_spans(chunk, self.bases[chunk.unit]):
                    for number, sentence, (src_start, src_end) in zip(numbers, sentences, ranges):
                        s, e = max(start, src_start), min(end, src_end)
                        if s >= e or not _WORD.search(chunk.text, s, e) or _covers_words(chunk.text, s, e, src_start, src_end):
                            continue
                        source, offsets = _normalised(chunk.text, src_start, src_end)
                        if source == sentence:
                            formatted.append(FormattedSpan(number, *_segment_range(source, offsets, s, e)))
            first += len(line.sentences)
        return replace(document, formatted=tuple(formatted))

    def place(self, result: DocumentResult, *, lines: bool) -> Placement:
        """Carry each unit's formatting onto ``result`` (the pipeline's translation of ``self.text``)."""
        # The pipeline's own parse of the text when it gives it (the batch chooses how to parse).
        document = result.document or (lines_document(self.text) if lines else parse_document(self.text))
        by_line: list[list[SegmentRecord]] = [[] for _ in document.lines]
        segment_locations = []
        for record, (line_index, _) in zip(result.segments, document.segment_positions()):
            by_line[line_index].append(record)
            segment_locations.append(self.units[self._chunks[line_index].unit].location)
        translated = result.text.split("\n")
        placed_chunks: dict[int, list[Item]] = {}
        notes: list[str] = []
        term_locations: dict[tuple[int, int], str] = {}
        for k, chunk in enumerate(self._chunks):
            placer = _LinePlacer(self, chunk, document.lines[k], by_line[k], translated[k] if k < len(translated) else "")
            placed_chunks[id(chunk)] = placer.items()
            notes += placer.notes
            term_locations.update(placer.term_locations)
        units: list[list[Item]] = []
        for parts in self._layout:
            items: list[Item] = []
            for part in parts:
                items += [part] if isinstance(part, Item) else placed_chunks[id(part)]
            units.append(items)
        return Placement(units, notes, segment_locations, term_locations)


class _LinePlacer:
    """Placement of one chunk's spans and atoms onto its translated line."""

    def __init__(self, doc: InlineDocument, chunk: _Chunk, line: Line, records: list[SegmentRecord], output: str) -> None:
        self.doc, self.chunk, self.line = doc, chunk, line
        self.unit = doc.units[chunk.unit]
        self.base = doc.bases[chunk.unit]
        self.notes: list[str] = []
        self.term_locations: dict[tuple[int, int], str] = {}
        # Source and target ranges of the sentences, in line coordinates.
        body_start = len(line.prefix)
        self.sources = _sentence_ranges(chunk.text, body_start, body_start + len(line.body), line.sentences)
        targets = [" ".join(r.target.split()) for r, s in zip(records, line.sentences) if s]
        self.target = line.prefix + " ".join(targets) + line.output_suffix
        self.records = [r for r, s in zip(records, line.sentences) if s]
        self.targets = []
        position = len(line.prefix)
        for text in targets:
            self.targets.append((position, position + len(text)))
            position += len(text) + 1
        self.suffix_source = (body_start + len(line.body), len(chunk.text))
        self.suffix_target = (len(self.target) - len(line.output_suffix), len(self.target))
        expected = self.target == output.removesuffix(line.ending)
        if not expected:
            # The pipeline assembled the line otherwise than its parse says: keep its text, unformatted.
            self.target, self.sources, self.targets, self.records = output, [], [], []
            self.suffix_target = (len(output), len(output))
            self.notes.append(f"{self.unit.location}: formatting of {chunk.text.strip()[:40]!r} dropped (unexpected line shape)")
        self.marks: list[Hashable] = [self.base] * len(self.target)
        self.claimed = [False] * len(self.target)
        # Each sentence's source as its segment holds it, with the line offset of each character.
        self.normal = [_normalised(chunk.text, *source) for source in self.sources]
        self.term_ranges = [self._terms(i) for i in range(len(self.records))]
        for span in _formatted_spans(chunk, self.base) if expected else []:
            self._place(*span)

    # -- terms ------------------------------------------------------------------------------------

    def _terms(self, i: int) -> list[tuple[tuple[int, int] | None, tuple[int, int] | None]]:
        """(source range, target range) of each term of sentence ``i`` in line coordinates, from the
        term records' offsets (None where a term is not rendered)."""
        record = self.records[i]
        source, offsets = self.normal[i]
        ranges = []
        for t, term in enumerate(record.terms):
            src = None
            if source == record.source and term.source_end > term.source_start:
                src = (offsets[term.source_start], offsets[term.source_end - 1] + 1)
            tgt = None
            if term.met and term.target_start is not None and term.target_end is not None:
                tgt = self._target_range(i, term.target_start, term.target_end)
            ranges.append((src, tgt))
            where = self.unit.location + (f", {_runs_label(self.chunk.runs[src[0]:src[1]])}" if src else "")
            self.term_locations[(record.index, t)] = where
        return ranges

    def _target_range(self, i: int, start: int, end: int) -> tuple[int, int]:
        """Offsets into sentence ``i``'s record target as line offsets (the line holds it whitespace-normalised)."""
        to_target = _normalising_map(self.records[i].target)
        return self.targets[i][0] + to_target[start], self.targets[i][0] + to_target[end]

    def _span_record(self, i: int, s: int, e: int) -> SpanRecord | None:
        """The record of the formatted span [s, e) of sentence ``i`` (as :meth:`InlineDocument.mark` marked it)."""
        source, offsets = self.normal[i]
        if source != self.records[i].source:
            return None
        wanted = _segment_range(source, offsets, s, e)
        return next((span for span in self.records[i].spans if (span.source_start, span.source_end) == wanted), None)

    # -- spans ------------------------------------------------------------------------------------

    def _place(self, start: int, end: int, mark: Hashable) -> None:
        text = self.chunk.text
        regions = [(0, len(self.line.prefix), "verbatim", (0, len(self.line.prefix)))]
        regions += [(s, e, i, t) for i, ((s, e), t) in enumerate(zip(self.sources, self.targets))]
        regions.append((*self.suffix_source, "suffix" if self.line.has_credit else "verbatim", self.suffix_target))
        for r_start, r_end, kind, target_range in regions:
            s, e = max(start, r_start), min(end, r_end)
            if s >= e or not text[s:e].strip():
                continue
            if kind == "verbatim":
                delta = target_range[0] - r_start
                ok = self._mark(s + delta, e + delta, mark)
            elif kind == "suffix":
                ok = _covers_words(text, s, e, r_start, r_end) and self._mark(*target_range, mark)
            else:
                ok = self._place_in_sentence(kind, s, e, mark)
            if not ok:
                record = self._span_record(kind, s, e) if isinstance(kind, int) else None
                self._note(mark, text[s:e], f"could not be placed in the translation{_why(record)}; text kept, formatting dropped")

    def _place_in_sentence(self, i: int, s: int, e: int, mark: Hashable) -> bool:
        text = self.chunk.text
        (src_start, src_end), (tgt_start, tgt_end) = self.sources[i], self.targets[i]
        if _covers_words(text, s, e, src_start, src_end):
            # Punctuation left out of the span in the source (a closing period) stays out of it.
            if s > src_start:
                tgt_start = _first_word(self.target, tgt_start, tgt_end)
            if e < src_end:
                tgt_end = _last_word_end(self.target, tgt_start, tgt_end)
            return self._mark(tgt_start, tgt_end, mark)
        span = self._span_record(i, s, e)
        if span is not None and span.met and span.target_start is not None and span.target_end is not None:
            if self._mark(*self._target_range(i, span.target_start, span.target_end), mark):
                return True
        terms = [(src, tgt) for src, tgt in self.term_ranges[i] if src is not None and src[0] < e and s < src[1]]
        if terms:
            placed = [self._mark(*tgt, mark) for _, tgt in terms if tgt is not None]
            if not any(placed):
                return False
            inside = all(any(a <= m.start() < b for (a, b), _ in terms) for m in _WORD.finditer(text, s, e))
            if not inside or len(placed) < len(terms):
                self._note(mark, text[s:e], "placed on its glossary term(s) only" + _why(span))
            return True
        return self._place_copy(text[s:e], tgt_start, tgt_end, mark)

    def _place_copy(self, source: str, tgt_start: int, tgt_end: int, mark: Hashable) -> bool:
        """A span whose words appear unchanged (or without diacritics) in the translated sentence."""
        words = source.strip(" \t.,;:!?\"'“”‘’()[]«»")
        if not words or not _WORD.search(words):
            return False
        for form in dict.fromkeys((words, unaccent(words))):
            pattern = re.compile(rf"(?<!\w){re.escape(form)}(?!\w)")
            for match in pattern.finditer(self.target, tgt_start, tgt_end):
                if self._mark(match.start(), match.end(), mark):
                    return True
        return False

    def _mark(self, start: int, end: int, mark: Hashable) -> bool:
        """Give [start, end) of the target ``mark`` where no other span has; False if nothing was free."""
        free = [i for i in range(start, end) if not self.claimed[i]]
        for i in free:
            self.marks[i], self.claimed[i] = mark, True
        return bool(free)

    def _note(self, mark: Hashable, text: str, what: str) -> None:
        name = self.doc.describe(mark, self.base)
        self.notes.append(f"{self.unit.location}: {name} on {' '.join(text.split())!r} {what}")

    # -- output -----------------------------------------------------------------------------------

    def _atom_offset(self, offset: int, item: Item) -> int:
        """Where a kept object goes: same place at a sentence edge or in verbatim text, else sentence end."""
        prefix_end = len(self.line.prefix)
        if offset <= prefix_end or not self.sources:
            return min(offset, len(self.target))
        if offset >= self.suffix_source[0]:
            if not self.line.has_credit or offset == len(self.chunk.text):
                return self.suffix_target[0] + min(offset - self.suffix_source[0], len(self.line.output_suffix))
            return self.suffix_target[0]
        for (s, e), (ts, te) in zip(self.sources, self.targets):
            if offset <= s:
                return ts
            if offset <= e:
                if offset < e and _WORD.search(self.chunk.text, offset, e):
                    self.notes.append(f"{self.unit.location}: {item.label or 'an object'} moved to the end of its sentence")
                return te
        return self.suffix_target[0]

    def items(self) -> list[Item]:
        atoms = sorted(((self._atom_offset(o, item), n, item) for n, (o, item) in enumerate(self.chunk.atoms)), key=lambda a: a[:2])
        out: list[Item] = []
        position = 0
        for offset, _, atom in atoms + [(len(self.target), -1, None)]:
            out += _runs(self.target, self.marks, position, offset)
            if atom is not None:
                out.append(atom)
            position = offset
        return out


def _why(record: SpanRecord | None) -> str:
    """The reason a span's record gives for not standing where its translation is required, for a note."""
    return f" ({record.note})" if record is not None and record.note else ""


def _formatted_spans(chunk: _Chunk, base: Hashable) -> list[tuple[int, int, Hashable]]:
    """Maximal stretches of the chunk with one formatting other than the unit's base."""
    spans, start = [], 0
    marks = chunk.marks
    for i in range(1, len(marks) + 1):
        if i == len(marks) or marks[i] != marks[start]:
            if marks[start] != base and chunk.text[start:i].strip():
                spans.append((start, i, marks[start]))
            start = i
    return spans


def _segment_range(source: str, offsets: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """The stretch of a segment's ``source`` (whose characters stand at line ``offsets``) holding the
    line's [start, end) without the spaces at its edges: where a formatted span is in its segment."""
    inside = [j for j, offset in enumerate(offsets) if start <= offset < end and source[j] != " "]
    return (inside[0], inside[-1] + 1) if inside else (0, 0)


def _runs(text: str, marks: list[Hashable], start: int, end: int) -> list[Item]:
    runs: list[Item] = []
    for i in range(start, end):
        if runs and runs[-1].mark == marks[i]:
            runs[-1].text += text[i]
        else:
            runs.append(Item(text[i], marks[i]))
    return runs


def _sentence_ranges(text: str, start: int, end: int, sentences: Sequence[str]) -> list[tuple[int, int]]:
    """Line offsets of each sentence: the splitter only cuts between whitespace-separated tokens."""
    tokens = [m.span() for m in _TOKEN.finditer(text, start, end)]
    ranges, used = [], 0
    for sentence in sentences:
        count = len(sentence.split())
        if count == 0 or used + count > len(tokens):
            ranges.append((tokens[used - 1][1] if used else start,) * 2)
            continue
        ranges.append((tokens[used][0], tokens[used + count - 1][1]))
        used += count
    return [r for r, s in zip(ranges, sentences) if s]


def _normalised(text: str, start: int, end: int) -> tuple[str, list[int]]:
    """text[start:end] with whitespace runs made single spaces (as the pipeline's segment source),
    and the line offset of each of its characters."""
    chars: list[str] = []
    offsets: list[int] = []
    for m in _TOKEN.finditer(text, start, end):
        if chars:
            chars.append(" ")
            offsets.append(m.start() - 1)
        chars.extend(m.group())
        offsets.extend(range(m.start(), m.end()))
    return "".join(chars), offsets


def _normalising_map(text: str) -> list[int]:
    """For each offset into ``text``, the offset into ``" ".join(text.split())`` (as assembled)."""
    mapping = [0] * (len(text) + 1)
    position, previous_end = 0, None
    for m in _TOKEN.finditer(text):
        for k in range(previous_end if previous_end is not None else 0, m.start()):
            mapping[k] = position  # whitespace: where the single space (or the text) starts
        if previous_end is not None:
            position += 1
        for k in range(m.start(), m.end()):
            mapping[k] = position + k - m.start()
        position += m.end() - m.start()
        previous_end = m.end()
    for k in range(previous_end if previous_end is not None else 0, len(text) + 1):
        mapping[k] = position
    return mapping


def _covers_words(text: str, s: int, e: int, region_start: int, region_end: int) -> bool:
    """Whether [s, e) holds every word character of the region (only spaces/punctuation outside)."""
    return not _WORD.search(text, region_start, s) and not _WORD.search(text, e, region_end)


def _first_word(text: str, start: int, end: int) -> int:
    match = _WORD.search(text, start, end)
    return match.start() if match else start


def _last_word_end(text: str, start: int, end: int) -> int:
    ends = [m.end() for m in _WORD.finditer(text, start, end)]
    return ends[-1] if ends else end


def _runs_label(runs: Sequence[int]) -> str:
    numbers = sorted(set(runs))
    if not numbers:
        return "run ?"
    return f"run {numbers[0]}" if len(numbers) == 1 else f"runs {numbers[0]}–{numbers[-1]}"
