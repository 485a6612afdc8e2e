"""TBX import (TBX v2 `martif` and TBX v3 `tbx`) and export (TBX-Basic v3, DCA style), stdlib only.

Reading accepts both generations, with or without their namespace: v3 `conceptEntry` /
`langSec` / `termSec`, and v2 (what most CAT tools export) `termEntry` / `langSet` / `tig` or
`ntig` (`termGrp`). A term's status is its `administrativeStatus` (v3 and TBX-Basic v2 values
end in `-admn-sts`) or its older `normativeAuthorization`, and maps to the three kinds of
English of `entry.Entry`:

=======================================  ===================  ============================
status (either data category)            English term         Vietnamese term
=======================================  ===================  ============================
preferredTerm (standardized, legal,      `en` (approved)      `vi`
regulated: normative, so preferred too)
admittedTerm, or no status               `en_alternatives`    `vi_variants`
  (without a preferred term, the first
  term without status is the preferred)
deprecatedTerm, supersededTerm           `en_deprecated`:     `vi_variants`: still
                                         never produced,      matched, since texts keep
                                         flagged if found     using old names and the
                                                              English must still be right
admittedTerm + `<note>vi2en form</note>` `en_forms`           —
termType acronym                         `acronym`            `vi_variants`
=======================================  ===================  ============================

Concept level: `<descrip type="subjectField">` is the entry's type when it names one
(`entry.EntryType`), else (a CAT tool's domain, "Finance") it goes to the note; `<admin
type="source">` is the source; `<note>vi2en valid_from=YYYY-MM-DD</note>` (and valid_to)
carry the validity dates, since TBX-Basic has no such data category; other notes are the note.
Anything else is ignored, with one warning per file naming what and how often.

Writing produces TBX-Basic v3 with exactly that mapping: grammatical forms are admitted terms
marked with the vi2en note (other tools read them as admitted terms; vi2en reads them back as
forms), deprecated renderings are deprecatedTerm-admn-sts. So TSV -> TBX -> TSV is lossless.

Reading builds the tree through expat directly so every entry keeps its line number, which
problems need; the rows then go through the same validation as TSV rows.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from .entry import LIST_SEPARATOR, Entry, EntryType, to_row
from .errors import Problem, Severity
from .table import Cells, Row

TBX_NS = "urn:iso:std:iso:30042:ed-2"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"
PREFERRED = "preferredTerm-admn-sts"
ADMITTED = "admittedTerm-admn-sts"
DEPRECATED = "deprecatedTerm-admn-sts"
FORM_NOTE = "vi2en form"
_VALIDITY_NOTE = re.compile(r"vi2en (valid_from|valid_to)=(.*)")
_STATUS_TYPES = ("administrativeStatus", "normativeAuthorization")
_STATUSES = {
    **dict.fromkeys(("preferredTerm", "standardizedTerm", "legalTerm", "regulatedTerm"), "preferred"),
    "admittedTerm": "admitted",
    **dict.fromkeys(("deprecatedTerm", "supersededTerm"), "deprecated"),
}
_LANGUAGES = {"eng": "en", "vie": "vi"}


@dataclass(frozen=True)
class _Dialect:
    """Element names of one TBX generation."""

    root: str
    entry: str
    language: str
    terms: tuple[str, ...]


_DIALECTS = {
    "tbx": _Dialect("tbx", "conceptEntry", "langSec", ("termSec",)),
    "martif": _Dialect("martif", "termEntry", "langSet", ("tig", "ntig")),
}


def write(entries: Iterable[Entry], path: Path) -> None:
    """Write entries as a TBX-Basic v3 document."""
    ET.register_namespace("", TBX_NS)
    root = _el("tbx", {"style": "dca", "type": "TBX-Basic", XML_LANG: "en"})
    source_desc = _sub(_sub(_sub(root, "tbxHeader"), "fileDesc"), "sourceDesc")
    _sub(source_desc, "p", text="vi2en glossary (Vietnamese-English)")
    body = _sub(_sub(root, "text"), "body")
    for number, entry in enumerate(entries, start=1):
        row = to_row(entry)
        concept = _sub(body, "conceptEntry", {"id": f"c{number}"})
        _sub(concept, "descrip", {"type": "subjectField"}, row["type"])
        _sub(concept, "admin", {"type": "source"}, entry.source)
        if entry.note:
            _sub(concept, "note", text=entry.note)
        for column in ("valid_from", "valid_to"):
            if row[column]:
                _sub(concept, "note", text=f"vi2en {column}={row[column]}")
        vi = _sub(concept, "langSec", {XML_LANG: "vi"})
        _add_term(vi, entry.vi, PREFERRED)
        for variant in entry.vi_variants:
            _add_term(vi, variant, ADMITTED)
        en = _sub(concept, "langSec", {XML_LANG: "en"})
        if entry.en:
            _add_term(en, entry.en, PREFERRED)
        for form in entry.en_forms:
            _add_term(en, form, ADMITTED, note=FORM_NOTE)
        for alternative in entry.en_alternatives:
            _add_term(en, alternative, ADMITTED)
        for deprecated in entry.en_deprecated:
            _add_term(en, deprecated, DEPRECATED)
        if entry.acronym:
            _add_term(en, entry.acronym, term_type="acronym")
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def read_rows(path: Path) -> tuple[list[Row], list[Problem]]:
    """One row of native cells per concept entry, keyed by the entry's line in the file."""
    try:
        root, lines = _parse_with_lines(path.read_bytes())
    except expat.ExpatError as error:
        return [], [Problem(str(path), error.lineno, f"not well-formed XML: {expat.errors.messages[error.code]}")]
    dialect = _DIALECTS.get(root.tag)
    if dialect is None:
        return [], [Problem(str(path), 1, f"root element is <{root.tag}>, expected <tbx> (TBX v3) or <martif> (TBX v2)")]
    rows: list[Row] = []
    ignored: Counter[str] = Counter()
    first_ignored: dict[str, int] = {}
    for concept in root.iter(dialect.entry):
        line = lines[concept]
        cells, skipped = _concept_cells(concept, dialect)
        for what in skipped:
            ignored[what] += 1
            first_ignored.setdefault(what, line)
        rows.append((line, cells))
    problems = []
    if ignored:
        listed = ", ".join(f"{what} ({count}×)" for what, count in ignored.items())
        problems.append(Problem(str(path), min(first_ignored.values()), f"ignored: {listed}", Severity.WARNING))
    if not rows:
        problems.append(Problem(str(path), 1, f"no <{dialect.entry}> elements: no entries", Severity.WARNING))
    return rows, problems


def _concept_cells(concept: ET.Element, dialect: _Dialect) -> tuple[Cells, list[str]]:
    cells: Cells = {}
    notes: list[str] = []
    ignored: list[str] = []
    for child in _flattened(concept):
        kind = child.get("type", "")
        text = _text(child)
        if child.tag == "descrip" and kind == "subjectField":
            if text.strip().casefold() in {t.value for t in EntryType}:
                cells["type"] = text.strip().casefold()
            else:
                notes.append(f"subjectField: {text}")
        elif child.tag in ("admin", "descrip") and kind == "source":
            cells["source"] = text
        elif child.tag == "note" and (validity := _VALIDITY_NOTE.fullmatch(text)):
            cells[validity.group(1)] = validity.group(2)
        elif child.tag == "note":
            notes.append(text)
        elif child.tag == dialect.language and _language(child) in ("vi", "en"):
            terms = _Terms.of(child, dialect)
            ignored += terms.ignored
            if _language(child) == "vi":  # Vietnamese acronyms and old names are matched as variants
                cells["vi"] = terms.preferred
                cells["vi_variants"] = LIST_SEPARATOR.join(
                    [*terms.forms, *terms.admitted, *terms.deprecated, *terms.acronyms])
            else:
                cells["en"] = terms.preferred
                cells["en_forms"] = LIST_SEPARATOR.join(terms.forms)
                cells["en_alternatives"] = LIST_SEPARATOR.join([*terms.admitted, *terms.acronyms[1:]])
                cells["en_deprecated"] = LIST_SEPARATOR.join(terms.deprecated)
                cells["acronym"] = terms.acronyms[0] if terms.acronyms else ""
        else:
            ignored.append(f"<{child.tag}> {kind or _language(child)}".rstrip())
    cells["note"] = LIST_SEPARATOR.join(notes)
    return cells, ignored


@dataclass
class _Terms:
    """The terms of one language section, sorted by what they become."""

    preferred: str = ""
    forms: list[str] = field(default_factory=list)
    admitted: list[str] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)
    acronyms: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, lang_sec: ET.Element, dialect: _Dialect) -> _Terms:
        """Without a term marked preferred, the first term with no status at all is the preferred
        one (TBX from other tools); admitted terms never are, so an entry whose `en` is empty (a
        person, rendered by rule) keeps it empty."""
        terms = cls()
        unmarked: list[str] = []
        for group in (g for g in lang_sec.iter() if g.tag in dialect.terms):
            term = _text(group.find(".//term"))
            notes = {note.get("type"): _text(note).strip() for note in group.iter("termNote")}
            status = next((notes[t] for t in _STATUS_TYPES if t in notes), None)
            kind = _STATUSES.get(status.removesuffix("-admn-sts")) if status else None
            if status and kind is None:
                terms.ignored.append(f"status {status!r} (read as admitted)")
            if kind == "deprecated":
                terms.deprecated.append(term)
            elif notes.get("termType") == "acronym":
                terms.acronyms.append(term)
            elif kind == "preferred" and not terms.preferred:
                terms.preferred = term
            elif any(_text(note).strip() == FORM_NOTE for note in group.iter("note")):
                terms.forms.append(term)
            else:
                terms.admitted.append(term)
                if status is None:
                    unmarked.append(term)
        if not terms.preferred and unmarked:
            terms.preferred = unmarked[0]
            terms.admitted.remove(unmarked[0])
        return terms


def _flattened(concept: ET.Element) -> Iterator[ET.Element]:
    """The concept's children, with v2 groups (`descripGrp`, `adminGrp`) opened to their first element."""
    for child in concept:
        if child.tag in ("descripGrp", "adminGrp") and len(child):
            yield child[0]
        else:
            yield child


def _text(element: ET.Element | None) -> str:
    """All text of an element, inline markup (`<hi>`) included."""
    return "".join(element.itertext()) if element is not None else ""


def _language(element: ET.Element) -> str:
    code = (element.get(XML_LANG) or element.get("lang") or "").replace("_", "-").split("-")[0].lower()
    return _LANGUAGES.get(code, code)


def _add_term(lang_sec: ET.Element, term: str, status: str = "", term_type: str = "", note: str = "") -> None:
    term_sec = _sub(lang_sec, "termSec")
    _sub(term_sec, "term", text=term)
    if status:
        _sub(term_sec, "termNote", {"type": "administrativeStatus"}, status)
    if term_type:
        _sub(term_sec, "termNote", {"type": "termType"}, term_type)
    if note:
        _sub(term_sec, "note", text=note)


def _el(tag: str, attrib: dict[str, str] | None = None) -> ET.Element:
    return ET.Element(f"{{{TBX_NS}}}{tag}", attrib or {})


def _sub(parent: ET.Element, tag: str, attrib: dict[str, str] | None = None, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{TBX_NS}}}{tag}", attrib or {})
    element.text = text
    return element


def _parse_with_lines(data: bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
    """Parse XML into a tree with namespace-free tag names, remembering each element's line."""
    parser = expat.ParserCreate(namespace_separator=" ")
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}

    def local(name: str) -> str:
        namespace, _, name = name.rpartition(" ")
        return f"{{{namespace}}}{name}" if namespace == XML_NS else name

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = builder.start(local(tag), {local(k): v for k, v in attrs.items()})
        lines[element] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(local(tag))
    parser.CharacterDataHandler = builder.data
    parser.Parse(data, True)
    return builder.close(), lines
