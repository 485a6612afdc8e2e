"""The decoder side of vi2en: model loading, families, output space, network steppers, constrained search.

One entry point, :class:`Decoder`: texts and, per text, the terms its translation must contain (each a
tuple of acceptable renderings) in, translations out, plus the token counts a caller needs to cut
texts to the model's size.  Nothing here knows of documents, glossaries or their planning: the data
flows one way, from the pipeline into this package.

Modules: ``model_files`` (which model, and the identity of its files) and ``device`` (the device and precision
asked for), both without torch; ``model`` (loading a model), ``activations`` (fused kernels for
activations written in Python), ``families`` (each model family's conventions), ``output_space`` (the output
rows a search may produce), ``stepper``, ``marian_decoder`` and ``t5_decoder`` (one decoder step per call,
with its cache), ``constraint_state`` and ``constraints`` (terms as token tries), ``beam_search`` (the
search), ``batching``, ``search_workers`` (batches searched side by side, in forked processes or threads) and
``decoder``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .beam_search import SearchOptions
    from .constraints import Renderings
    from .decoder import Decoded, DecodeRequest, Decoder
    from .families import UnsupportedModel
    from .model import LoadedModel, ModelNotAvailable, configure_threads, load_model
    from .model_files import model_files_fingerprint, resolve_model_name

# Each name's module, imported on first use: the torch-free modules (``model_files``, ``device``) can then be
# imported without torch, for the options' checks of a run that may never load a model.
_HOMES = {
    "SearchOptions": "beam_search", "Renderings": "constraints", "Decoded": "decoder", "DecodeRequest": "decoder",
    "Decoder": "decoder", "UnsupportedModel": "families", "LoadedModel": "model", "ModelNotAvailable": "model",
    "configure_threads": "model", "load_model": "model", "model_files_fingerprint": "model_files",
    "resolve_model_name": "model_files",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOMES[name]}", __name__), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
