"""The translation pipeline: text → segments → terms → decoder → assembled document → records.

:class:`Translator` is the Python API the CLI wraps.  It owns the one-way flow of data:

1. the document is parsed into lines and sentence segments (``translate.document``);
2. a segment longer than the model's input is split at clause boundaries (``translate.segment``) and
   its pieces translated separately, then joined: nothing is ever truncated;
3. glossary matches become required terms, planned per document (acronyms, consistency);
4. all pieces of a group of documents are decoded together in length-sorted batches;
5. terms are verified on the final text, inconsistent renderings re-decoded pinned to the document's
   choice, double renderings detected, and the document reassembled with its structure.

Documents are processed in groups of bounded size, so memory stays flat on arbitrarily large inputs.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Callable, Iterable, Iterator, Sequence

from glossary import Glossary, load_glossary
from glossary.requirements import count_rendering, requirements_for

from .beam_search import SearchOptions
from .decoder import DecodeRequest, Decoder
from .document import Document, lines_document, parse_document
from .double_rendering import find_double_renderings
from .memory import Offer, TranslationMemory
from .model import LoadedModel, configure_threads, load_model, resolve_model_name
from .segment import split_long
from .settings import GLOSSARY_MODES
from .term_plan import PlannedTerm, acronym_expansions, document_choices, narrow_to, plan_document, rendering_family


@dataclass
class TermRecord:
    """One required term of a segment and how it came out."""

    source: str
    required: list[str]
    rendered: str | None
    met: bool


@dataclass
class SegmentRecord:
    """A source segment, its translation and its terms: one line of ``--jsonl`` output."""

    doc: str
    index: int
    source: str
    target: str
    terms: list[TermRecord] = field(default_factory=list)
    double_renderings: list[str] = field(default_factory=list)
    #: Translation memory: "exact" = the memory's translation, not decoded; "stale" = the memory's
    #: translation lacked a required rendering, so the segment was decoded; None = no exact match.
    memory: str | None = None
    memory_offers: list[Offer] = field(default_factory=list)  # fuzzy matches, for the editor

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class DocumentResult:
    """A translated document; ``source_lines`` lets callers check that its line structure survived."""

    doc_id: str
    text: str
    segments: list[SegmentRecord]
    source_lines: int
    document: Document | None = None  # the parsed source, for writers that keep its structure (XLIFF)

    @property
    def unmet_terms(self) -> list[tuple[SegmentRecord, TermRecord]]:
        return [(s, t) for s in self.segments for t in s.terms if not t.met]


@dataclass
class _Piece:
    """A unit the model translates: a whole segment, or part of an over-long one."""

    doc: int
    segment: int
    text: str
    terms: list[PlannedTerm]
    target: str = ""
    memory: str | None = None  # as SegmentRecord.memory; "exact" pieces are not decoded


class Translator:
    """Translate Vietnamese text into English with a glossary guarantee.

    >>> tr = Translator.load("Helsinki-NLP/opus-mt-vi-en", glossary=["glossary/data/state.tsv"])  # doctest: +SKIP
    >>> tr.translate_text("Bộ Công Thương chủ trì hội nghị.")  # doctest: +SKIP
    'The Ministry of Industry and Trade chaired the conference.'
    """

    def __init__(
        self,
        loaded: LoadedModel,
        glossary: Glossary | None = None,
        *,
        glossary_mode: str = "hard",
        acronyms: str = "keep",
        search: SearchOptions | None = None,
        group_segments: int = 256,
        max_batch_tokens: int = 6000,
        memory: TranslationMemory | None = None,
    ) -> None:
        if glossary_mode not in GLOSSARY_MODES:
            raise ValueError(f"glossary mode must be one of {GLOSSARY_MODES}, not {glossary_mode!r}")
        self.loaded = loaded
        self.glossary = glossary if glossary_mode != "off" else None
        self.glossary_mode = glossary_mode
        self.acronyms = acronyms
        options = search or SearchOptions()
        self.search = SearchOptions(**{**asdict(options), "hard": glossary_mode == "hard"})
        self.decoder = Decoder(loaded, self.search, max_batch_tokens=max_batch_tokens)
        self.group_segments = group_segments
        self._matcher = self.glossary.matcher() if self.glossary is not None else None
        self._expansions = acronym_expansions(self.glossary.entries) if self.glossary is not None else {}
        self.memory = memory

    @classmethod
    def load(
        cls,
        model: str | os.PathLike[str] | None = None,
        *,
        glossary: Sequence[str | os.PathLike[str]] = (),
        glossary_mode: str = "hard",
        glossary_date: date | None = None,
        acronyms: str = "keep",
        beams: int = 4,
        precision: str = "float32",
        threads: int | None = None,
        search: SearchOptions | None = None,
        max_batch_tokens: int = 6000,
        memory: TranslationMemory | None = None,
    ) -> "Translator":
        """Load a model (HF id or local directory; default from ``VI2EN_MODEL``) and glossary files."""
        configure_threads(threads)
        loaded = load_model(resolve_model_name(str(model) if model is not None else None), precision=precision)
        terms = load_glossary(*glossary) if glossary and glossary_mode != "off" else None
        if terms is not None and glossary_date is not None:
            terms = terms.valid_at(glossary_date)
        options = search or SearchOptions(beams=beams)
        return cls(
            loaded, terms, glossary_mode=glossary_mode, acronyms=acronyms, search=options, max_batch_tokens=max_batch_tokens,
            memory=memory,
        )

    # -- public API -------------------------------------------------------------------------------

    def translate_text(self, text: str) -> str:
        """Translate one article, keeping title, paragraphs, bullets, captions and blank lines."""
        return self.translate_document("text", text).text

    def translate_lines(self, lines: Sequence[str]) -> list[str]:
        """One translation per input line (test sets): never merges or drops a line."""
        result = self.translate_document("lines", "\n".join(lines), lines=True)
        out = result.text.split("\n")
        return out[: len(lines)] if lines else []

    def translate_document(self, doc_id: str, text: str, *, lines: bool = False) -> DocumentResult:
        return next(self.translate_documents([(doc_id, text)], lines=lines))

    def translate_documents(
        self,
        documents: Iterable[tuple[str, str]],
        *,
        lines: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[DocumentResult]:
        """Translate (doc_id, text) pairs, yielding results in input order as groups complete."""
        group: list[tuple[str, Document, int]] = []
        size = 0
        for doc_id, text in documents:
            document = lines_document(text) if lines else parse_document(text)
            group.append((doc_id, document, len(text.split("\n"))))
            size += len(document.segments())
            if size >= self.group_segments:
                yield from self._translate_group(group, progress)
                group, size = [], 0
        if group:
            yield from self._translate_group(group, progress)

    # -- the flow ---------------------------------------------------------------------------------

    def _translate_group(
        self, group: list[tuple[str, Document, int]], progress: Callable[[int], None] | None
    ) -> Iterator[DocumentResult]:
        pieces_by_doc = [self._pieces(d, document) for d, (_, document, _) in enumerate(group)]
        pieces = [p for doc_pieces in pieces_by_doc for p in doc_pieces]
        self._decode([p for p in pieces if p.memory != "exact"], progress)
        if self.glossary is not None:
            self._decode([p for doc_pieces in pieces_by_doc for p in self._inconsistent(doc_pieces)], None)
        for (doc_id, document, source_lines), doc_pieces in zip(group, pieces_by_doc):
            yield self._assemble(doc_id, document, doc_pieces, source_lines)

    def _pieces(self, doc_index: int, document: Document, stale: frozenset[int] = frozenset()) -> list[_Piece]:
        """Split over-long segments and plan the document's terms.

        A segment the memory knows is one undecoded piece, unless its remembered translation lacks a
        required rendering: then it is planned again as ``stale`` and decoded.
        """
        family = self.loaded.family
        pieces: list[_Piece] = []
        for seg_index, segment in enumerate(document.segments()):
            if not segment.strip():
                continue
            remembered = self.memory.exact(segment) if self.memory is not None and seg_index not in stale else None
            if remembered is not None:
                pieces.append(_Piece(doc_index, seg_index, segment, [], remembered, "exact"))
                continue
            for part in split_long(segment, family.max_source_tokens, family.count_source_tokens):
                pieces.append(_Piece(doc_index, seg_index, part, [], memory="stale" if seg_index in stale else None))
        if self._matcher is not None:
            requirements = [requirements_for(p.text, self._matcher) for p in pieces]
            for piece, terms in zip(pieces, plan_document(requirements, self.acronyms, self._expansions)):
                piece.terms = terms
        newly_stale = {p.segment for p in pieces if p.memory == "exact" and not _all_met(p.target, p.terms)}
        return self._pieces(doc_index, document, stale | newly_stale) if newly_stale else pieces

    def _decode(self, pieces: Sequence[_Piece], progress: Callable[[int], None] | None) -> None:
        decoded = self.decoder.decode([DecodeRequest(p.text, p.terms) for p in pieces], progress)
        for piece, out in zip(pieces, decoded):
            piece.target = out.text

    def _inconsistent(self, pieces: list[_Piece]) -> list[_Piece]:
        """Pieces of one document whose terms took another rendering than the document's choice,
        pinned to that choice for re-decoding."""
        used = [(t.key, r) for p in pieces for t in p.terms if (r := _rendering_used(p.target, t)) is not None]
        choices = document_choices(used)
        redo = []
        for piece in (p for p in pieces if p.memory != "exact"):
            pinned = [self._pin(piece.target, term, choices.get(term.key)) for term in piece.terms]
            if pinned != piece.terms:
                piece.terms = pinned
                redo.append(piece)
        return redo

    @staticmethod
    def _pin(target: str, term: PlannedTerm, family: str | None) -> PlannedTerm:
        """``term`` narrowed to the document's choice if ``target`` rendered it otherwise."""
        used = _rendering_used(target, term)
        if family is None or used is None or rendering_family(used) == family:
            return term
        return narrow_to(term, family)

    def _assemble(self, doc_id: str, document: Document, pieces: list[_Piece], source_lines: int) -> DocumentResult:
        segments = document.segments()
        targets = [""] * len(segments)
        terms: list[list[PlannedTerm]] = [[] for _ in segments]
        memory: list[str | None] = [None] * len(segments)
        for piece in pieces:
            targets[piece.segment] = f"{targets[piece.segment]} {piece.target}".strip()
            terms[piece.segment].extend(piece.terms)
            memory[piece.segment] = piece.memory
        records = [
            self._record(doc_id, i, source, target, seg_terms)
            for i, (source, target, seg_terms) in enumerate(zip(segments, targets, terms))
        ]
        if self.memory is not None:
            for record, used in zip(records, memory):
                record.memory = used
                record.memory_offers = self.memory.fuzzy(record.source) if used != "exact" and record.source.strip() else []
        return DocumentResult(doc_id, document.assemble(targets), records, source_lines, document)

    def _record(self, doc_id: str, index: int, source: str, target: str, terms: list[PlannedTerm]) -> SegmentRecord:
        """Verify each term on the final text: the decoder's guarantee is re-checked, never assumed."""
        record = SegmentRecord(doc_id, index, source, target)
        needed: dict[tuple[str, ...], int] = {}
        for term in terms:
            needed[term.renderings] = needed.get(term.renderings, 0) + 1
            rendered = _rendering_used(target, term)
            met = count_rendering(target, term.renderings) >= needed[term.renderings]
            record.terms.append(TermRecord(term.requirement.source_text, list(term.renderings), rendered, met))
            if met and rendered is not None:
                record.double_renderings.extend(find_double_renderings(target, rendered))
        return record


def _all_met(target: str, terms: Sequence[PlannedTerm]) -> bool:
    """Whether ``target`` holds every term, each occurrence counted (two terms with the same
    renderings need two occurrences)."""
    needed = Counter(term.renderings for term in terms)
    return all(count_rendering(target, renderings) >= n for renderings, n in needed.items())


def _rendering_used(target: str, term: PlannedTerm) -> str | None:
    """The first of the term's renderings that occurs in ``target``."""
    for rendering in term.renderings:
        if count_rendering(target, (rendering,)):
            return rendering
    return None
