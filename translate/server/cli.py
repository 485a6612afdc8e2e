"""``vi2en serve``: load the model once and serve the API and the web page on uvicorn.

Registered by ``translate.cli.build_parser`` through :func:`register`.  Everything that can be checked
before the model loads is checked first (the key file, the port), so a mistake costs no waiting; every
failure is one message and exit code 2.
"""

from __future__ import annotations

import argparse
import errno
import gc
import json
import os
import socket
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..settings import ACRONYM_MODES, DEFAULT_BATCH_TOKENS, DEFAULT_MODEL, GLOSSARY_MODES, MODEL_ENV, PRECISIONS
from .settings import WINDOW_CAP, ServerSettings

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ..pipeline import Translator

#: How ``--workers`` hands the options to the worker processes uvicorn starts.
CONFIG_ENV = "VI2EN_SERVE_CONFIG"
DEFAULTS = ServerSettings()

DESCRIPTION = """\
Serve Vietnamese→English translation over HTTP with the glossary guarantee: a LibreTranslate-compatible
API (POST /translate, /detect; GET /languages, /frontend/settings), vi2en's own API with the term
report (POST /v1/translate, /v1/glossary/scan; GET /v1/glossary/lookup), GET /health, GET /metrics
(Prometheus) and a web page for editors at /.  Concurrent requests are decoded together in one batch."""

EPILOG = """\
examples:
  vi2en serve                                         # http://127.0.0.1:5000/ with the built-in glossary
  vi2en serve --model /models/opus-mt-vi-en --precision int8 --glossary builtin --glossary my-terms.tsv
  vi2en serve --host 0.0.0.0 --api-keys keys.sha256   # reachable from other machines: require keys
  vi2en serve --workers 2 --threads 1                 # two processes on one machine, one core each

  curl -s localhost:5000/translate -H 'Content-Type: application/json' \\
       -d '{"q": "Bộ Công Thương chủ trì hội nghị.", "source": "vi", "target": "en"}'

API keys: the file holds SHA-256 digests only, one per line (printf %s "$KEY" | sha256sum >> keys.sha256);
clients send the key as api_key (LibreTranslate), or in an Authorization: Bearer or X-API-Key header.
Limits: a body over --max-request-bytes is refused (413) before it is parsed; texts over the character
limits get 400; beyond --queue-limit unfinished requests, or after --timeout, 503 with Retry-After.
The server keeps no state between requests: run several behind any reverse proxy or load balancer.
Exit code 2 when it cannot start (model or glossary unavailable, port in use, bad key file)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the main command line."""
    parser = subparsers.add_parser(
        "serve", help="serve the translation API and the web page over HTTP", description=DESCRIPTION,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_options(parser)
    parser.set_defaults(func=run_serve)


def add_options(parser: argparse.ArgumentParser) -> None:
    from ..arg_types import iso_date, positive_int
    from ..glossary_files import BUILTIN

    server = parser.add_argument_group("server")
    server.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    server.add_argument("--port", type=int, default=5000, help="port (default: 5000, LibreTranslate's)")
    server.add_argument("--workers", type=positive_int, default=1, help="server processes, each with its own model (default: 1)")
    server.add_argument("--api-keys", type=Path, metavar="FILE", help="require an API key: FILE lists their SHA-256 digests")
    server.add_argument("--access-log", action="store_true", help="log every request")

    model = parser.add_argument_group("translation (as vi2en translate)")
    model.add_argument("--model", help=f"Hugging Face model id or local directory (default: ${MODEL_ENV} or {DEFAULT_MODEL})")
    model.add_argument("-g", "--glossary", action="append", metavar="FILE",
                       help=f"glossary file; repeat to combine; '{BUILTIN}' = the curated glossary (default: {BUILTIN})")
    model.add_argument("--glossary-mode", choices=GLOSSARY_MODES, default="hard", help="default for requests (default: hard)")
    model.add_argument("--glossary-date", type=iso_date, metavar="YYYY-MM-DD", help="serve only names valid on this date")
    model.add_argument("--acronyms", choices=ACRONYM_MODES, default="keep", help="default acronym policy of requests")
    model.add_argument("--beams", type=positive_int, default=4, help="beam size (default: 4)")
    model.add_argument("--precision", choices=PRECISIONS, default="float32", help="int8: quantised linear layers, faster on CPU")
    model.add_argument("--threads", type=positive_int, help="CPU threads per process (default: the cores divided by --workers)")
    model.add_argument("--batch-tokens", type=positive_int, default=DEFAULT_BATCH_TOKENS,
                       help=f"token budget of one batch, beams included (default: {DEFAULT_BATCH_TOKENS})")

    limits = parser.add_argument_group("limits")
    limits.add_argument("--max-request-bytes", type=positive_int, default=DEFAULTS.max_request_bytes,
                        help=f"largest request body (default: {DEFAULTS.max_request_bytes:,})")
    limits.add_argument("--max-chars", type=positive_int, default=DEFAULTS.max_request_chars,
                        help=f"characters per request (default: {DEFAULTS.max_request_chars:,})")
    limits.add_argument("--max-item-chars", type=positive_int, default=DEFAULTS.max_item_chars,
                        help=f"characters per q item, document or line (default: {DEFAULTS.max_item_chars:,})")
    limits.add_argument("--max-items", type=positive_int, default=DEFAULTS.max_items,
                        help=f"texts per request (default: {DEFAULTS.max_items:,})")
    limits.add_argument("--timeout", type=float, default=DEFAULTS.request_timeout,
                        help=f"seconds a request may wait for its translation (default: {DEFAULTS.request_timeout:g})")
    limits.add_argument("--queue-limit", type=positive_int, default=DEFAULTS.queue_limit,
                        help=f"requests queued or decoding at once (default: {DEFAULTS.queue_limit})")
    limits.add_argument("--batch-window-ms", type=float, default=DEFAULTS.batch_window * 1000,
                        help=f"how long a batch waits for one more request to share it; it slides with each arrival, up to "
                             f"{WINDOW_CAP} windows after the first (default: {DEFAULTS.batch_window * 1000:g})")


def run_serve(args: argparse.Namespace) -> int:
    """Check what can be checked cheaply, load the model, serve until interrupted."""
    from ..cli import EXIT_OK, EXIT_USAGE, hide_loading_bar
    from ..glossary_files import BUILTIN, glossary_paths
    from .limits import ApiKeyFileError, load_api_key_hashes

    try:
        hashes = sorted(load_api_key_hashes(args.api_keys)) if args.api_keys else []
        _check_port(args.host, args.port)
    except (ApiKeyFileError, OSError) as err:
        print(f"vi2en: {err}", file=sys.stderr)
        return EXIT_USAGE
    hide_loading_bar()  # a server's log is no place for it, nor its worker processes' logs
    glossary = [str(p) for p in glossary_paths(args.glossary or [BUILTIN])] if args.glossary_mode != "off" else []
    config = {
        "model": args.model, "glossary": glossary, "glossary_mode": args.glossary_mode,
        "glossary_date": args.glossary_date.isoformat() if args.glossary_date else None,
        "acronyms": args.acronyms, "beams": args.beams, "precision": args.precision,
        "threads": args.threads or max(1, _cpus() // args.workers), "batch_tokens": args.batch_tokens,
        "settings": {
            "max_request_bytes": args.max_request_bytes, "max_request_chars": args.max_chars,
            "max_item_chars": args.max_item_chars, "max_items": args.max_items, "request_timeout": args.timeout,
            "queue_limit": args.queue_limit, "batch_window": args.batch_window_ms / 1000, "api_key_hashes": hashes,
        },
    }
    try:
        translator = load_translator(config)  # with --workers, only to fail here, once, with one message
    except StartError as err:
        print(f"vi2en: {err}", file=sys.stderr)
        return EXIT_USAGE
    for warning in translator.glossary.warnings if translator.glossary is not None else ():
        print(f"vi2en: {warning}", file=sys.stderr)  # e.g. a later glossary file overriding an earlier entry
    import uvicorn

    where = f"http://{args.host}:{args.port}/"
    glossary_note = f"{len(translator.glossary)} glossary entries" if translator.glossary is not None else "no glossary"
    print(f"vi2en: serving {translator.loaded.name} ({glossary_note}, {args.workers} worker(s)) on {where}", file=sys.stderr)
    common = {"host": args.host, "port": args.port, "access_log": args.access_log, "log_level": "info"}
    if args.workers == 1:
        uvicorn.run(build_app(translator, config), **common)
    else:
        del translator  # each worker loads its own; this one only proved that loading works
        gc.collect()
        os.environ[CONFIG_ENV] = json.dumps(config)
        uvicorn.run(f"{__name__}:app_from_environment", factory=True, workers=args.workers, **common)
    return EXIT_OK


class StartError(Exception):
    """The server cannot start; the message says why and what to do."""


def load_translator(config: dict[str, Any]) -> "Translator":
    from glossary.errors import GlossaryError

    from ..decoding import ModelNotAvailable, SearchOptions, UnsupportedModel
    from ..pipeline import Translator

    try:
        return Translator.load(
            config["model"], glossary=config["glossary"], glossary_mode=config["glossary_mode"],
            glossary_date=date.fromisoformat(config["glossary_date"]) if config["glossary_date"] else None,
            acronyms=config["acronyms"], precision=config["precision"], threads=config["threads"],
            search=SearchOptions(beams=config["beams"]), max_batch_tokens=config["batch_tokens"],
        )
    except (ModelNotAvailable, UnsupportedModel) as err:
        raise StartError(str(err)) from None
    except GlossaryError as err:
        raise StartError(f"glossary error:\n{err}") from None


def build_app(translator: "Translator", config: dict[str, Any]) -> "Starlette":
    from .app import create_app

    settings = dict(config["settings"], api_key_hashes=frozenset(config["settings"]["api_key_hashes"]))
    return create_app(translator, ServerSettings(**settings))


def app_from_environment() -> "Starlette":
    """The app of one ``--workers`` process (uvicorn's factory), from the options the parent checked."""
    config = json.loads(os.environ[CONFIG_ENV])
    return build_app(load_translator(config), config)


def _check_port(host: str, port: int) -> None:
    """Raise OSError with a plain message unless ``host:port`` can be listened on right now."""
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise OSError(f"cannot listen on {host}: not an address of this machine") from None
    with socket.socket(family, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise OSError(f"port {port} on {host} is in use (another server?); choose another with --port") from None
            if err.errno == errno.EACCES:
                raise OSError(f"not allowed to listen on port {port}; ports below 1024 need privileges") from None
            raise OSError(f"cannot listen on {host}:{port}: {err.strerror}") from None


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
