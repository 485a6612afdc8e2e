"""TBX-Basic (TBX v3, ISO 30042:2019, DCA style) import and export, with the stdlib only.

Mapping (one conceptEntry per glossary entry):

=====================  =====================================================================
entry field            TBX
=====================  =====================================================================
vi / en                `<term>` with administrativeStatus preferredTerm-admn-sts, in the
                       `vi` / `en` langSec
vi_variants            further `vi` terms, admittedTerm-admn-sts
en_alternatives        further `en` terms, admittedTerm-admn-sts
acronym                `en` term with termType acronym
type                   `<descrip type="subjectField">` of the conceptEntry
source, note           `<admin type="source">`, `<note>` of the conceptEntry
valid_from, valid_to   `<note>vi2en valid_from=YYYY-MM-DD</note>` (TBX-Basic has no
                       validity data category, so dates travel as machine-readable notes)
=====================  =====================================================================

Reading builds the tree through expat directly so every conceptEntry keeps its line number,
which problems need; the rows then go through the same validation as TSV rows.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from xml.parsers import expat

from .entry import LIST_SEPARATOR, Entry, to_row
from .errors import Problem, Severity
from .table import Cells, Row

TBX_NS = "urn:iso:std:iso:30042:ed-2"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"
PREFERRED = "preferredTerm-admn-sts"
ADMITTED = "admittedTerm-admn-sts"
_VALIDITY_NOTE = re.compile(r"vi2en (valid_from|valid_to)=(.*)")


def write(entries: Iterable[Entry], path: Path) -> None:
    """Write entries as a TBX-Basic document."""
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
        _add_terms(vi, entry.vi, entry.vi_variants)
        en = _sub(concept, "langSec", {XML_LANG: "en"})
        _add_terms(en, entry.en, entry.en_alternatives)
        if entry.acronym:
            _add_term(en, entry.acronym, "termType", "acronym")
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def read_rows(path: Path) -> tuple[list[Row], list[Problem]]:
    """One row of native cells per conceptEntry, keyed by the entry's line in the file."""
    try:
        root, lines = _parse_with_lines(path.read_bytes())
    except expat.ExpatError as error:
        return [], [Problem(str(path), error.lineno, f"not well-formed XML: {expat.errors.messages[error.code]}")]
    if root.tag != "tbx":
        return [], [Problem(str(path), 1, f"root element is <{root.tag}>, expected TBX v3 <tbx>")]
    rows: list[Row] = []
    problems: list[Problem] = []
    for concept in root.iter("conceptEntry"):
        line = lines[concept]
        cells, ignored = _concept_cells(concept)
        problems += [Problem(str(path), line, f"ignored {what}", Severity.WARNING) for what in ignored]
        rows.append((line, cells))
    return rows, problems


def _concept_cells(concept: ET.Element) -> tuple[Cells, list[str]]:
    cells: Cells = {}
    notes: list[str] = []
    ignored: list[str] = []
    for child in concept:
        kind = child.get("type", "")
        text = child.text or ""
        if child.tag == "descrip" and kind == "subjectField":
            cells["type"] = text
        elif child.tag == "admin" and kind == "source":
            cells["source"] = text
        elif child.tag == "note" and (validity := _VALIDITY_NOTE.fullmatch(text)):
            cells[validity.group(1)] = validity.group(2)
        elif child.tag == "note":
            notes.append(text)
        elif child.tag == "langSec" and _language(child) == "vi":
            preferred, others, acronyms = _terms(child)  # Vietnamese acronyms are entries of their own
            cells["vi"], cells["vi_variants"] = preferred, LIST_SEPARATOR.join(others + acronyms)
        elif child.tag == "langSec" and _language(child) == "en":
            preferred, others, acronyms = _terms(child)
            cells["en"], cells["en_alternatives"] = preferred, LIST_SEPARATOR.join(others)
            cells["acronym"] = LIST_SEPARATOR.join(acronyms)
        else:
            ignored.append(f"<{child.tag}> {kind or _language(child)}".rstrip())
    cells["note"] = LIST_SEPARATOR.join(notes)
    return cells, ignored


def _terms(lang_sec: ET.Element) -> tuple[str, list[str], list[str]]:
    """(preferred term, other terms, acronyms).

    Without a term marked preferred, the first term with no status at all is taken as
    preferred (TBX from other tools); terms marked admitted never are, so an entry whose `en`
    is empty (a person) keeps it empty.
    """
    preferred: str | None = None
    others: list[str] = []
    acronyms: list[str] = []
    unmarked: list[str] = []
    for term_sec in lang_sec.iter("termSec"):
        term = term_sec.findtext("term") or ""
        notes = {note.get("type"): note.text for note in term_sec.iter("termNote")}
        status = notes.get("administrativeStatus")
        if notes.get("termType") == "acronym":
            acronyms.append(term)
        elif status == PREFERRED and preferred is None:
            preferred = term
        else:
            others.append(term)
            if status is None:
                unmarked.append(term)
    if preferred is None and unmarked:
        preferred = unmarked[0]
        others.remove(preferred)
    return preferred or "", others, acronyms


def _language(element: ET.Element) -> str:
    return element.get(XML_LANG, "").split("-")[0].lower()


def _add_terms(lang_sec: ET.Element, preferred: str, others: Iterable[str]) -> None:
    if preferred:
        _add_term(lang_sec, preferred, "administrativeStatus", PREFERRED)
    for other in others:
        _add_term(lang_sec, other, "administrativeStatus", ADMITTED)


def _add_term(lang_sec: ET.Element, term: str, note_type: str, value: str) -> None:
    term_sec = _sub(lang_sec, "termSec")
    _sub(term_sec, "term", text=term)
    _sub(term_sec, "termNote", {"type": note_type}, value)


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
