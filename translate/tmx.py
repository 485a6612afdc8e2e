"""TMX 1.4b: the translation-memory exchange format of CAT tools (OmegaT, Trados, memoQ, Phrase).

:func:`write_tmx` turns Vietnamese/English pairs into a memory a CAT tool loads (``srclang="vi"``,
``xml:lang`` on every ``tuv``, the creation tool and date in the header, the document each pair came
from as a ``prop``); :func:`read_tmx` reads any TMX 1.x memory back into pairs for
``translate.memory``.  Built and parsed with lxml, never by string building.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from lxml import etree

if TYPE_CHECKING:
    from .pipeline import DocumentResult

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SOURCE_LANG, TARGET_LANG = "vi", "en"
#: Property naming the document a pair came from (TMX leaves ``prop`` types to the tool: ``x-`` prefix).
DOCUMENT_PROP = "x-document"
#: Inline codes whose own text is markup, not translatable text (their tails are text).
_INLINE_CODES = {"bpt", "ept", "ph", "it", "ut"}


class TmxError(Exception):
    """A TMX file that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class TmxUnit:
    """One translation unit: a source segment, its translation, and the document it belongs to."""

    source: str
    target: str
    document: str = ""


def _tool_version() -> str:
    try:
        return metadata.version("vi2en")
    except metadata.PackageNotFoundError:
        return "unknown"


def _tmx_date(moment: datetime) -> str:
    """TMX's date form: UTC, ``YYYYMMDDThhmmssZ``."""
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def write_tmx(units: Iterable[TmxUnit], *, created: datetime | None = None) -> str:
    """The TMX 1.4b document for ``units`` (empty sources or targets are left out: nothing to reuse)."""
    moment = created or datetime.now(timezone.utc)
    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root, "header", creationtool="vi2en", creationtoolversion=_tool_version(), datatype="plaintext",
        segtype="sentence", adminlang="en", srclang=SOURCE_LANG, **{"o-tmf": "vi2en"}, creationdate=_tmx_date(moment),
    )
    body = etree.SubElement(root, "body")
    for unit in units:
        if not unit.source.strip() or not unit.target.strip():
            continue
        tu = etree.SubElement(body, "tu", creationdate=_tmx_date(moment), creationid="vi2en")
        if unit.document:
            etree.SubElement(tu, "prop", type=DOCUMENT_PROP).text = unit.document
        for lang, text in ((SOURCE_LANG, unit.source), (TARGET_LANG, unit.target)):
            tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
            etree.SubElement(tuv, "seg").text = text
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True).decode("utf-8")


def document_tmx(result: "DocumentResult") -> str:
    """``--format tmx``: one document's source/target segment pairs."""
    return write_tmx(TmxUnit(s.source, s.target, result.doc_id) for s in result.segments)


def _lang_matches(lang: str, wanted: str) -> bool:
    return lang.lower().replace("_", "-").split("-")[0] == wanted


def _seg_text(seg: etree._Element) -> str:
    """The text of a ``seg``, inline codes' markup left out (their tails are text)."""
    parts = [seg.text or ""]
    for child in seg:
        if etree.QName(child).localname not in _INLINE_CODES:
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read_tmx(path: Path) -> list[TmxUnit]:
    """The Vietnamese→English pairs of a TMX file (units lacking either language are skipped)."""
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except OSError as err:
        raise TmxError(f"{path}: cannot read the memory: {err}") from err
    except etree.XMLSyntaxError as err:
        raise TmxError(f"{path}: not well-formed XML (line {err.lineno}): {err.msg}") from err
    root = tree.getroot()
    if etree.QName(root).localname != "tmx":
        raise TmxError(f"{path}: not a TMX file (root element <{etree.QName(root).localname}>)")
    units: list[TmxUnit] = []
    for tu in root.iter("tu"):
        texts: dict[str, str] = {}
        for tuv in tu.iter("tuv"):
            lang = tuv.get(XML_LANG) or tuv.get("lang") or ""
            seg = tuv.find("seg")
            for wanted in (SOURCE_LANG, TARGET_LANG):
                if seg is not None and _lang_matches(lang, wanted):
                    texts.setdefault(wanted, _seg_text(seg))
        document = next((p.text or "" for p in tu.iter("prop") if p.get("type") == DOCUMENT_PROP), "")
        if SOURCE_LANG in texts and TARGET_LANG in texts:
            units.append(TmxUnit(texts[SOURCE_LANG], texts[TARGET_LANG], document))
    return units
