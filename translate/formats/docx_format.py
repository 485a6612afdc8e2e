"""Word documents (.docx): every paragraph translated in place, the rest of the file untouched.

python-docx opens and saves the package (parts, relationships, core properties); the paragraphs are
edited on its lxml tree, because a translated paragraph is rebuilt run by run.  Everything that
carries text is reached: body paragraphs, table cells (nested tables too), text boxes, headers and
footers, footnotes and endnotes (parts python-docx does not model: registered here as plain XML parts,
as python-docx registers its own), and the alt text of images.  Paragraph properties (style: heading,
list, caption), run properties, images, fields (page numbers), bookmarks and footnote references are
kept; runs are rebuilt from the placed formatting spans (``translate.formats.inline``).  The core
properties (author, dates …) are kept; the document's language becomes English.
"""

from __future__ import annotations

import copy
import io
import unicodedata
import zipfile
from typing import TYPE_CHECKING, Hashable

import docx
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.exceptions import OpcError
from docx.opc.part import PartFactory, XmlPart
from docx.oxml.ns import qn
from lxml import etree

from ..document import Document
from . import FormatError, Rendered
from .inline import InlineDocument, Item, Unit

if TYPE_CHECKING:  # the pipeline imports torch: a document is read without it
    from ..pipeline import DocumentResult

__all__ = ["DocxLayout", "ENGLISH"]

ENGLISH = "en-US"
#: Parts whose paragraphs are translated, and how reports name them.
_TEXT_PARTS = {CT.WML_DOCUMENT_MAIN: "", CT.WML_HEADER: "header", CT.WML_FOOTER: "footer",
               CT.WML_FOOTNOTES: "footnotes", CT.WML_ENDNOTES: "endnotes"}
for _content_type in (CT.WML_FOOTNOTES, CT.WML_ENDNOTES):
    PartFactory.part_type_for.setdefault(_content_type, XmlPart)

#: An OLE compound file: what Word writes for a password-protected document (or an old .doc).
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_W_P, _W_R, _W_T, _W_RPR, _W_PPR = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:rPr"), qn("w:pPr")
_W_HYPERLINK, _W_FLDCHAR = qn("w:hyperlink"), qn("w:fldChar")
#: Paragraph children whose runs are ordinary text (the wrapper itself is not kept).
_TRANSPARENT = {qn("w:ins"), qn("w:smartTag"), qn("w:customXml")}
_DROPPED = {qn("w:proofErr"), qn("w:lastRenderedPageBreak"), qn("w:softHyphen")}
_BREAKS = {qn("w:tab"), qn("w:br"), qn("w:cr")}
_DOC_PR = qn("wp:docPr")
_PROPERTY_NAMES = {
    "b": "bold", "i": "italic", "u": "underline", "strike": "strikethrough", "dstrike": "strikethrough",
    "caps": "capitals", "smallCaps": "small capitals", "color": "color", "highlight": "highlight",
    "sz": "size", "rFonts": "font", "vertAlign": "superscript/subscript", "shd": "shading",
}
_CONTAINERS = {qn("w:tbl"): "table", qn("w:tr"): "row", qn("w:tc"): "cell", qn("w:txbxContent"): "text box"}


class DocxLayout:
    """A .docx file read for translation: its text units and how to write them back."""

    output_suffix = ".docx"
    binary = True
    #: A Word file's properties date the file (created, saved), not the article: its date is read from its text.
    published = None

    def __init__(self, raw: bytes, name: str, identity: str) -> None:
        self.identity = identity
        self.name = name
        self.warnings: list[str] = []
        if raw.startswith(_OLE_MAGIC):
            raise FormatError(
                f"{name}: this Word file is password-protected (encrypted) or in the old .doc format; "
                "remove the password or save it as .docx, then translate it again"
            )
        try:
            self.document = docx.Document(io.BytesIO(raw))
        except (zipfile.BadZipFile, OpcError, KeyError, ValueError, etree.XMLSyntaxError) as error:
            raise FormatError(
                f"{name}: not a readable .docx (damaged or not a Word file: {error}); "
                "open it in Word or LibreOffice and save it again as .docx"
            ) from None
        self._rpr: dict[Hashable, etree._Element | None] = {}
        self._links: dict[Hashable, etree._Element] = {}
        self._names: dict[Hashable, dict[str, str]] = {}
        self._targets: list[tuple[str, etree._Element]] = []  # ("p" | "alt", element) of each unit
        units = self._units()
        self.inline = InlineDocument(units, self._describe, _plainness)
        if not any(unit.items for unit in units) or not self.inline.text.strip():
            raise FormatError(f"{name}: no text to translate in this Word document")
        self.text = self.inline.text

    # -- reading ----------------------------------------------------------------------------------

    def _parts(self) -> list[tuple[str, XmlPart]]:
        """The parts holding text, body first, each with the label reports use for it."""
        found = []
        for part in self.document.part.package.iter_parts():
            label = _TEXT_PARTS.get(part.content_type)
            if label is not None and isinstance(part, XmlPart):
                number = "".join(c for c in str(part.partname).rsplit("/", 1)[-1] if c.isdigit())
                found.append((f"{label} {number}".strip() if label in ("header", "footer") else label, part))
        return sorted(found, key=lambda item: item[0] != "")

    def _units(self) -> list[Unit]:
        units: list[Unit] = []
        for label, part in self._parts():
            for p in part.element.iter(_W_P):
                items = self._paragraph_items(p, part)
                if any(item.text.strip() for item in items):
                    units.append(Unit(_location(p, label), items))
                    self._targets.append(("p", p))
            for number, doc_pr in enumerate(part.element.iter(_DOC_PR), start=1):
                alt = doc_pr.get("descr", "")
                if alt.strip():
                    where = f"{label + ', ' if label else ''}image {number} alt text"
                    units.append(Unit(where, [Item(unicodedata.normalize("NFC", alt))]))
                    self._targets.append(("alt", doc_pr))
        return units

    def _paragraph_items(self, p: etree._Element, part: XmlPart) -> list[Item]:
        items: list[Item] = []
        field_depth = 0

        def add_runs(runs: list[etree._Element], link: etree._Element | None) -> None:
            nonlocal field_depth
            for run in runs:
                chars = run.findall(_W_FLDCHAR)
                if field_depth or chars:
                    # A field (page number, date …): its code and its shown result are kept as they are.
                    for char in chars:
                        kind = char.get(qn("w:fldCharType"))
                        field_depth += 1 if kind == "begin" else -1 if kind == "end" else 0
                    items.append(Item(atom=("element", run), label="a field"))
                    continue
                items.extend(self._run_items(run, link, part))

        for child in p:
            if child.tag == _W_PPR or child.tag in _DROPPED:
                continue
            if child.tag == _W_R:
                add_runs([child], None)
            elif child.tag in _TRANSPARENT:
                add_runs([c for c in child if c.tag == _W_R], None)
                items.extend(Item(atom=("element", c), label=etree.QName(c).localname) for c in child if c.tag != _W_R)
            elif child.tag == _W_HYPERLINK and all(c.tag in (_W_R, *_DROPPED) for c in child) and not field_depth:
                add_runs([c for c in child if c.tag == _W_R], child)
            else:
                items.append(Item(atom=("element", child), label=etree.QName(child).localname))
        return items

    def _run_items(self, run: etree._Element, link: etree._Element | None, part: XmlPart) -> list[Item]:
        rpr = run.find(_W_RPR)
        mark = self._mark(rpr, link, part)
        items: list[Item] = []
        for child in run:
            if child.tag in (_W_RPR, *_DROPPED):
                continue
            if child.tag == _W_T:
                text = unicodedata.normalize("NFC", child.text or "")
                if items and items[-1].atom is None and not items[-1].splits:
                    items[-1].text += text
                else:
                    items.append(Item(text, mark))
            elif child.tag == qn("w:noBreakHyphen"):
                items.append(Item("\u2011", mark))
            else:
                items.append(Item(mark=mark, atom=("run", rpr, child), splits=child.tag in _BREAKS, label=_atom_label(child)))
        return items

    def _mark(self, rpr: etree._Element | None, link: etree._Element | None, part: XmlPart) -> Hashable:
        """A hashable formatting key; the templates to rebuild it are kept beside it."""
        link_key = None
        if link is not None:
            rid = link.get(qn("r:id"))
            target = part.rels[rid].target_ref if rid and rid in part.rels else f"#{link.get(qn('w:anchor'), '')}"
            link_key = (str(part.partname), tuple(sorted(link.attrib.items())), target)
            self._links[link_key] = link
        mark = (link_key, etree.tostring(rpr) if rpr is not None else None)
        if mark not in self._rpr:
            self._rpr[mark] = rpr
            self._names[mark] = _properties(rpr)
        return mark

    def _describe(self, mark: Hashable, base: Hashable) -> str:
        """Name a formatting for reports, by what differs from the paragraph's prevailing one."""
        if mark is None:
            return "plain text"
        link, _ = mark
        names = []
        if link is not None and (base is None or base[0] != link):
            names.append(f"hyperlink to {link[2]}")
        mine, theirs = self._names.get(mark, {}), self._names.get(base, {}) if base is not None else {}
        for prop in sorted(set(mine) | set(theirs)):
            if mine.get(prop) != theirs.get(prop) and prop in _PROPERTY_NAMES:
                off = mine.get(prop) in ("0", "false", "none", None)
                names.append(("not " if off else "") + _PROPERTY_NAMES[prop])
        return "+".join(names) or "formatting"

    # -- writing ----------------------------------------------------------------------------------

    def mark(self, document: Document) -> Document:
        return self.inline.mark(document)

    def render(self, result: DocumentResult, *, lines: bool) -> Rendered:
        placement = self.inline.place(result, lines=lines)
        for (kind, element), items in zip(self._targets, placement.units):
            if kind == "alt":
                alt = "".join(item.text for item in items)
                element.set("descr", alt)
                for pic in element.getparent().iter(qn("pic:cNvPr")):
                    if pic.get("descr"):
                        pic.set("descr", alt)
            else:
                self._rebuild(element, items)
        self._set_english()
        out = io.BytesIO()
        self.document.save(out)
        return Rendered(out.getvalue(), placement.notes, placement.segment_locations, placement.term_locations)

    def _rebuild(self, p: etree._Element, items: list[Item]) -> None:
        """Replace the paragraph's content (not its properties) by the placed runs and kept objects;
        neighbours with the same hyperlink share one hyperlink element."""
        for child in list(p):
            if child.tag != _W_PPR:
                p.remove(child)
        link_el, link_key = None, None
        for item in items:
            if item.atom is not None:
                element = _atom_element(item.atom)
            elif item.text:
                element = _run(self._rpr.get(item.mark))
                t = etree.SubElement(element, _W_T)
                t.text = item.text
                t.set(qn("xml:space"), "preserve")
            else:
                continue
            link = item.mark[0] if item.mark is not None else None
            if link is None:
                p.append(element)
                link_el = link_key = None
                continue
            if link_el is None or link_key != link:
                link_el, link_key = _shallow(self._links[link]), link
                p.append(link_el)
            link_el.append(element)

    def _set_english(self) -> None:
        """The document is English now: core properties, default and run languages."""
        self.document.core_properties.language = ENGLISH
        for part in self.document.part.package.iter_parts():
            if isinstance(part, XmlPart):
                for element in part.element.iter(qn("w:lang"), qn("w:themeFontLang")):
                    if element.get(qn("w:val")):
                        element.set(qn("w:val"), ENGLISH)


def _shallow(element: etree._Element) -> etree._Element:
    """An empty copy of an element (its tag and attributes)."""
    return etree.Element(element.tag, dict(element.attrib), nsmap=element.nsmap)


def _run(rpr: etree._Element | None) -> etree._Element:
    """A new run with a copy of the given run properties."""
    run = etree.Element(_W_R)
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    return run


def _atom_element(atom: tuple) -> etree._Element:
    """The XML of a kept object: the original element, or a new run around the original run child."""
    if atom[0] == "element":
        return atom[1]
    _, rpr, child = atom
    run = _run(rpr)
    run.append(child)
    return run


def _atom_label(child: etree._Element) -> str:
    name = etree.QName(child).localname
    if name in ("footnoteReference", "endnoteReference"):
        return f"{name[:-9]} {child.get(qn('w:id'))} reference"
    return {"drawing": "image", "pict": "image", "tab": "tab", "br": "line break"}.get(name, name)


def _plainness(mark: Hashable) -> tuple[bool, int]:
    """Fewer run properties and no hyperlink: plainer."""
    link, rpr = mark if mark is not None else (None, None)
    return (link is not None, len(rpr or b""))


def _properties(rpr: etree._Element | None) -> dict[str, str]:
    """Run properties as name → value (a property without a value is "on")."""
    if rpr is None:
        return {}
    props = {}
    for child in rpr:
        name = etree.QName(child).localname
        props[name] = child.get(qn("w:val"), "on")
    return props


def _location(p: etree._Element, label: str) -> str:
    """Where a paragraph stands: "table 1, row 2, cell 1, paragraph 1", "footnote 3, paragraph 1" …"""
    parts: list[str] = []
    node = p
    while node is not None:
        parent = node.getparent()
        tag = node.tag
        if tag == _W_P:
            parts.append(f"paragraph {1 + sum(1 for _ in node.itersiblings(_W_P, preceding=True))}")
        elif tag in _CONTAINERS:
            index = 1 + sum(1 for _ in node.itersiblings(tag, preceding=True))
            parts.append(_CONTAINERS[tag] if tag == qn("w:txbxContent") else f"{_CONTAINERS[tag]} {index}")
        elif tag in (qn("w:footnote"), qn("w:endnote")):
            parts.append(f"{etree.QName(node).localname} {node.get(qn('w:id'))}")
            break
        node = parent
    where = ", ".join(reversed(parts))
    return f"{label}, {where}" if label and not label.endswith("notes") else where
