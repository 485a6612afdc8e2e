"""What the server tests share: a translator over the tiny model, and one whose model thread can be held.

Random-weight models never stop, so every translator here pins ``max_new_tokens=8`` (hard constraints
still extend it as needed); the translator is built directly, without monkeypatching.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterable, Iterator

from glossary import default_paths, load_glossary
from translate.decoding.beam_search import SearchOptions
from translate.decoding.model import load_model
from translate.pipeline import DocumentResult, Translator

ARTICLE = "Bộ Công Thương chủ trì hội nghị.\n\nBộ trưởng Bùi Thanh Sơn phát biểu tại hội nghị APEC."
MINISTRY = "Ministry of Industry and Trade"


def make_translator(model_dir: Path, cls: type[Translator] = Translator, **options: Any) -> Translator:
    """A translator with the shipped glossary over ``model_dir``, decoding at most 8 new tokens."""
    return cls(load_model(str(model_dir)), load_glossary(*default_paths()), search=SearchOptions(max_new_tokens=8), **options)


class HeldTranslator(Translator):
    """A Translator whose ``translate_documents`` waits for ``release`` and records every call's texts,
    so tests can fill the queue, time requests out or disconnect clients deterministically."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.release = threading.Event()
        self.entered = threading.Event()
        self.calls: list[list[str]] = []

    def translate_documents(self, documents: Iterable[tuple[str, str]], **kwargs: Any) -> Iterator[DocumentResult]:
        pairs = list(documents)
        self.calls.append([text for _, text in pairs])
        self.entered.set()
        if not self.release.wait(timeout=30):
            raise TimeoutError("the test never released the translator")
        yield from super().translate_documents(pairs, **kwargs)


class FailingTranslator(Translator):
    """A Translator whose model call fails with a message holding a path, as an internal error would."""

    def translate_documents(self, documents: Iterable[tuple[str, str]], **kwargs: Any) -> Iterator[DocumentResult]:
        raise RuntimeError("cannot read /srv/secret/model/weights.bin")
