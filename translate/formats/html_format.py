"""Web pages (.html): the same page in English.

lxml parses the page; every block's text (paragraphs, headings, list items, table cells, captions …)
is translated sentence by sentence with its inline markup (links, bold, italic, spans) carried by
``translate.formats.inline``; ``<title>``, ``alt`` and ``title`` attributes and the meta description
are translated too, and ``<html lang>`` becomes ``en``.  Scripts, styles, code, preformatted text,
anything marked ``translate="no"`` (or class ``notranslate``) and every URL are left as they are.
The page's publication date in its markup (``article:published_time`` and the like: :func:`published_in`)
is the day whose names the glossary uses.
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
from datetime import date
from typing import TYPE_CHECKING, Hashable, Iterator

import lxml.html
from lxml import etree

from ..article_date import timestamp_day
from ..document import Document
from . import FormatError, Rendered
from .inline import InlineDocument, Item, Unit

if TYPE_CHECKING:  # the pipeline imports torch: a document is read without it
    from ..pipeline import DocumentResult

__all__ = ["HtmlLayout"]

BLOCKS = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu nav ol p section summary "
    "table tbody td tfoot th thead tr ul".split()
)
#: Kept exactly as they are, wherever they stand.
UNTOUCHED = frozenset(
    "script style noscript template code pre kbd samp var textarea svg math iframe object canvas select "
    "head video audio".split()
)
#: Inline objects without translatable text of their own (their alt/title attributes are units).
OBJECTS = frozenset("img br wbr input picture source embed button".split())
TRANSLATED_ATTRIBUTES = ("alt", "title")
_DOCTYPE = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<!doctype", re.IGNORECASE | re.DOTALL)
_WORD = re.compile(r"\w")
_META = {"description", "og:title", "og:description", "twitter:title", "twitter:description"}
#: ``<meta>`` names (``name``, ``property`` or ``itemprop``) that hold the date an article was published, as
#: news sites write them (Open Graph's article:published_time, schema.org's datePublished, the older pubdate and
#: Dublin Core's issued date); a page's "modified" dates are not its date.
PUBLISHED_META = ("article:published_time", "datepublished", "pubdate", "publishdate", "dc.date.issued",
                  "dcterms.issued", "dc.date")


class HtmlLayout:
    """An HTML page read for translation."""

    output_suffix = ".html"
    binary = False

    def __init__(self, raw: bytes, name: str, identity: str) -> None:
        self.identity, self.name = identity, name
        self.warnings: list[str] = []
        self.root = _parse(raw, name)
        self.doctype = self.root.getroottree().docinfo.doctype if _DOCTYPE.match(raw) else ""
        self.tree = self.root.getroottree()
        self._targets: list[tuple] = []
        units = list(self._units())
        self.inline = InlineDocument(units, _describe, lambda chain: len(chain or ()), majority=1.0)
        self.text = self.inline.text
        if not self.text.strip():
            raise FormatError(f"{name}: no text to translate in this page")
        self.published = published_in(self.root)

    # -- reading ----------------------------------------------------------------------------------

    def _units(self) -> Iterator[Unit]:
        for element in self.root.iter(etree.Element):
            if _untouched(element) and element.tag != "head":
                continue
            if element.tag == "title" and element.text and element.text.strip():
                yield self._attribute_unit(element, None, "title", element.text)
            elif element.tag == "meta" and (element.get("name") or element.get("property") or "").lower() in _META:
                if (element.get("content") or "").strip():
                    yield self._attribute_unit(element, "content", f"{self.tree.getpath(element)}/@content", element.get("content"))
            if _inside_untouched(element):
                continue
            for attribute in TRANSLATED_ATTRIBUTES:
                value = element.get(attribute)
                if value and value.strip():
                    yield self._attribute_unit(element, attribute, f"{self.tree.getpath(element)}/@{attribute}", value)
        body = self.root.find("body")
        if body is not None:
            yield from self._blocks(body)

    def _attribute_unit(self, element: etree._Element, attribute: str | None, where: str, value: str) -> Unit:
        self._targets.append(("attribute", element, attribute))
        return Unit(where, [Item(_nfc(value))])

    def _blocks(self, block: etree._Element) -> Iterator[Unit]:
        """The units of a block: the runs of inline content between its child blocks."""
        holder: etree._Element | None = None  # None: the block's own text leads; else that child's tail
        children: list[etree._Element] = []
        items = [Item(_nfc(block.text), ())]
        for child in block:
            if _is_block(child):
                yield from self._group(block, holder, children, items)
                yield from self._blocks(child)
                holder, children, items = child, [], [Item(_nfc(child.tail), ())]
            else:
                children.append(child)
                items += _inline_items(child, ())
                items.append(Item(_nfc(child.tail), ()))
        yield from self._group(block, holder, children, items)

    def _group(self, block, holder, children, items) -> Iterator[Unit]:
        """One unit of inline content — or, for a menu, tag list or breadcrumb (several elements with
        only punctuation between them: "<a>Trang chủ</a> | <a>Kinh tế</a>"), one unit per element,
        since no sentence joins them and a link could not be placed inside a translated whole."""
        between = ((block.text if holder is None else holder.tail) or "") + "".join(c.tail or "" for c in children)
        elements = [c for c in children if isinstance(c.tag, str) and not _untouched(c) and c.tag not in OBJECTS]
        if len(elements) >= 2 and not _WORD.search(between):
            for element in elements:
                yield from self._blocks(element)
            return
        if any(item.text.strip() for item in items):
            self._targets.append(("inline", block, holder, children))
            yield Unit(self.tree.getpath(block), [i for i in items if i.text or i.atom is not None])

    # -- writing ----------------------------------------------------------------------------------

    def mark(self, document: Document) -> Document:
        return self.inline.mark(document)

    def render(self, result: DocumentResult, *, lines: bool) -> Rendered:
        placement = self.inline.place(result, lines=lines)
        pairs = list(zip(self._targets, placement.units))
        # Attributes first: inline elements are copied when their text is rebuilt, attributes included.
        for target, items in pairs:
            if target[0] == "attribute":
                _, element, attribute = target
                value = "".join(item.text for item in items)
                if attribute is None:
                    element.text = value
                else:
                    element.set(attribute, value)
        for target, items in pairs:
            if target[0] == "inline":
                _rebuild(*target[1:], items)
        self.root.set("lang", "en")
        if self.root.get("{http://www.w3.org/XML/1998/namespace}lang") is not None:
            self.root.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        for meta in self.root.iter("meta"):
            if meta.get("charset") is not None:
                meta.set("charset", "utf-8")
            elif (meta.get("http-equiv") or "").lower() == "content-type":
                meta.set("content", "text/html; charset=utf-8")
        html = lxml.html.tostring(self.root, encoding="unicode", doctype=self.doctype or None)
        return Rendered(html if html.endswith("\n") else html + "\n", placement.notes,
                        placement.segment_locations, placement.term_locations)


def _parse(raw: bytes, name: str) -> etree._Element:
    if not raw.strip():
        raise FormatError(f"{name}: the file is empty")
    if b"\0" in raw and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FormatError(f"{name}: this looks like a binary file (NUL byte at offset {raw.index(0)}), not HTML")
    encoding = None
    try:
        raw.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as error:
        if _declared_charset(raw) is None:
            raise FormatError(
                f"{name}: not valid UTF-8 (byte 0x{raw[error.start]:02X} at offset {error.start}) and no charset "
                f"declared in the page; convert it with: iconv -f cp1258 -t utf-8 {name}"
            ) from None
    try:
        root = lxml.html.document_fromstring(raw, parser=lxml.html.HTMLParser(encoding=encoding, remove_comments=False))
    except (etree.ParserError, ValueError) as error:
        raise FormatError(f"{name}: cannot parse this HTML page: {error}") from None
    return root


def published_in(root: etree._Element) -> date | None:
    """The day the page says its article was published, from its markup: a ``<meta>`` of
    :data:`PUBLISHED_META` (in that order), a ``<time>`` marked as the publication date (``itemprop``
    ``datePublished``, or ``pubdate``), or the ``datePublished`` of its JSON-LD; None when none holds a day."""
    metas: dict[str, str] = {}
    for meta in root.iter("meta"):
        for key in (meta.get("property"), meta.get("name"), meta.get("itemprop")):
            if key and meta.get("content"):
                metas.setdefault(key.strip().lower(), meta.get("content"))
    times = [t.get("datetime") for t in root.iter("time")
             if (t.get("itemprop") or "").lower() == "datepublished" or t.get("pubdate") is not None]
    candidates = [metas.get(name) for name in PUBLISHED_META] + times + list(_json_ld_published(root))
    return next((day for day in map(timestamp_day, candidates) if day is not None), None)


def _json_ld_published(root: etree._Element) -> Iterator[str]:
    """Every ``datePublished`` in the page's JSON-LD blocks (schema.org's NewsArticle), in document order;
    a block that is not valid JSON is skipped, as browsers and search engines do."""
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and script.text:
            try:
                data = json.loads(script.text)
            except ValueError:
                continue
            yield from _values_of(data, "datePublished")


def _values_of(data: object, key: str) -> Iterator[str]:
    """The string values of ``key`` anywhere in parsed JSON (an ``@graph`` list nests the article)."""
    if isinstance(data, dict):
        if isinstance(data.get(key), str):
            yield data[key]
        for value in data.values():
            yield from _values_of(value, key)
    elif isinstance(data, list):
        for value in data:
            yield from _values_of(value, key)


def _declared_charset(raw: bytes) -> str | None:
    head = lxml.html.document_fromstring(raw).find("head")
    for meta in head.iter("meta") if head is not None else ():
        charset = meta.get("charset") or ("charset=" in (meta.get("content") or "").lower() and meta.get("content"))
        if charset:
            return str(charset)
    return None


def _nfc(text: str | None) -> str:
    """Text as the pipeline expects it (NFC: a page saved on macOS or in windows-1258 is decomposed)."""
    return unicodedata.normalize("NFC", text or "")


def _untouched(element: etree._Element) -> bool:
    if not isinstance(element.tag, str):
        return True  # comments, processing instructions
    classes = (element.get("class") or "").split()
    return element.tag in UNTOUCHED or element.get("translate") == "no" or "notranslate" in classes


def _inside_untouched(element: etree._Element) -> bool:
    return any(_untouched(e) and e.tag != "head" for e in element.iterancestors()) or (_untouched(element) and element.tag != "head")


def _is_block(element: etree._Element) -> bool:
    """A block element, or an inline one holding blocks (``<a><div>…</div></a>``): its content is walked."""
    if _untouched(element):
        return False
    return element.tag in BLOCKS or any(isinstance(e.tag, str) and e.tag in BLOCKS for e in element.iterdescendants())


def _inline_items(element: etree._Element, chain: tuple) -> list[Item]:
    """An inline element's text with the chain of inline elements around it as its mark."""
    if _untouched(element) or element.tag in OBJECTS:
        label = f"<{element.tag}>" if isinstance(element.tag, str) else "a comment"
        return [Item(mark=chain, atom=element, splits=element.tag == "br", label=label)]
    inner = chain + (element,)
    items = [Item(_nfc(element.text), inner)]
    for child in element:
        items += _inline_items(child, inner)
        items.append(Item(_nfc(child.tail), inner))
    return items


def _describe(mark: Hashable, base: Hashable) -> str:
    extra = [e for e in (mark or ()) if e not in (base or ())]
    if not extra:
        return "plain text"
    return "".join(f"<{e.tag} href={e.get('href')!r}>" if e.get("href") else f"<{e.tag}>" for e in extra)


def _rebuild(block: etree._Element, holder: etree._Element | None, children: list[etree._Element], items: list[Item]) -> None:
    """Replace one group's inline content by the placed runs; kept objects are moved, not copied."""
    index = 0 if holder is None else block.index(holder) + 1
    for child in children:
        block.remove(child)
    container = etree.Element("group")
    stack: list[tuple[etree._Element, tuple]] = [(container, ())]
    for item in items:
        chain = tuple(item.mark or ())
        while stack[-1][1] != chain[: len(stack[-1][1])]:
            stack.pop()
        while len(stack[-1][1]) < len(chain):
            source = chain[len(stack[-1][1])]
            copy = etree.SubElement(stack[-1][0], source.tag, dict(source.attrib))
            stack.append((copy, chain[: len(stack[-1][1]) + 1]))
        parent = stack[-1][0]
        if item.atom is not None:
            item.atom.tail = None
            parent.append(item.atom)
        elif len(parent):
            parent[-1].tail = (parent[-1].tail or "") + item.text
        else:
            parent.text = (parent.text or "") + item.text
    if holder is None:
        block.text = container.text
    else:
        holder.tail = container.text
    for offset, element in enumerate(list(container)):
        block.insert(index + offset, element)
