"""What every endpoint shares: the model's variants, the batcher, the limits and the metrics.

The endpoint modules (``libretranslate``, ``api``) only translate HTTP into calls on a
:class:`Service` and results back into JSON; waiting for a translation — with the request timeout,
the queue limit and the client's disconnection — is done once, here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request

from ..pipeline import DocumentResult, Translator
from .batching import Batcher, QueueFull
from .errors import ApiError
from .limits import check_api_key, read_fields
from .metrics import Metrics
from .settings import ServerSettings
from .variants import Options, Variants

#: Status recorded for a request whose client left before the answer (nginx's convention; never sent).
CLIENT_GONE = 499


class Service:
    """The state of one server process around its Translator."""

    def __init__(self, translator: Translator, settings: ServerSettings, threads: int) -> None:
        self.settings = settings
        self.variants = Variants(translator)
        self.metrics = Metrics()
        self.batcher = Batcher(
            self.variants.translator,
            self.metrics,
            queue_limit=settings.queue_limit,
            window=settings.batch_window,
            max_chars=settings.batch_max_chars,
            threads=threads,
        )

    @property
    def translator(self) -> Translator:
        return self.variants.base

    async def fields(self, request: Request, *, key_required: bool = True) -> dict[str, Any]:
        """The request's JSON or form fields, within the size limit, with its API key checked."""
        fields = await read_fields(request, self.settings)
        if key_required:
            check_api_key(self.settings, request, fields)
        return fields

    async def translate(
        self, request: Request, options: Options, documents: Sequence[str], *, lines: bool = False
    ) -> list[DocumentResult]:
        """Translate through the shared batcher; 503 with ``Retry-After`` when full or too slow."""
        try:
            future = self.batcher.submit(options, documents, lines=lines)
        except QueueFull as full:
            raise ApiError(
                503,
                f"the server is busy ({self.batcher.pending} requests in progress); retry in {full.retry_after} s",
                {"Retry-After": str(full.retry_after)},
            ) from None
        waiting = asyncio.wrap_future(future)
        gone = asyncio.ensure_future(_disconnected(request))
        try:
            done, _ = await asyncio.wait(
                {waiting, gone}, timeout=self.settings.request_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            gone.cancel()
        if waiting in done:
            return waiting.result()
        future.cancel()  # skipped by the worker if it has not started: a client that left costs nothing
        if gone in done:
            self.metrics.abandoned.labels("disconnect").inc()
            raise ApiError(CLIENT_GONE, "client disconnected")
        self.metrics.abandoned.labels("timeout").inc()
        raise ApiError(
            503,
            f"translation did not finish within {self.settings.request_timeout:g} s; retry later or send less text",
            {"Retry-After": str(max(1, round(self.settings.request_timeout)))},
        )


async def _disconnected(request: Request) -> None:
    """Returns when the client closes the connection (the body has been read by then)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
