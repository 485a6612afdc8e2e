"""Every error a client sees is ``{"error": message}`` with a status code, as LibreTranslate answers.

Handlers raise :class:`ApiError`; anything else that escapes is logged here with its traceback and
answered with a fixed message, so no traceback, file system path or internal detail reaches a client.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("vi2en.server")


class ApiError(Exception):
    """An answer other than success: the status, the client-facing message and extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.headers)


_HTTP_MESSAGES = {404: "not found", 405: "method not allowed"}


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown path, wrong method) in the same shape; their detail is generic."""
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, _HTTP_MESSAGES.get(exc.status_code, "request failed"), exc.headers)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """A bug or a failure of the model: logged in full for the operator, one fixed line for the client."""
    log.error("error while answering %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal error while translating; the server log has the details")


EXCEPTION_HANDLERS = {ApiError: api_error, HTTPException: http_error, Exception: unexpected_error}
