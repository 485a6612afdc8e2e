"""XLIFF 2.1 and 1.2: bilingual files for post-editing a translation in a CAT tool, and reading them back.

Writing (``vi2en translate --format xliff|xliff12``): one file per document, ``srcLang="vi"``,
``trgLang="en"``.

* XLIFF 2.1: a ``<unit>`` per paragraph or structural line (``type="v2e:title"``, ``v2e:bullet`` …)
  and a ``<segment state="translated">`` per sentence, sentences separated by ``<ignorable>`` spaces.
* XLIFF 1.2 (older tools, Amazon Translate's batch jobs): a ``<group>`` per line and a
  ``<trans-unit>`` per sentence.

The source structure a CAT tool does not translate (list markers, the metadata header, photo credits
and their English rendering, blank lines, datelines, line endings) is kept in a vi2en skeleton — in
``<skeleton>`` (2.1) or in ``<header>`` (1.2), both of which admit foreign elements — so that
:meth:`XliffDocument.text` rebuilds the English document line for line, through
:meth:`translate.document.Document.assemble` as the translation itself was.

Every glossary term is marked in source and target (``<mrk type="term">`` / ``<mrk mtype="term">``,
the approved rendering in ``value``/``comment`` and ``v2e:`` attributes with all renderings, the
entry's ``file:line`` and its type), so the editor sees which words were forced; a term is marked in
the target where the pipeline's own term check found it (``TermRecord`` offsets).  The machine output is kept as a candidate
(``<mtc:match type="mt" origin="vi2en">`` / ``<alt-trans tool-id="vi2en">``), which is what the edit
rate is measured against on import; fuzzy translation-memory matches are further candidates.
Built and parsed with lxml.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from lxml import etree

from .document import Document, Line

if TYPE_CHECKING:  # the records' types only: reading or writing XLIFF does not need the pipeline's torch
    from .pipeline import DocumentResult, SegmentRecord, TermRecord

XLIFF2_NS = "urn:oasis:names:tc:xliff:document:2.0"
XLIFF12_NS = "urn:oasis:names:tc:xliff:document:1.2"
MTC_NS = "urn:oasis:names:tc:xliff:matches:2.0"
GLS_NS = "urn:oasis:names:tc:xliff:glossary:2.0"
V2E_NS = "urn:vi2en:xliff:1"
XML_NS = "http://www.w3.org/XML/1998/namespace"
SOURCE_LANG, TARGET_LANG = "vi", "en"
MT_ORIGIN = "vi2en"
#: States an editor gives a segment they have approved.
APPROVED_STATES_2 = frozenset({"reviewed", "final"})
APPROVED_STATES_12 = frozenset({"final", "signed-off"})
#: Inline codes whose content is native markup, not text (1.2 ``bpt``/``ept``/``ph``/``it``; 2.x ``originalData``).
_CODE_ELEMENTS = frozenset({"bpt", "ept", "ph", "it", "sub", "originalData"})


class XliffError(Exception):
    """An XLIFF file that cannot be read back; the message names the file and the problem."""


def _v(name: str) -> str:
    return f"{{{V2E_NS}}}{name}"


# -- writing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mark:
    """A term to mark: text[start:end] of a source or target."""

    start: int
    end: int
    id: str
    term: TermRecord


def _term_attributes(term: TermRecord) -> dict[str, str]:
    """The ``v2e:`` attributes describing a term's glossary entry (the same on source and target marks)."""
    return {_v("renderings"): " | ".join(term.required), _v("entry"): term.entry, _v("type"): term.type}


def _source_marks(record: SegmentRecord) -> list[_Mark]:
    """Each term at its place in the source."""
    return [_Mark(t.source_start, t.source_end, f"t{record.index}-{n}", t) for n, t in enumerate(record.terms, 1)]


def _target_marks(record: SegmentRecord) -> list[_Mark]:
    """Each met term where the check found its rendering in the target."""
    return [
        _Mark(t.target_start, t.target_end, f"t{record.index}-{n}", t)
        for n, t in enumerate(record.terms, 1)
        if t.target_start is not None and t.target_end is not None
    ]


def _fill(element: etree._Element, text: str, marks: Sequence[_Mark], make_mark: Callable[[etree._Element, _Mark], etree._Element]) -> None:
    """Set ``element``'s mixed content to ``text`` with each mark wrapped by ``make_mark``.

    A mark inside another (a term within a longer term) is nested in it; one that only partly overlaps
    an earlier mark cannot be expressed in XML and is left out."""
    _fill_span(element, text, 0, len(text), sorted(marks, key=lambda m: (m.start, -m.end)), make_mark)


def _fill_span(element: etree._Element, text: str, start: int, end: int, marks: list[_Mark],
               make_mark: Callable[[etree._Element, _Mark], etree._Element]) -> None:
    """Fill ``element`` with text[start:end]; ``marks`` (sorted, all within the span) become its children."""
    element.text, last, cursor = text[start:end], None, start
    while marks:
        mark = marks.pop(0)
        if mark.start < cursor or mark.end > end:
            continue  # partial overlap
        inner = [m for m in marks if m.end <= mark.end]
        marks[:] = [m for m in marks if m.end > mark.end]
        before = text[cursor : mark.start]
        if last is None:
            element.text = before
        else:
            last.tail = before
        last = make_mark(element, mark)
        _fill_span(last, text, mark.start, mark.end, inner, make_mark)
        cursor = mark.end
    if last is not None:
        last.tail = text[cursor:end]


def _skeleton_line(parent: etree._Element, line: Line, unit: str | None) -> None:
    """One ``v2e:line`` of the skeleton: everything about the line but its sentences (the units hold those)."""
    attributes = {
        "kind": line.kind, "prefix": line.prefix, "suffix": line.suffix, "suffix-en": line.output_suffix,
        "ending": line.ending, "segments": str(len(line.sentences)),
    }
    if unit is not None:
        attributes["unit"] = unit
    etree.SubElement(parent, _v("line"), attributes)


def _lines_with_records(result: DocumentResult) -> Iterable[tuple[int, Line, list[SegmentRecord]]]:
    """Each line of the document with the records of its sentences."""
    document = _document_of(result)
    by_line: dict[int, list[SegmentRecord]] = {}
    for record, (line_index, _) in zip(result.segments, document.segment_positions()):
        by_line.setdefault(line_index, []).append(record)
    for index, line in enumerate(document.lines):
        yield index, line, by_line.get(index, [])


def _document_of(result: DocumentResult) -> Document:
    if result.document is None:
        raise ValueError(f"{result.doc_id}: the result carries no parsed document; XLIFF needs its structure")
    return result.document


def _unit_id(line_index: int) -> str:
    return f"u{line_index + 1}"


def _translatable(records: Sequence[SegmentRecord]) -> bool:
    return any(r.source.strip() for r in records)


def _serialise(root: etree._Element) -> str:
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True).decode("utf-8")


def xliff21(result: DocumentResult) -> str:
    """The XLIFF 2.1 document of one translated document."""
    x = f"{{{XLIFF2_NS}}}"
    root = etree.Element(
        x + "xliff", {"version": "2.1", "srcLang": SOURCE_LANG, "trgLang": TARGET_LANG},
        nsmap={None: XLIFF2_NS, "mtc": MTC_NS, "gls": GLS_NS, "v2e": V2E_NS},
    )
    file = etree.SubElement(root, x + "file", id="f1", original=result.doc_id)
    skeleton = etree.SubElement(etree.SubElement(file, x + "skeleton"), _v("lines"))
    for line_index, line, records in _lines_with_records(result):
        translatable = _translatable(records)
        _skeleton_line(skeleton, line, _unit_id(line_index) if translatable else None)
        if not translatable:
            continue
        unit = etree.SubElement(file, x + "unit", id=_unit_id(line_index), name=f"line {line_index + 1}", type=f"v2e:{line.kind}")
        _matches_21(unit, records)
        _glossary_21(unit, records)
        _notes_21(unit, records)
        for position, record in enumerate(records):
            if position:
                ignorable = etree.SubElement(unit, x + "ignorable")
                etree.SubElement(ignorable, x + "source").text = " "
                etree.SubElement(ignorable, x + "target").text = " "
            attributes = {"id": f"s{record.index}", "state": "translated"}
            if record.memory == "exact":
                attributes["subState"] = "vi2en:memory"
            segment = etree.SubElement(unit, x + "segment", attributes)

            def mark(parent: etree._Element, m: _Mark) -> etree._Element:
                return etree.SubElement(
                    parent, x + "mrk", {"id": m.id, "type": "term", "value": m.term.approved, **_term_attributes(m.term)}
                )

            _fill(etree.SubElement(segment, x + "source"), record.source, _source_marks(record), mark)
            _fill(etree.SubElement(segment, x + "target"), record.target, _target_marks(record), mark)
    return _serialise(root)


def _matches_21(unit: etree._Element, records: Sequence[SegmentRecord]) -> None:
    """The machine output and fuzzy memory offers of each segment, as translation candidates."""
    matches = etree.SubElement(unit, f"{{{MTC_NS}}}matches")
    for record in records:
        candidates = [("mt", MT_ORIGIN, None, record.source, record.target)]
        candidates += [("tm", o.origin, o.score, o.source, o.target) for o in record.memory_offers]
        for kind, origin, score, source, target in candidates:
            match = etree.SubElement(matches, f"{{{MTC_NS}}}match", ref=f"#s{record.index}", type=kind, origin=origin)
            if score is not None:
                match.set("similarity", f"{score:g}")
            etree.SubElement(match, f"{{{XLIFF2_NS}}}source").text = source
            etree.SubElement(match, f"{{{XLIFF2_NS}}}target").text = target


def _glossary_21(unit: etree._Element, records: Sequence[SegmentRecord]) -> None:
    """The Glossary module: each term's approved rendering, for tools that list a unit's terms."""
    marks = [m for record in records for m in _source_marks(record)]
    if not marks:
        return
    glossary = etree.SubElement(unit, f"{{{GLS_NS}}}glossary")
    for mark in marks:
        entry = etree.SubElement(glossary, f"{{{GLS_NS}}}glossEntry", ref=f"#{mark.id}")
        etree.SubElement(entry, f"{{{GLS_NS}}}term", source=mark.term.entry or "vi2en").text = mark.term.source
        for rendering in mark.term.required:
            etree.SubElement(entry, f"{{{GLS_NS}}}translation").text = rendering


def _notes(record: SegmentRecord) -> list[str]:
    """What the editor must know about a segment: unmet terms, a stale memory match."""
    notes = [f"s{record.index}: required term not rendered: {t.source!r} → {' | '.join(t.required)}" for t in record.terms if not t.met]
    if record.memory == "stale":
        notes.append(f"s{record.index}: the memory's translation lacks a required glossary rendering; decoded instead")
    return notes


def _notes_21(unit: etree._Element, records: Sequence[SegmentRecord]) -> None:
    texts = [note for record in records for note in _notes(record)]
    if texts:
        notes = etree.SubElement(unit, f"{{{XLIFF2_NS}}}notes")
        for text in texts:
            etree.SubElement(notes, f"{{{XLIFF2_NS}}}note", category="vi2en").text = text


def xliff12(result: DocumentResult) -> str:
    """The XLIFF 1.2 document of one translated document."""
    x = f"{{{XLIFF12_NS}}}"
    root = etree.Element(x + "xliff", version="1.2", nsmap={None: XLIFF12_NS, "v2e": V2E_NS})
    file = etree.SubElement(
        root, x + "file", {"original": result.doc_id, "source-language": SOURCE_LANG, "target-language": TARGET_LANG,
                           "datatype": "plaintext", "tool-id": MT_ORIGIN},
    )
    header = etree.SubElement(file, x + "header")
    etree.SubElement(header, x + "tool", {"tool-id": MT_ORIGIN, "tool-name": "vi2en"})
    skeleton = etree.SubElement(header, _v("lines"))
    body = etree.SubElement(file, x + "body")

    def mark(parent: etree._Element, m: _Mark) -> etree._Element:
        comment = f"approved: {m.term.approved}"
        return etree.SubElement(parent, x + "mrk", {"mtype": "term", "mid": m.id, "comment": comment, **_term_attributes(m.term)})

    for line_index, line, records in _lines_with_records(result):
        translatable = _translatable(records)
        _skeleton_line(skeleton, line, _unit_id(line_index) if translatable else None)
        if not translatable:
            continue
        group = etree.SubElement(body, x + "group", id=_unit_id(line_index), restype=f"x-vi2en-{line.kind}")
        for record in records:
            unit = etree.SubElement(group, x + "trans-unit", {"id": f"s{record.index}", "approved": "no", f"{{{XML_NS}}}space": "preserve"})
            _fill(etree.SubElement(unit, x + "source"), record.source, _source_marks(record), mark)
            target = etree.SubElement(unit, x + "target", state="translated")
            if record.memory == "exact":
                target.set("state-qualifier", "exact-match")
            _fill(target, record.target, _target_marks(record), mark)
            for text in _notes(record):
                etree.SubElement(unit, x + "note", {"from": MT_ORIGIN}).text = text
            candidates = [({"tool-id": MT_ORIGIN, "origin": "machine translation"}, record.target)]
            candidates += [({"origin": o.origin, "match-quality": f"{o.score:g}"}, o.target) for o in record.memory_offers]
            offers = [record.source] + [o.source for o in record.memory_offers]
            for (attributes, text), source in zip(candidates, offers):
                alt = etree.SubElement(unit, x + "alt-trans", attributes)
                etree.SubElement(alt, x + "source").text = source
                etree.SubElement(alt, x + "target").text = text
    return _serialise(root)


# -- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkedTerm:
    """A term marked in the source: its text, the renderings it required (approved first), and its
    glossary entry (``file:line``, or the rule that made it, e.g. a name after a title) and type."""

    source: str
    renderings: tuple[str, ...]
    entry: str = ""
    type: str = ""


@dataclass
class XliffSegment:
    """One sentence as the editor left it; ``machine`` is vi2en's output (None if the file lost it)."""

    id: str
    line: int  # index of the document line it belongs to
    source: str
    target: str
    machine: str | None
    approved: bool
    terms: list[MarkedTerm] = field(default_factory=list)


@dataclass
class XliffDocument:
    """A post-edited document read back from XLIFF 1.2 or 2.x."""

    path: Path
    version: str
    doc_id: str
    lines: tuple[Line, ...]
    segments: list[XliffSegment]

    def text(self) -> str:
        """The final English document, with the source's structure."""
        by_line: dict[int, list[str]] = {}
        for segment in self.segments:
            by_line.setdefault(segment.line, []).append(segment.target)
        targets = [t for index, line in enumerate(self.lines) for t in by_line.get(index, [""] * len(line.sentences))]
        return Document(self.lines).assemble(targets)


def _text_of(element: etree._Element | None) -> str:
    """The text of a source/target, inline markup's own content (native codes) left out."""
    if element is None:
        return ""
    parts = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):  # comments, processing instructions
            parts.append(child.tail or "")
            continue
        if etree.QName(child).localname not in _CODE_ELEMENTS:
            parts.append(_text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _marked_terms(source: etree._Element | None, ns: str, kind_attribute: str) -> list[MarkedTerm]:
    if source is None:
        return []
    terms = []
    for mrk in source.iter(f"{{{ns}}}mrk"):
        if mrk.get(kind_attribute) != "term":
            continue
        renderings = tuple(r for r in (mrk.get(_v("renderings")) or "").split(" | ") if r)
        if not renderings and mrk.get("value"):
            renderings = (mrk.get("value"),)
        terms.append(MarkedTerm(_text_of(mrk), renderings, mrk.get(_v("entry")) or "", mrk.get(_v("type")) or ""))
    return terms


def _skeleton(file: etree._Element, path: Path) -> tuple[tuple[Line, ...], dict[str, int]]:
    """The document's lines (sentences left empty, filled from the units) and each unit's line index."""
    container = file.find(f".//{_v('lines')}")
    if container is None:
        raise XliffError(f"{path}: no vi2en skeleton: only XLIFF written by 'vi2en translate --format xliff|xliff12' can be imported")
    lines, units = [], {}
    for index, element in enumerate(container.iter(_v("line"))):
        count = int(element.get("segments") or 0)
        lines.append(Line(element.get("prefix", ""), "", element.get("suffix", ""), element.get("kind", "paragraph"),
                          element.get("ending", ""), element.get("suffix-en", ""), ("",) * count))
        if element.get("unit"):
            units[element.get("unit")] = index
    return tuple(lines), units


def read_xliff(path: str | Path) -> XliffDocument:
    """Read a post-edited vi2en XLIFF file (1.2 or 2.x); raises :class:`XliffError`."""
    path = Path(path)
    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    except OSError as err:
        raise XliffError(f"{path}: cannot read: {err}") from err
    except etree.XMLSyntaxError as err:
        raise XliffError(f"{path}: not well-formed XML (line {err.lineno}): {err.msg}") from err
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "xliff" or namespace not in (XLIFF2_NS, XLIFF12_NS):
        raise XliffError(f"{path}: not an XLIFF 1.2 or 2.x file (root <{root.tag}>)")
    files = root.findall(f"{{{namespace}}}file")
    if len(files) != 1:
        raise XliffError(f"{path}: expected one <file> (one document), found {len(files)}")
    skeleton, units = _skeleton(files[0], path)
    read = _segments_2 if namespace == XLIFF2_NS else _segments_12
    segments = read(files[0], units, path)
    sources: dict[int, list[str]] = {}
    for segment in segments:
        sources.setdefault(segment.line, []).append(segment.source)
    for index, found in sources.items():
        if len(found) != len(skeleton[index].sentences):
            raise XliffError(
                f"{path}: line {index + 1} was written with {len(skeleton[index].sentences)} segment(s) but has "
                f"{len(found)}; was it re-segmented? (join or split it back, or translate the document again)"
            )
    lines = tuple(replace(line, sentences=tuple(sources[i])) if i in sources else line for i, line in enumerate(skeleton))
    return XliffDocument(path, root.get("version", ""), files[0].get("original", path.stem), lines, segments)


def _unit_line(units: dict[str, int], unit_id: str | None, path: Path) -> int:
    if unit_id not in units:
        raise XliffError(f"{path}: unit {unit_id!r} is not in the vi2en skeleton (was the file restructured?)")
    return units[unit_id]


def _segments_2(file: etree._Element, units: dict[str, int], path: Path) -> list[XliffSegment]:
    x = f"{{{XLIFF2_NS}}}"
    segments = []
    for unit in file.iter(x + "unit"):
        line = _unit_line(units, unit.get("id"), path)
        machine = {
            (m.get("ref") or "").lstrip("#"): _text_of(m.find(x + "target"))
            for m in unit.iter(f"{{{MTC_NS}}}match")
            if m.get("type") == "mt" and m.get("origin") == MT_ORIGIN
        }
        for segment in unit.iter(x + "segment"):
            source = segment.find(x + "source")
            segments.append(XliffSegment(
                segment.get("id", ""), line, _text_of(source), _text_of(segment.find(x + "target")),
                machine.get(segment.get("id", "")), segment.get("state") in APPROVED_STATES_2,
                _marked_terms(source, XLIFF2_NS, "type"),
            ))
    return segments


def _segments_12(file: etree._Element, units: dict[str, int], path: Path) -> list[XliffSegment]:
    x = f"{{{XLIFF12_NS}}}"
    segments = []
    for group in file.iter(x + "group"):
        line = _unit_line(units, group.get("id"), path)
        for unit in group.iter(x + "trans-unit"):
            source, target = unit.find(x + "source"), unit.find(x + "target")
            machine = next(
                (_text_of(alt.find(x + "target")) for alt in unit.iter(x + "alt-trans") if alt.get("tool-id") == MT_ORIGIN), None
            )
            approved = unit.get("approved") == "yes" or (target is not None and target.get("state") in APPROVED_STATES_12)
            segments.append(XliffSegment(
                unit.get("id", ""), line, _text_of(source), _text_of(target), machine, approved,
                _marked_terms(source, XLIFF12_NS, "mtype"),
            ))
    return segments

