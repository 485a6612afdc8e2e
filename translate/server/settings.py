"""What a running service is allowed to do: its limits, batching window and access keys.

One frozen value passed to :func:`translate.server.app.create_app`, so tests construct a server with
exactly the limits they exercise and the command line only has to fill it in.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A batch stops collecting this many batch windows after its first request, however busy the queue.
WINDOW_CAP = 5


@dataclass(frozen=True)
class ServerSettings:
    """Limits and batching of one server process (defaults suit one newsroom on one CPU box)."""

    #: Bytes of a request body, checked before anything is parsed (413 beyond it).
    max_request_bytes: int = 1_000_000
    #: Characters of all texts of one request together (an article of ~15 pages).
    max_request_chars: int = 100_000
    #: Characters of one text: one ``q`` item, one document or one line.
    max_item_chars: int = 50_000
    #: Texts in one request (``q`` items, documents or lines).
    max_items: int = 1_000
    #: Seconds a request may wait for its translation before the server gives up on it (503).
    request_timeout: float = 120.0
    #: Requests queued or being decoded at once; one more is refused with 503 and ``Retry-After``.
    queue_limit: int = 64
    #: Seconds the batcher waits after a request arrives for another to decode with it (up to ``WINDOW_CAP`` windows).
    batch_window: float = 0.01
    #: Characters one batch of requests may hold (the batcher stops collecting beyond it).
    batch_max_chars: int = 20_000
    #: SHA-256 hex digests of the accepted API keys; empty = no key needed.
    api_key_hashes: frozenset[str] = frozenset()
