"""vi2en's own API (``/v1/...``, JSON), for programs that want the glossary report, not just text.

* ``POST /v1/translate``: ``text`` (one article), ``documents`` (``[{"id", "text"}]``) or ``lines``
  (one translation per line, as ``--lines``), with ``glossary_mode``, ``glossary_date``, ``acronyms``
  and ``glossary`` (entries with the glossary file's columns, merged over the server's glossary as
  the CLI merges files: later ones take precedence).  The answer carries each document's English, its
  segment records (exactly what ``vi2en translate --jsonl`` writes), the glossary entries behind its
  terms and a summary.  Texts are read as the CLI reads files (HTML stripped, NFC), with warnings.
* ``GET /v1/glossary/lookup?q=...&at=YYYY-MM-DD&limit=N``: ``vi2en glossary lookup --json``'s hits.
* ``POST /v1/glossary/scan``: every glossary term of a text, with offsets, before translating.
* ``GET /health`` and ``GET /metrics`` (Prometheus).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from glossary.requirements import requirements_for
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..article_date import article_date
from ..inputs import InputError, decode_text
from ..pipeline import DocumentResult
from .errors import ApiError
from .limits import check_api_key, check_texts
from .service import Service
from .variants import Options, entry_json, origin, parse_date, parse_options, short_origin, texts_of

LOOKUP_LIMIT = 50


def routes(service: Service) -> list[Route]:
    settings = service.settings
    variants = service.variants

    async def translate(request: Request) -> JSONResponse:
        fields = await service.fields(request)
        options = parse_options(fields, variants.defaults)
        ids, texts, lines = _documents(fields)
        check_texts(settings, texts, "lines" if lines else "documents")
        if lines:
            results = await service.translate(request, options, ["\n".join(texts)], lines=True)
        else:
            cleaned = [_clean(doc_id, text) for doc_id, text in zip(ids, texts, strict=True)]
            results = await service.translate(request, options, [text for text, _ in cleaned])
            for result, (_, repairs) in zip(results, cleaned, strict=True):
                result.warnings[:0] = repairs
        documents = [_document_json(doc_id, result, service, options) for doc_id, result in zip(ids, results, strict=True)]
        answer: dict[str, Any] = {
            "documents": documents,
            "summary": _summary(list(zip(ids, results, strict=True))),
            "options": {
                "glossary_mode": options.mode,
                "glossary_date": options.date.isoformat() if options.date else None,
                "acronyms": options.acronyms,
                "inline_entries": len(options.inline),
            },
        }
        if lines:
            answer["lines"] = [segment.target for segment in results[0].segments] if texts else []
        return JSONResponse(answer)

    async def lookup(request: Request) -> JSONResponse:
        check_api_key(settings, request, {})
        query = request.query_params.get("q", "")
        if not query.strip():
            raise ApiError(400, "Invalid request: missing q parameter")
        check_texts(settings, [query], "q")
        limit = request.query_params.get("limit", "10")
        if not limit.isdigit() or not 1 <= int(limit) <= LOOKUP_LIMIT:
            raise ApiError(400, f"limit must be a number from 1 to {LOOKUP_LIMIT}")
        day = parse_date(request.query_params.get("at"), "at")
        hits = variants.server_glossary.search(query, at=day, limit=int(limit))
        return JSONResponse({"query": query, "hits": [{**hit.to_json(), "origin": origin(hit.entry)} for hit in hits]})

    async def scan(request: Request) -> JSONResponse:
        fields = await service.fields(request)
        text = fields.get("text")
        if not isinstance(text, str):
            raise ApiError(400, "Invalid request: text must be a string")
        check_texts(settings, [text], "text")
        options = parse_options(fields, variants.defaults)
        day = options.date or article_date(text)
        matches = [
            {"start": r.start, "end": r.end, "text": r.source_text, "renderings": list(r.renderings), "entry": entry_json(r.entry)}
            for r in requirements_for(text, variants.matcher(options, day), options.renderings)
        ]
        return JSONResponse({"matches": matches, "terms": len(matches), "date": day.isoformat() if day else None})

    async def health(request: Request) -> JSONResponse:
        loaded = service.translator.loaded
        return JSONResponse({
            "status": "ok",
            "model": Path(loaded.name).name if Path(loaded.name).exists() else loaded.name,
            "family": loaded.family.name,
            "glossary_mode": variants.defaults.mode,
            "glossary_entries": len(variants.server_glossary),
            "queue": service.batcher.pending,
            "queue_limit": settings.queue_limit,
        })

    async def metrics(request: Request) -> Response:
        return Response(service.metrics.exposition(), media_type=service.metrics.content_type)

    return [
        Route("/v1/translate", translate, methods=["POST"]),
        Route("/v1/glossary/lookup", lookup, methods=["GET"]),
        Route("/v1/glossary/scan", scan, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]


def _documents(fields: dict[str, Any]) -> tuple[list[str], list[str], bool]:
    """(ids, texts, lines?) from exactly one of ``text``, ``documents`` or ``lines``."""
    given = [name for name in ("text", "documents", "lines") if name in fields]
    if len(given) != 1:
        raise ApiError(400, "send exactly one of text (a string), documents ([{id, text}]) or lines (a list of strings)")
    value = fields[given[0]]
    if given[0] == "text":
        return ["text"], texts_of([value], "text"), False
    if not isinstance(value, list):
        raise ApiError(400, f"{given[0]} must be a list")
    if given[0] == "lines":
        return ["lines"], texts_of(value, "lines"), True
    ids: list[str] = []
    for number, document in enumerate(value, start=1):
        if not isinstance(document, dict) or not isinstance(document.get("text"), str):
            raise ApiError(400, f"documents item {number} must be an object with a text string")
        ids.append(str(document.get("id", number)))
    if len(set(ids)) != len(ids):
        raise ApiError(400, "documents: every id must be different")
    return ids, [document["text"] for document in value], False


def _clean(doc_id: str, text: str) -> tuple[str, list[str]]:
    """The text as ``vi2en translate`` reads a file: HTML stripped, NFC, line endings (with warnings)."""
    if not text.strip():
        return text, []
    try:
        return decode_text(text.encode("utf-8"), f"document {doc_id}")
    except InputError as err:
        raise ApiError(400, str(err)) from None


def _document_json(doc_id: str, result: DocumentResult, service: Service, options: Options) -> dict[str, Any]:
    """A document's English, its ``--jsonl`` records (with the request's id), where each term stands in
    the English text, the entries behind its terms and a summary."""
    segments = [_segment_json(segment.to_json(), doc_id) for segment in result.segments]
    return {
        "id": doc_id, "text": result.text, "date": result.date.isoformat() if result.date else None,
        "segments": segments, "highlights": _highlights(result), "entries": _entries(result, service, options),
        "warnings": result.warnings, "summary": _summary([(doc_id, result)]),
    }


def _segment_json(record: dict[str, Any], doc_id: str) -> dict[str, Any]:
    """A segment record as ``--jsonl`` writes it, with the client's document id and file names for paths."""
    terms = [{**term, "entry": short_origin(term["entry"])} if term.get("entry") else term for term in record["terms"]]
    return {**record, "doc": doc_id, "terms": terms}


def _highlights(result: DocumentResult) -> list[dict[str, int]]:
    """Character spans of the rendered terms in the document's English text.

    Term records give offsets into their segment's target; the segments stand in the assembled text
    in order, so each is found from where the previous one ended.
    """
    spans: list[dict[str, int]] = []
    cursor = 0
    for segment in result.segments:
        if not segment.target:
            continue
        at = result.text.find(segment.target, cursor)
        if at < 0:
            continue
        for number, term in enumerate(segment.terms):
            if term.target_start is not None and term.target_end is not None:
                spans.append({"start": at + term.target_start, "end": at + term.target_end,
                              "segment": segment.index, "term": number})
        cursor = at + len(segment.target)
    return spans


def _entries(result: DocumentResult, service: Service, options: Options) -> dict[str, dict[str, Any]]:
    """The glossary entry (renderings, type, source, file:line) behind each term's Vietnamese text."""
    wanted = {term.source for segment in result.segments for term in segment.terms}
    if not wanted:
        return {}
    matcher = service.variants.matcher(options, result.date)
    found: dict[str, dict[str, Any]] = {}
    for segment in result.segments:
        if any(term.source in wanted for term in segment.terms):
            for requirement in requirements_for(segment.source, matcher, options.renderings):
                if requirement.source_text in wanted:
                    found.setdefault(requirement.source_text, entry_json(requirement.entry))
    return found


def _summary(results: Sequence[tuple[str, DocumentResult]]) -> dict[str, Any]:
    """Counts over (id, result) pairs, and where each unmet term is (document id, segment index)."""
    segments = [segment for _, result in results for segment in result.segments]
    terms = [term for segment in segments for term in segment.terms]
    return {
        "documents": len(results),
        "segments": len(segments),
        "terms_required": len(terms),
        "terms_met": sum(term.met for term in terms),
        "double_renderings": sum(len(segment.double_renderings) for segment in segments),
        "unmet": [
            {"doc": doc_id, "index": segment.index, "source": term.source}
            for doc_id, result in results
            for segment, term in result.unmet_terms
        ],
    }
