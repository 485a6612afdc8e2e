"""The translation pipeline: text → segments → terms → decoder → assembled document → records.

:class:`Translator` is the Python API the CLI wraps.  It owns the one-way flow of data:

1. the document is parsed into lines and sentence segments (``translate.document``);
2. glossary matches become required terms of each whole segment, with the names of the article's own
   date, planned per document (acronyms, consistency);
3. a segment longer than the model's input (or whose terms would not fit in the model's output) is
   split at clause boundaries, never inside a term (``translate.segment``), its pieces translated
   separately, then joined: nothing is ever truncated;
4. all pieces of a group of documents are decoded together in length-sorted batches;
5. terms are verified on each segment's final text with the same function the evaluation uses,
   inconsistent renderings re-decoded pinned to the document's choice, double renderings detected,
   and the document reassembled with its structure.

A document from a format (.docx, .html) may mark spans of its segments that carry formatting of their
own (``Document.formatted``).  Each is translated on its own first, and that translation becomes one
more required rendering of its segment (the decoder guarantees it as it guarantees a term), so the
format knows where the span's formatting goes; the segment is still decoded whole, once.  Which spans
can be required, in which forms, and where they landed is ``translate.span_plan``'s.

Documents are processed in groups of bounded size, so memory stays flat on arbitrarily large inputs.
"""

from __future__ import annotations

import copy
import os
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any, Callable, Iterable, Iterator, Sequence

from glossary import Glossary, Matcher, load_glossary
from glossary.requirements import Found, find_deprecated, locate_terms, rendering_family, requirements_for

from .article_date import article_day
from .decoding import DecodeRequest, Decoder, LoadedModel, Renderings, SearchOptions, configure_threads, load_model
from .decoding.search_workers import WorkerKind, check_kind
from .document import Document, FormattedSpan, lines_document, parse_document
from .double_rendering import find_double_renderings
from .glossary_files import BUILTIN, GlossarySpec
from .memory import FUZZY_THRESHOLD, Offer, TranslationMemory
from .options import TranslationOptions, check_count
from .segment import split_long_spans
from .settings import DEFAULT_BATCH_TOKENS
from .span_plan import PlannedSpan, SpanRecord, plan_spans, protected_ranges, require_span, requirements, span_records
from .term_plan import PlannedTerm, acronym_expansions, document_choices, narrow_to, plan_document

#: The options :meth:`Translator.derive` may change: the glossary's, none of the model's or the search's.
DERIVABLE = ("glossary", "glossary_mode", "renderings", "glossary_date", "acronyms")
#: Pieces are made smaller until their terms fit the model's output, but not below this many tokens.
_MIN_PIECE_TOKENS = 8


@dataclass
class TermRecord:
    """One required term occurrence of a segment and how it came out.

    Offsets are character offsets into the segment's ``source`` and ``target``; ``entry`` is where
    the glossary entry was read (``file:line``), or the rule that produced it (a name after a title).
    ``changed`` says whether the constraint changed the output: ``True`` when the unconstrained
    search would not have produced the rendering there, ``None`` when that was not computed
    (``Translator(explain=False)``, the default, saves the second search).
    """

    source: str
    required: list[str]
    rendered: str | None
    met: bool
    source_start: int = 0
    source_end: int = 0
    target_start: int | None = None
    target_end: int | None = None
    approved: str = ""
    type: str = ""
    entry: str = ""
    changed: bool | None = None


@dataclass
class SegmentRecord:
    """A source segment, its translation and its terms: one line of ``--jsonl`` output.

    ``doc`` is the document's id; ``index`` counts the document's segments from 0; ``line`` is the
    1-based line of the source file (what messages name); ``source`` and ``target`` the Vietnamese
    sentence and its English; ``terms`` a :class:`TermRecord` per required glossary term;
    ``double_renderings`` snippets where a forced term stands beside another rendering of the same
    words; ``memory`` and ``memory_offers`` what a translation memory gave; ``spans`` a
    :class:`SpanRecord` per formatted span (documents from .docx and .html files).
    """

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
    line: int = 0
    #: Deprecated renderings of this segment's terms that stand in the target (never forced: flagged).
    deprecated: list[str] = field(default_factory=list)
    spans: list[SpanRecord] = field(default_factory=list)

    def to_json(self) -> dict:
        """The record as plain JSON-ready data (a dict of its fields, terms as dicts): a ``--jsonl`` line."""
        return asdict(self)


@dataclass
class DocumentResult:
    """A translated document; ``source_lines`` lets callers check that its line structure survived.

    ``doc_id`` is the id it was given; ``text`` the English, line for line with the source;
    ``segments`` a :class:`SegmentRecord` per source segment, in order (blank ones included, with an
    empty target).  ``warnings`` name what was not translated as usual (a word longer than the
    model's input kept as it is, a segment the model returned empty), so that nothing is lost silently.
    """

    doc_id: str
    text: str
    segments: list[SegmentRecord]
    source_lines: int
    document: Document | None = None  # the parsed source, for writers that keep its structure (XLIFF)
    date: date | None = None  # the date whose names the glossary used (the article's, or the override)
    warnings: list[str] = field(default_factory=list)
    #: Terms in the parts of lines rendered by rule, not by the model (a photo credit's agency and
    #: photographer), as (1-based line, record with offsets into that part of the source and output line).
    kept_terms: list[tuple[int, TermRecord]] = field(default_factory=list)

    @property
    def terms(self) -> list[TermRecord]:
        """Every required term of the document: the segments' and the kept parts'."""
        return [t for s in self.segments for t in s.terms] + [t for _, t in self.kept_terms]

    @property
    def unmet_terms(self) -> list[tuple[SegmentRecord, TermRecord]]:
        """(segment, term) for every required term the English lacks; empty when all are met."""
        return [(s, t) for s in self.segments for t in s.terms if not t.met]


@dataclass
class _Piece:
    """A unit the model translates: a whole segment, or part of an over-long one."""

    text: str
    terms: list[PlannedTerm]
    target: str = ""
    passthrough: bool = False  # longer than the model's input even alone: kept as it is
    opens_sentence: bool = True  # False for the pieces after the first of a split sentence
    start: int = 0  # where the piece stands in its segment's source
    end: int = 0
    spans: list[PlannedSpan] = field(default_factory=list)  # formatted spans whose translations it must hold

    def required(self) -> list[Renderings]:
        """What the decoder must produce (``span_plan.requirements``)."""
        return requirements(self.terms, self.spans)


@dataclass
class _Segment:
    """A segment of one document with its planned terms and the pieces it is decoded as."""

    index: int
    source: str
    terms: list[PlannedTerm]
    pieces: list[_Piece] = field(default_factory=list)
    memory: str | None = None
    remembered: str = ""  # the memory's translation, for "exact"
    plain: str | None = None  # the unconstrained translation, when explaining
    spans: list[PlannedSpan] = field(default_factory=list)

    @property
    def target(self) -> str:
        if self.memory == "exact":
            return " ".join(self.remembered.split())
        return " ".join(" ".join(p.target.split()) for p in self.pieces if p.target.strip())


@dataclass
class _Job:
    """One document of a group on its way through the pipeline."""

    doc_id: str
    document: Document
    source_lines: int
    day: date | None
    segments: list[_Segment]
    warnings: list[str] = field(default_factory=list)


class Translator:
    """Translate Vietnamese text into English with a glossary guarantee.

    Build one with :meth:`load` (model and glossary files) or, to share a loaded model, directly:
    ``Translator(loaded_model, glossary, ...)``, where ``loaded_model`` comes from
    ``translate.decoding.load_model`` and ``glossary`` is a :class:`~glossary.Glossary` or None.
    Options (all validated here, with a ``ValueError``):

    - ``glossary_mode``: ``"hard"`` (every term guaranteed), ``"soft"`` (preferred) or ``"off"``;
    - ``renderings``: ``"approved"`` (the approved rendering and its grammatical forms, the default)
      or ``"any"`` (alternatives may be produced too);
    - ``glossary_date``: a ``date`` (or ISO string) whose names every document uses; ``None`` (the
      default) lets each article's own date choose;
    - ``acronyms``: ``"keep"`` or ``"first-expand"``;
    - ``explain``: also run the unconstrained search on segments with terms, so each term record says
      whether the constraint changed the output;
    - ``memory``: a :class:`~translate.memory.TranslationMemory` whose exact matches are reused;
    - ``search``: the beam search's :class:`~translate.decoding.beam_search.SearchOptions` (beams,
      length limits); ``group_segments`` and ``max_batch_tokens`` bound memory and batch sizes;
    - ``search_workers``: what searches batches side by side with several torch threads, ``"auto"``
      (processes on a CPU under Linux, else threads), ``"processes"`` or ``"threads"``: the same output
      either way (see ``translate.decoding.search_workers``).

    Then :meth:`translate_text`, :meth:`translate_lines`, :meth:`translate_document` and
    :meth:`translate_documents` translate; each returns the English or :class:`DocumentResult`.
    :meth:`derive` gives a Translator with other glossary options over the same model and decoder.

    >>> tr = Translator.load("Helsinki-NLP/opus-mt-vi-en")  # doctest: +SKIP
    >>> tr.translate_text("Bộ Công Thương chủ trì hội nghị.")  # doctest: +SKIP
    'The Ministry of Industry and Trade chaired the conference.'
    """

    def __init__(
        self,
        loaded: LoadedModel,
        glossary: Glossary | None = None,
        *,
        glossary_mode: str = "hard",
        renderings: str = "approved",
        glossary_date: date | str | None = None,
        acronyms: str = "keep",
        search: SearchOptions | None = None,
        group_segments: int = 256,
        max_batch_tokens: int = DEFAULT_BATCH_TOKENS,
        memory: TranslationMemory | None = None,
        explain: bool = False,
        options: TranslationOptions | None = None,
        search_workers: WorkerKind = "auto",
    ) -> None:
        search = search or SearchOptions()
        # Validated once, by the options object; ``options`` (from :meth:`load`) adds the files' identities.
        described = options or TranslationOptions(loaded.name, precision=loaded.precision, device=loaded.device.type)
        self.options = replace(described, beams=search.beams, explain=explain)
        self.search = search
        self._use_glossary(glossary, glossary_mode, renderings, glossary_date, acronyms)
        check_count("group_segments", group_segments)
        check_count("max_batch_tokens", max_batch_tokens)
        self.loaded = loaded
        # One decoder for every mode: hard or soft is chosen per decode call (explaining runs it unconstrained).
        self.decoder = Decoder(loaded, self.search, max_batch_tokens=max_batch_tokens, workers=search_workers)
        self.explain = explain
        self.group_segments = group_segments
        self.memory = memory

    def _use_glossary(self, glossary: Glossary | None, glossary_mode: str, renderings: str,
                      glossary_date: date | str | None, acronyms: str) -> None:
        """Take these glossary options (validated by the options object) and reset what is built from them."""
        self.options = replace(self.options, glossary_mode=glossary_mode, renderings=renderings,
                               glossary_date=glossary_date, acronyms=acronyms)
        self.glossary = glossary if glossary_mode != "off" else None
        self.glossary_mode = glossary_mode
        self.renderings = renderings
        self.glossary_date = self.options.glossary_date
        self.acronyms = acronyms
        self.search = replace(self.search, hard=glossary_mode == "hard")
        self._matchers: dict[date | None, Matcher] = {}
        self._expansions = acronym_expansions(self.glossary.entries) if self.glossary is not None else {}

    def close(self) -> None:
        """End the decoder's search workers (forked processes on Linux) now, a search in flight included,
        rather than when the Translator is collected or the interpreter exits; a later call starts new ones.
        Translators derived from this one share its decoder.  ``with Translator.load(...) as tr:`` closes too."""
        self.decoder.close()

    def __enter__(self) -> Translator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def derive(self, **options: Any) -> Translator:
        """A Translator over this one's loaded model and :class:`~translate.decoding.Decoder` with other
        glossary options: ``glossary``, ``glossary_mode``, ``renderings``, ``glossary_date``, ``acronyms``
        (as the constructor takes them, validated the same way; those not given are this one's).

        For a server whose requests bring their own glossary choices: a Translator built anew would
        build its own decoder (output tables, vocabulary masks, a worker pool), while a derived one
        costs only its glossary's matchers.  The search, batch sizes, memory and ``explain`` are
        this one's, and so is the class (a subclass derives its own kind).  ``options.glossary``
        still names this one's files: an inline ``glossary`` object has none.  Not thread-safe
        against this one: both decode on the same decoder, so call them from one thread.
        """
        unknown = sorted(set(options) - set(DERIVABLE))
        if unknown:
            raise TypeError(f"derive() takes only {', '.join(DERIVABLE)}, not {', '.join(unknown)}")
        chosen = {"glossary": self.glossary, "glossary_mode": self.glossary_mode, "renderings": self.renderings,
                  "glossary_date": self.glossary_date, "acronyms": self.acronyms, **options}
        derived = copy.copy(self)
        derived._use_glossary(**chosen)
        return derived

    @classmethod
    def load(
        cls,
        model: str | os.PathLike[str] | None = None,
        *,
        glossary: GlossarySpec = BUILTIN,
        glossary_mode: str = "hard",
        renderings: str = "approved",
        glossary_date: date | str | None = None,
        acronyms: str = "keep",
        beams: int = 4,
        precision: str = "float32",
        device: str = "cpu",
        threads: int | None = None,
        search: SearchOptions | None = None,
        max_batch_tokens: int = DEFAULT_BATCH_TOKENS,
        memory: TranslationMemory | None = None,
        explain: bool = False,
        tm: Sequence[str | os.PathLike[str]] = (),
        tm_threshold: float = FUZZY_THRESHOLD,
        options: TranslationOptions | None = None,
        search_workers: WorkerKind = "auto",
        before_model: Callable[[Glossary | None], None] | None = None,
    ) -> "Translator":
        """Load a model and glossary files, and build a translator.

        ``model`` is a Hugging Face id or a local directory (default: ``$VI2EN_MODEL``, else
        ``Helsinki-NLP/opus-mt-vi-en``). ``glossary`` is one path, ``"builtin"`` (the curated glossary,
        the default, as on the command line), or a sequence of them (later files override earlier
        ones); ``()`` for none. ``beams``, ``precision`` (``"float32"``/``"int8"`` on CPU,
        ``"float16"``/``"bfloat16"`` on CUDA), ``device`` (``"cpu"``, ``"cuda"``, ``"auto"``) and
        ``threads`` shape the search; ``tm`` names translation-memory files (fuzzy offers from a
        similarity of ``tm_threshold``, 0-100; ``memory``, an already loaded one, wins); the other options
        (``search_workers`` among them) are those of the class. ``options``, a
        :class:`~translate.options.TranslationOptions`, replaces all the keywords that shape the
        output. ``before_model`` is called as ``before_model(glossary)`` once the glossary and memory files
        are read and the model is about to load, with the glossary read (or None): the slow part comes next,
        so the command line prints the glossary's warnings and then announces the model there, and a broken
        glossary is reported without a "loading model" line before it. Raises ``ValueError`` for a bad option,
        ``ModelNotAvailable`` when the model cannot be loaded, ``GlossaryError`` for a broken glossary file
        (every problem with its file and line).
        """
        if threads is not None:
            check_count("threads", threads)
        check_kind(search_workers)
        if options is None:
            options = TranslationOptions.resolve(
                model, glossary=glossary, glossary_mode=glossary_mode, tm=tm, renderings=renderings,
                glossary_date=glossary_date, acronyms=acronyms, beams=search.beams if search else beams,
                precision=precision, device=device, explain=explain, tm_threshold=tm_threshold,
            )
        terms = load_glossary(*options.glossary) if options.glossary and options.glossary_mode != "off" else None
        if memory is None and options.tm:
            memory = TranslationMemory.load(options.tm, fuzzy_threshold=options.tm_threshold)
        configure_threads(threads)
        if before_model is not None:
            before_model(terms)
        loaded = load_model(options.model, precision=options.precision, device=options.device, decoders_only=True)
        return cls(
            loaded, terms, glossary_mode=options.glossary_mode, renderings=options.renderings,
            glossary_date=options.glossary_date, acronyms=options.acronyms,
            search=replace(search or SearchOptions(), beams=options.beams), max_batch_tokens=max_batch_tokens,
            memory=memory, explain=options.explain, options=options, search_workers=search_workers,
        )

    # -- public API -------------------------------------------------------------------------------

    def translate_text(self, text: str) -> str:
        """Translate one article (``text``: lines, paragraphs, a title, bullets, captions, blank lines, as
        a .txt file holds them) and return the English as a string with the same lines."""
        return self.translate_document("text", text).text

    def translate_lines(self, lines: Sequence[str]) -> list[str]:
        """Translate ``lines`` one by one (test sets) and return a list with one English line per line:
        never merges or drops a line; an empty line stays empty."""
        result = self.translate_document("lines", "\n".join(lines), lines=True)
        out = result.text.split("\n")
        return out[: len(lines)] if lines else []

    def translate_document(self, doc_id: str, text: str, *, lines: bool = False) -> DocumentResult:
        """Translate one document's ``text``; ``doc_id`` names it in the records, ``lines`` makes every
        line one unit.  Returns a :class:`DocumentResult`: the English text and a record per segment."""
        return next(self.translate_documents([(doc_id, text)], lines=lines))

    def translate_documents(
        self,
        documents: Iterable[tuple[str, str | Document]],
        *,
        lines: bool = False,
        progress: Callable[[int], None] | None = None,
        planned: Callable[[int], None] | None = None,
    ) -> Iterator[DocumentResult]:
        """Translate (doc_id, text) pairs, yielding a :class:`DocumentResult` per document, in input order,
        as groups complete.

        ``documents``: (doc_id, text) pairs, read lazily, so an input of any size streams through
        groups of about ``group_segments`` segments; a pair may carry an already parsed
        :class:`~translate.document.Document` instead of text (formats with their own structure);
        its article date is the one its format's metadata gives (``Document.published``), else its text's. ``lines``: every line is one unit (test sets).
        ``planned(n)`` is told, once a group is planned, how many segments it will decode, and
        ``progress(n)`` of every n of them decoded, so the two make a progress bar's total and count
        (a segment longer than the model's input counts once per piece; memory matches not at all).
        Returns an iterator of :class:`DocumentResult`, one per pair."""
        group: list[_Job] = []
        size = 0
        for doc_id, source in documents:
            if isinstance(source, Document):  # parsed by the caller (Markdown, Word, HTML): used as it is
                document, text = source, source.source_text()
            else:
                document, text = (lines_document(source) if lines else parse_document(source)), source
            day = self.glossary_date or (None if lines else article_day(text, document.published))
            job = _Job(doc_id, document, len(text.split("\n")), day, [])
            job.segments = self._plan(job)
            group.append(job)
            size += len(job.segments)
            if size >= self.group_segments:
                yield from self._translate_group(group, progress, planned)
                group, size = [], 0
        if group:
            yield from self._translate_group(group, progress, planned)

    # -- the flow ---------------------------------------------------------------------------------

    def _translate_group(
        self, group: list[_Job], progress: Callable[[int], None] | None, planned: Callable[[int], None] | None = None
    ) -> Iterator[DocumentResult]:
        spans = [span for job in group for s in job.segments for span in s.spans if span.holder is not None]
        alone = _span_pieces(spans)
        pieces = [p for job in group for s in job.segments if s.memory != "exact" for p in s.pieces if not p.passthrough]
        if planned is not None:
            planned(len(alone) + len(pieces))
        if alone:  # the formatted spans alone first: their translations are required below
            self._decode(list(alone.values()), progress)
            for span in spans:
                span.translation = alone[span.alone].target
            for job in group:
                for segment in job.segments:
                    self._require_spans(segment)
        self._decode(pieces, progress)
        if self.glossary is not None:
            self._decode([p for job in group for p in self._inconsistent(job.segments)], None)
        if self.explain:
            self._explain([s for job in group for s in job.segments if s.terms and s.memory != "exact"])
        for job in group:
            yield self._assemble(job)

    def _matcher(self, day: date | None) -> Matcher | None:
        """The glossary's matcher preferring the names valid on ``day`` (today when None).

        Expired names still match where no current entry has the form, so an old ministry named in a
        new article keeps its historical name instead of being dropped.
        """
        if self.glossary is None:
            return None
        if day not in self._matchers:
            self._matchers[day] = Matcher(self.glossary.entries, today=day)
        return self._matchers[day]

    def _plan(self, job: _Job) -> list[_Segment]:
        """The document's segments with their terms (matched on whole segments), memory and pieces."""
        matcher = self._matcher(job.day)
        sources = job.document.segments()
        found = [requirements_for(s, matcher, self.renderings) if matcher and s.strip() else [] for s in sources]
        planned = plan_document(found, self.acronyms, self._expansions)
        formatted: dict[int, list[FormattedSpan]] = {}
        for span in job.document.formatted:
            formatted.setdefault(span.segment, []).append(span)
        segments = []
        for index, (source, terms) in enumerate(zip(sources, planned)):
            if not source.strip():
                continue
            segment = _Segment(index, source, terms)
            remembered = self.memory.exact(source) if self.memory is not None else None
            if remembered is not None and _all_met(remembered, terms):
                segment.memory, segment.remembered = "exact", remembered
            else:
                segment.memory = "stale" if remembered is not None else None
                segment.pieces = self._split(segment, formatted.get(index, []), job.warnings)
            segment.spans = plan_spans(source, terms, formatted.get(index, []),
                                       [None if p.passthrough else (p.start, p.end) for p in segment.pieces],
                                       remembered=segment.memory == "exact")
            segments.append(segment)
        return segments

    def _split(self, segment: _Segment, formatted: Sequence[FormattedSpan], warnings: list[str]) -> list[_Piece]:
        """Pieces that fit the model's input, each with its terms fitting the model's output.

        Terms are never cut (their spans are unbreakable), nor formatted spans that fit in half the
        input (``span_plan.protected_ranges``); a piece whose forced terms alone would
        exceed the output is split smaller, down to ``_MIN_PIECE_TOKENS``.  A single word longer than
        the input (a pasted data URI, say) is kept as it is, with a warning.
        """
        decoder, room = self.decoder, self.decoder.target_room
        max_tokens = decoder.max_source_tokens
        unbreakable = [(t.requirement.start, t.requirement.end) for t in segment.terms]
        unbreakable += protected_ranges(segment.source, formatted, decoder.count_source_tokens, max_tokens)
        while True:
            pieces = []
            for start, end in split_long_spans(segment.source, max_tokens, decoder.count_source_tokens, unbreakable):
                terms = [t for t in segment.terms if start <= t.requirement.start < end]
                # Only the first piece's output starts the sentence (where a capitalised form is right).
                pieces.append(_Piece(" ".join(segment.source[start:end].split()), terms, opens_sentence=not pieces,
                                     start=start, end=end))
            crowded = room is not None and any(decoder.constraint_tokens([t.renderings for t in p.terms]) >= room for p in pieces)
            if not crowded or max_tokens <= _MIN_PIECE_TOKENS:
                break
            max_tokens = max(_MIN_PIECE_TOKENS, max_tokens // 2)
        for piece in pieces:
            if decoder.count_source_tokens(piece.text) > decoder.max_source_tokens:
                piece.passthrough, piece.target = True, piece.text
                warnings.append(
                    f"segment {segment.index + 1}: a {len(piece.text):,}-character word is longer than the model's "
                    f"input ({decoder.max_source_tokens} tokens) and was kept untranslated"
                )
        return pieces

    def _decode(self, pieces: Sequence[_Piece], progress: Callable[[int], None] | None, *, hard: bool | None = None) -> None:
        """Decode ``pieces`` into their targets, in this Translator's mode unless ``hard`` says otherwise."""
        requests = [
            DecodeRequest(p.text, p.required(), p.opens_sentence,
                          sorted({d for t in p.terms for d in t.requirement.entry.en_deprecated}))
            for p in pieces
        ]
        decoded = self.decoder.decode(requests, progress, hard=self.search.hard if hard is None else hard)
        for piece, out in zip(pieces, decoded):
            piece.target = out.text

    def _require_spans(self, segment: _Segment) -> None:
        """Add each formatted span's own translation to what its piece must produce, where that is safe;
        elsewhere the span's note says why not (and the format reports the span)."""
        for span in segment.spans:
            if span.holder is None:
                continue
            holder = segment.pieces[span.holder]
            if require_span(span, segment.source, holder.terms, holder.spans,
                            self.decoder.constraint_tokens, self.decoder.target_room):
                holder.spans.append(span)

    def _explain(self, segments: Sequence[_Segment]) -> None:
        """The unconstrained translation of each segment, to tell which terms the constraints changed."""
        plain = [[_Piece(p.text, []) for p in s.pieces if not p.passthrough] for s in segments]
        self._decode([p for pieces in plain for p in pieces], None, hard=False)
        for segment, pieces in zip(segments, plain):
            segment.plain = " ".join(p.target for p in pieces)

    def _inconsistent(self, segments: list[_Segment]) -> list[_Piece]:
        """Pieces of one document whose terms took another rendering family than the document's choice,
        pinned to that choice for re-decoding (only possible with ``renderings="any"``)."""
        used = []
        for segment in segments:
            for term, found in zip(segment.terms, locate_terms(segment.target, [t.renderings for t in segment.terms])):
                if found is not None:
                    used.append((term, found.rendering))
        choices = document_choices(used)
        redo = []
        for segment in segments:
            if segment.memory == "exact":
                continue
            for piece in segment.pieces:
                located = locate_terms(piece.target, [t.renderings for t in piece.terms])
                pinned = [
                    narrow_to(t, choices[t.key])
                    if f is not None and rendering_family(t.requirement.entry, f.rendering) != choices[t.key]
                    else t
                    for t, f in zip(piece.terms, located)
                ]
                if pinned != piece.terms:
                    piece.terms = pinned
                    redo.append(piece)
        return redo

    def _assemble(self, job: _Job) -> DocumentResult:
        sources = job.document.segments()
        lines = [line + 1 for line, _ in job.document.segment_positions()]
        targets = [""] * len(sources)
        records = [SegmentRecord(job.doc_id, i, source, "", line=lines[i]) for i, source in enumerate(sources)]
        for segment in job.segments:
            targets[segment.index] = segment.target
            records[segment.index] = record = self._record(job.doc_id, segment, lines[segment.index])
            if record.deprecated:
                job.warnings.append(f"line {record.line}: deprecated rendering {', '.join(map(repr, record.deprecated))} "
                                    "in the translation (the glossary never forces it)")
            if not segment.target and any(c.isalnum() for c in segment.source):
                job.warnings.append(f"segment {segment.index + 1} (line {lines[segment.index]}): the model returned no text")
        return DocumentResult(
            job.doc_id, job.document.assemble(targets), records, job.source_lines, job.document, job.day, job.warnings,
            self._kept_terms(job),
        )

    def _kept_terms(self, job: _Job) -> list[tuple[int, TermRecord]]:
        """Terms in the parts of lines written by rule (credits): the evaluation sees them in the
        output like any other, so the run counts them too."""
        matcher = self._matcher(job.day)
        if matcher is None:
            return []
        kept = []
        for number, line in enumerate(job.document.lines, start=1):
            if not line.has_credit:
                continue
            terms = [PlannedTerm(r, r.renderings) for r in requirements_for(line.suffix, matcher, self.renderings)]
            located = locate_terms(line.output_suffix, [t.renderings for t in terms])
            kept += [(number, _term_record(term, found, None)) for term, found in zip(terms, located)]
        return kept

    def _record(self, doc_id: str, segment: _Segment, line: int) -> SegmentRecord:
        """Verify each term on the final text: the decoder's guarantee is re-checked, never assumed."""
        target = segment.target
        record = SegmentRecord(doc_id, segment.index, segment.source, target, memory=segment.memory, line=line)
        if self.memory is not None and segment.memory != "exact":
            record.memory_offers = self.memory.fuzzy(segment.source)
        renderings = [t.renderings for t in segment.terms]
        located = locate_terms(target, renderings)
        plain = locate_terms(segment.plain, renderings) if segment.plain is not None else None
        for number, (term, found) in enumerate(zip(segment.terms, located)):
            record.terms.append(_term_record(term, found, None if plain is None else plain[number] is None))
        # Once per rendering: two occurrences of one term would report the same doubled words twice.
        for rendering in dict.fromkeys(found.rendering for found in located if found is not None):
            record.double_renderings.extend(find_double_renderings(target, rendering))
        entries = {id(t.requirement.entry): t.requirement.entry for t in segment.terms}.values()
        record.deprecated = sorted({f.rendering for entry in entries for f in find_deprecated(target, entry)})
        record.spans = span_records(target, segment.spans)
        return record


def _term_record(term: PlannedTerm, found: Found | None, changed: bool | None) -> TermRecord:
    requirement = term.requirement
    entry = requirement.entry
    origin = entry.location or entry.source
    return TermRecord(
        requirement.source_text, list(term.renderings), found.rendering if found else None, found is not None,
        requirement.start, requirement.end, found.start if found else None, found.end if found else None,
        term.renderings[0], entry.type.value, origin, changed,
    )


def _span_pieces(spans: Sequence[PlannedSpan]) -> dict[tuple[str, tuple[Renderings, ...]], _Piece]:
    """The pieces translating ``spans`` alone, one per distinct text and terms (``PlannedSpan.alone``):
    a phrase bold twice is decoded once, and both occurrences then require the same rendering."""
    pieces: dict[tuple[str, tuple[Renderings, ...]], _Piece] = {}
    for span in spans:
        pieces.setdefault(span.alone, _Piece(span.alone[0], span.terms))
    return pieces


def _all_met(target: str, terms: Sequence[PlannedTerm]) -> bool:
    """Whether ``target`` holds every term, each occurrence counted (two terms with the same
    renderings need two occurrences)."""
    return all(found is not None for found in locate_terms(target, [t.renderings for t in terms]))

