"""vi2en: Vietnamese→English translation with a guaranteed bilingual glossary.

The public API::

    from translate import Translator
    tr = Translator.load("Helsinki-NLP/opus-mt-vi-en", glossary=["glossary/data/state.tsv"])
    english = tr.translate_text(vietnamese_article)

Heavy modules (torch, transformers) load on first use, so ``vi2en --help`` and the glossary tools
stay fast.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .decoding.model import ModelNotAvailable
    from .pipeline import DocumentResult, SegmentRecord, Translator

__all__ = ["Translator", "DocumentResult", "SegmentRecord", "TermRecord", "ModelNotAvailable", "__version__"]


def _version() -> str:
    """The installed distribution's version; from a source tree that was never installed, the one
    pyproject.toml declares (the only place the number is written)."""
    try:
        return metadata.version("vi2en")
    except metadata.PackageNotFoundError:
        try:
            import tomllib  # Python >= 3.11

            pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (ImportError, OSError, KeyError, ValueError):
            return "unknown"


__version__ = _version()


def __getattr__(name: str) -> Any:
    if name in ("Translator", "DocumentResult", "SegmentRecord", "TermRecord"):
        from . import pipeline

        return getattr(pipeline, name)
    if name == "ModelNotAvailable":
        from .decoding.model import ModelNotAvailable

        return ModelNotAvailable
    raise AttributeError(name)
