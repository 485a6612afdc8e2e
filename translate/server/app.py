"""The ASGI application: ``create_app(translator, settings)`` wires endpoints, limits and metrics.

Tests and benchmarks build it directly around a Translator of their own; ``vi2en serve`` builds the
Translator from its options and runs this app on uvicorn.  The app keeps no state between requests
apart from the model (and its metrics), so any number of processes can serve behind a load balancer.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import torch
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..pipeline import Translator
from . import api, libretranslate
from .errors import EXCEPTION_HANDLERS
from .metrics import MetricsMiddleware
from .service import Service
from .settings import ServerSettings

STATIC = Path(__file__).resolve().parent / "static"
#: The page loads nothing but its own files (no CDN, no inline script).
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(translator: Translator, settings: ServerSettings | None = None, *, threads: int | None = None) -> Starlette:
    """The service around ``translator``; ``threads``: torch threads of the model thread (default: the caller's)."""
    service = Service(translator, settings or ServerSettings(), threads or torch.get_num_threads())

    async def index(request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    endpoints = [Route("/", index, methods=["GET"]), *libretranslate.routes(service), *api.routes(service)]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(service.batcher.close)
        service.translator.close()  # its search processes

    app = Starlette(
        routes=[*endpoints, Mount("/static", StaticFiles(directory=STATIC), name="static")],
        middleware=[
            Middleware(MetricsMiddleware, metrics=service.metrics, endpoints=[route.path for route in endpoints]),
            # LibreTranslate answers browsers on other origins too; keys, not origins, guard access.
            Middleware(
                CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "X-API-Key"],
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.service = service
    return app


@contextmanager
def serving(app: Starlette, host: str = "127.0.0.1", port: int = 0, start_timeout: float = 30.0) -> Iterator[str]:
    """Run ``app`` on uvicorn in a background thread (tests, benchmarks); yields its base URL.

    The socket is bound here (port 0: any free port), so there is no window in which another process
    could take the port between choosing and listening.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="vi2en-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
