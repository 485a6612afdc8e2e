"""Checks every request passes before it reaches the model: size, shape, text limits and API keys.

The body is read with a byte limit *before* anything is parsed (413), so a client cannot make the
server buffer or parse more than it allows; malformed JSON or form data is a 400 that says what is
wrong without echoing the input back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import Message

from .errors import ApiError
from .settings import ServerSettings

_DIGEST = re.compile(r"(?:sha256:)?([0-9a-fA-F]{64})")
JSON_TYPES = ("application/json",)
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


class ApiKeyFileError(ValueError):
    """The ``--api-keys`` file cannot be used; the message names the file and line."""


def hash_key(key: str) -> str:
    """The SHA-256 hex digest a key file holds for ``key`` (what ``printf %s KEY | sha256sum`` prints)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def load_api_key_hashes(path: Path) -> frozenset[str]:
    """Digests from a key file: one SHA-256 hex digest per line, optionally followed by a label.

    Only digests are stored, so the file can be read by operators without revealing any key.
    ``#`` starts a comment; ``sha256sum`` output lines (``DIGEST  -``) are accepted as they are.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ApiKeyFileError(f"{path}: cannot read the API key file ({getattr(err, 'strerror', None) or err})") from None
    digests = set()
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        match = _DIGEST.fullmatch(content.split()[0])
        if match is None:
            raise ApiKeyFileError(
                f"{path}:{number}: not a SHA-256 hex digest; store hashes, not keys "
                "(printf %s KEY | sha256sum)"
            )
        digests.add(match[1].lower())
    if not digests:
        raise ApiKeyFileError(f"{path}: no key digests in the file; every request would be refused")
    return frozenset(digests)


def check_api_key(settings: ServerSettings, request: Request, fields: Mapping[str, Any]) -> None:
    """Refuse the request unless keys are off or it carries an accepted key.

    The key may come as LibreTranslate sends it (an ``api_key`` field), as ``?api_key=``, or in an
    ``Authorization: Bearer`` or ``X-API-Key`` header.  Like LibreTranslate: a missing key is a 400,
    a wrong one a 403.
    """
    if not settings.api_key_hashes:
        return
    key = fields.get("api_key") or request.query_params.get("api_key") or request.headers.get("x-api-key")
    authorization = request.headers.get("authorization", "")
    if not key and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    if not key:
        raise ApiError(400, "an API key is required: send api_key, or ask the server operator for one")
    if not isinstance(key, str) or not any(hmac.compare_digest(hash_key(key), d) for d in settings.api_key_hashes):
        raise ApiError(403, "Invalid API key")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "malformed Content-Length header")
        if int(declared) > limit:
            raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"request too large: at most {limit:,} bytes per request")


async def read_fields(request: Request, settings: ServerSettings) -> dict[str, Any]:
    """A JSON object or the fields of a form, whichever the request sent (400 for anything else)."""
    body = await read_body(request, settings.max_request_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in JSON_TYPES or (not content_type and body.lstrip().startswith(b"{")):
        return _json_object(body)
    if content_type == URLENCODED:
        return _urlencoded_fields(body)
    if content_type == MULTIPART:
        return await _form_fields(request, body)
    if not body.strip():
        return {}
    raise ApiError(400, "send JSON (Content-Type: application/json) or form data")


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ApiError(400, f"malformed JSON: not UTF-8 (byte offset {err.start})") from None
    except json.JSONDecodeError as err:
        raise ApiError(400, f"malformed JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"malformed JSON: expected an object, got {type(data).__name__}")
    return data


def _urlencoded_fields(body: bytes) -> dict[str, Any]:
    """A ``application/x-www-form-urlencoded`` body's fields, read as UTF-8 whether its bytes are raw or
    percent-escaped, as LibreTranslate (Flask) reads them.  Starlette's parser reads raw bytes as latin-1, so
    ``curl -d q='Bộ Công Thương'`` (which sends them raw) arrived garbled, and its glossary terms unmatched."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as err:
        raise ApiError(400, "malformed form data: not UTF-8 (send the text as UTF-8, raw or percent-escaped)") from err
    return _by_name(pairs)


def _by_name(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Form fields by name; a repeated field (``q=a&q=b``) becomes a list, as JSON would send it."""
    fields: dict[str, list[Any]] = {}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in fields.items()}


async def _form_fields(request: Request, body: bytes) -> dict[str, Any]:
    """A ``multipart/form-data`` body's fields (see :func:`_by_name`); file parts are refused."""
    sent = False

    async def replay() -> Message:  # the body was already read (within the limit): hand it to the parser
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form()
    except (HTTPException, MultiPartException) as err:  # python-multipart's parse errors
        raise ApiError(400, "malformed form data") from err
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            raise ApiError(400, f"field {name!r}: file uploads are not accepted; send the text itself")
    return _by_name(form.multi_items())


def check_texts(settings: ServerSettings, texts: Sequence[str], what: str) -> None:
    """400 unless the request's texts are within the item count and the character limits."""
    if len(texts) > settings.max_items:
        raise ApiError(400, f"too many texts in {what}: {len(texts):,} (at most {settings.max_items:,})")
    for number, text in enumerate(texts, start=1):
        if len(text) > settings.max_item_chars:
            where = f"{what} item {number}" if len(texts) > 1 else what
            raise ApiError(
                400, f"{where} has {len(text):,} characters; at most {settings.max_item_chars:,} per text"
            )
    total = sum(map(len, texts))
    if total > settings.max_request_chars:
        raise ApiError(400, f"the request has {total:,} characters; at most {settings.max_request_chars:,}")
