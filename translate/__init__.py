"""vi2en: Vietnamese→English translation with a guaranteed bilingual glossary.

The public API::

    from translate import Translator
    tr = Translator.load("Helsinki-NLP/opus-mt-vi-en", glossary=["glossary/data/state.tsv"])
    english = tr.translate_text(vietnamese_article)

Heavy modules (torch, transformers) load on first use, so ``vi2en --help`` and the glossary tools
stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .decoding.model import ModelNotAvailable
    from .pipeline import DocumentResult, SegmentRecord, Translator

__all__ = ["Translator", "DocumentResult", "SegmentRecord", "ModelNotAvailable"]


def __getattr__(name: str) -> Any:
    if name in ("Translator", "DocumentResult", "SegmentRecord"):
        from . import pipeline

        return getattr(pipeline, name)
    if name == "ModelNotAvailable":
        from .decoding.model import ModelNotAvailable

        return ModelNotAvailable
    raise AttributeError(name)
