"""``vi2en serve``: the translation service — a LibreTranslate-compatible API, vi2en's own ``/v1`` API
with the glossary report, Prometheus metrics and a web page for editors, all thin layers over
:class:`translate.Translator`.

    from translate.server import ServerSettings, create_app
    app = create_app(translator, ServerSettings(queue_limit=32))   # any ASGI server runs it

Modules: ``app`` (wiring), ``libretranslate`` and ``api`` (endpoints), ``service`` (waiting for a
translation), ``batching`` (the request queue and the model thread), ``variants`` (per-request
glossary choices), ``limits`` (size, texts, API keys), ``html_text`` (``format=html``), ``metrics``,
``cli`` (the command), ``static/`` (the page).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .settings import ServerSettings

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["ServerSettings", "create_app"]


def __getattr__(name: str) -> Any:
    """``create_app`` loads torch: imported on first use, so ``vi2en --help`` stays instant."""
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
