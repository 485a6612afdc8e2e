"""``format=html``: translate the text of an HTML fragment and keep its markup.

Each run of text between tags is one document for the translator; tags, attributes, comments and
the text of ``script``/``style``/``code``/``pre`` elements and of elements marked ``translate="no"``
(the HTML standard's opt-out) are kept as they are.  Inline markup in the middle of a sentence
(``Bộ <b>Công Thương</b>``) therefore splits the sentence, as it does in LibreTranslate.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import html as lxml_html
from lxml.etree import ParserError

from .errors import ApiError

_KEPT_TAGS = frozenset({"script", "style", "code", "pre"})


def split_html(markup: str) -> tuple[list[str], Callable[[list[str]], str]]:
    """The texts to translate, and a function that puts their translations back into the markup."""
    try:
        wrapper = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (ParserError, ValueError) as err:
        raise ApiError(400, "the q text cannot be read as HTML") from err
    slots: list[tuple[object, str]] = []
    for element in wrapper.iter():
        if element is not wrapper and element.tail and element.tail.strip() and not _kept(element.getparent()):
            slots.append((element, "tail"))
        if isinstance(element.tag, str) and element.text and element.text.strip() and not _kept(element):
            slots.append((element, "text"))
    sources = [getattr(element, attr) for element, attr in slots]

    def rebuild(translations: list[str]) -> str:
        for (element, attr), source, english in zip(slots, sources, translations, strict=True):
            lead, trail = source[: len(source) - len(source.lstrip())], source[len(source.rstrip()) :]
            setattr(element, attr, lead + english.strip() + trail)
        return (wrapper.text or "") + "".join(lxml_html.tostring(child, encoding="unicode") for child in wrapper)

    return sources, rebuild


def _kept(element: object) -> bool:
    """Whether text inside ``element`` stays untranslated (it or an ancestor opts out)."""
    while element is not None:
        tag = getattr(element, "tag", None)
        if not isinstance(tag, str) or tag in _KEPT_TAGS or element.get("translate") == "no":
            return True
        element = element.getparent()
    return False
