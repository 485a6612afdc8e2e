"""The LibreTranslate API, so existing clients switch to vi2en without changes.

``POST /translate`` (JSON or form: ``q`` a string or a list, ``source`` ``vi``/``auto``, ``target``
``en``, ``format`` ``text``/``html``, ``api_key``), ``POST /detect``, ``GET /languages`` and
``GET /frontend/settings``, answering as LibreTranslate does, errors as ``{"error": ...}``.  Every
``q`` item is one document: its lines and paragraphs keep their places, and the server's glossary is
guaranteed in it.  ``alternatives`` is accepted and answered with empty lists (one translation each).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .errors import ApiError
from .html_text import split_html
from .limits import check_texts
from .service import Service
from .variants import texts_of

SOURCE, TARGET = "vi", "en"
LANGUAGES = [
    {"code": SOURCE, "name": "Vietnamese", "targets": [TARGET]},
    {"code": TARGET, "name": "English", "targets": []},
]
_WORD = re.compile(r"[^\W\d_]+")
#: Marks only Vietnamese spelling puts on Latin letters: the five tones, breve, circumflex, horn; and đ.
_VIETNAMESE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b")
#: Share of words with such marks from which a text counts as certainly Vietnamese (news prose: ~0.7).
_CERTAIN_SHARE = 0.6


def vietnamese_confidence(text: str) -> float:
    """How Vietnamese ``text`` looks, 0-100: the share of its words spelled with Vietnamese marks.

    vi2en has one source language, so ``auto`` always means ``vi``; this number tells a client
    whether the text was Vietnamese at all (English or untoned text scores near 0).
    """
    words = _WORD.findall(text)
    if not words:
        return 0.0
    marked = sum(
        "đ" in word.lower() or not _VIETNAMESE_MARKS.isdisjoint(unicodedata.normalize("NFD", word)) for word in words
    )
    return round(100 * min(1.0, marked / len(words) / _CERTAIN_SHARE), 1)


def routes(service: Service) -> list[Route]:
    settings = service.settings

    async def translate(request: Request) -> JSONResponse:
        fields = await service.fields(request)
        q = fields.get("q")
        source, target = fields.get("source"), fields.get("target")
        text_format = fields.get("format") or "text"
        for name, value in (("q", q), ("source", source), ("target", target)):
            if value in (None, "", []):
                raise ApiError(400, f"Invalid request: missing {name} parameter")
        if source not in (SOURCE, "auto"):
            raise ApiError(400, f"{source} is not supported: vi2en translates from vi (or auto) to en")
        if target != TARGET:
            raise ApiError(400, f"{target} is not supported: vi2en translates from vi to en")
        if text_format not in ("text", "html"):
            raise ApiError(400, f"{text_format} format is not supported (text or html)")
        alternatives = _alternatives(fields.get("alternatives") or 0)
        batch = isinstance(q, list)
        items = texts_of(q if batch else [q], "q")
        check_texts(settings, items, "q")
        translations = await _translate_items(service, request, items, text_format)
        answer: dict[str, Any] = {"translatedText": translations if batch else translations[0]}
        if source == "auto":
            detected = [{"confidence": vietnamese_confidence(t), "language": SOURCE} for t in items]
            answer["detectedLanguage"] = detected if batch else detected[0]
        if alternatives:
            answer["alternatives"] = [[] for _ in items] if batch else []
        return JSONResponse(answer)

    async def detect(request: Request) -> JSONResponse:
        fields = await service.fields(request)
        q = fields.get("q")
        if not q or not isinstance(q, str):
            raise ApiError(400, "Invalid request: missing q parameter")
        check_texts(settings, [q], "q")
        return JSONResponse([{"confidence": vietnamese_confidence(q), "language": SOURCE}])

    async def languages(request: Request) -> JSONResponse:
        return JSONResponse(LANGUAGES)  # a body (libretranslatepy sends one with GET) is ignored

    async def frontend_settings(request: Request) -> JSONResponse:
        keys = bool(settings.api_key_hashes)
        return JSONResponse({
            "charLimit": settings.max_item_chars,
            "frontendTimeout": round(settings.request_timeout * 1000),
            "apiKeys": keys,
            "keyRequired": keys,
            "suggestions": False,
            "filesTranslation": False,
            "supportedFilesFormat": [],
            "language": {"source": {"code": SOURCE, "name": "Vietnamese"}, "target": {"code": TARGET, "name": "English"}},
        })

    return [
        Route("/translate", translate, methods=["POST"]),
        Route("/detect", detect, methods=["POST"]),
        Route("/languages", languages, methods=["GET"]),
        Route("/frontend/settings", frontend_settings, methods=["GET"]),
    ]


def _alternatives(value: Any) -> int:
    """The requested number of alternatives (answered with none: vi2en returns its best translation)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise ApiError(400, "Invalid request: alternatives parameter is not a number")
    return number


async def _translate_items(service: Service, request: Request, items: list[str], text_format: str) -> list[str]:
    """One translation per ``q`` item; HTML items are split into their text runs, all in one job."""
    options = service.variants.defaults
    if text_format == "text":
        return [result.text for result in await service.translate(request, options, items)]
    splits = [split_html(item) for item in items]
    texts = [text for sources, _ in splits for text in sources]
    results = iter(await service.translate(request, options, texts)) if texts else iter(())
    return [rebuild([next(results).text for _ in sources]) for sources, rebuild in splits]
