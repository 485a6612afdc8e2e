"""The decoder side of vi2en: model loading, families, output space, network steppers, constrained search.

One entry point, :class:`Decoder`: texts and, per text, the terms its translation must contain (each a
tuple of acceptable renderings) in, translations out, plus the token counts a caller needs to cut
texts to the model's size.  Nothing here knows of documents, glossaries or their planning: the data
flows one way, from the pipeline into this package.

Modules: ``model`` (finding and loading a model, its device and precision), ``activations`` (fused kernels for
activations written in Python), ``families`` (each model family's conventions), ``output_space`` (the output
rows a search may produce), ``stepper``, ``marian_decoder`` and ``t5_decoder`` (one decoder step per call,
with its cache), ``constraint_state`` and ``constraints`` (terms as token tries), ``beam_search`` (the
search), ``batching``, ``search_workers`` (batches searched side by side, in forked processes or threads) and
``decoder``.
"""

from __future__ import annotations

from .beam_search import SearchOptions
from .constraints import Renderings
from .decoder import Decoded, DecodeRequest, Decoder
from .families import UnsupportedModel
from .model import (
    LoadedModel,
    ModelNotAvailable,
    configure_threads,
    load_model,
    model_files_fingerprint,
    resolve_model_name,
)

__all__ = [
    "Decoded",
    "DecodeRequest",
    "Decoder",
    "LoadedModel",
    "ModelNotAvailable",
    "Renderings",
    "SearchOptions",
    "UnsupportedModel",
    "configure_threads",
    "load_model",
    "model_files_fingerprint",
    "resolve_model_name",
]
