"""int8 weights for CPU decoding: torch's dynamic int8 linear layers, and an int8 token-embedding table.

The linear layers dominate decoding time on a CPU, so they use torch's dynamic quantisation (int8
weights, activations quantised per call), which has fast kernels.  The token-embedding table is the
largest single tensor of a translation model (opus-mt-vi-en: 53,739 x 512 floats, 110 MB, more than
all its int8 layers together) and is only ever *read by rows* (the encoder's input, the decoder's
input), so it is kept as int8 rows with one scale per row, as CTranslate2 keeps it: a quarter of the
memory, and a lookup dequantises the few rows a batch needs.  The output layer, tied to that table in
most models, is quantised from the float weights first, so it keeps its own (per-tensor) int8 copy.

Which kernels run an int8 layer is fixed when its weights are packed, by torch's quantised engine at that
moment (:func:`int8_packing`): every int8 layer vi2en packs, here and in ``translate.decoding.restack``,
is packed under one choice, :data:`INT8_ENGINE`.
"""

from __future__ import annotations

import gc
import warnings
from contextlib import contextmanager
from typing import Callable, Iterator

import torch
from torch import nn
from transformers import PreTrainedModel

__all__ = ["INT8_ENGINE", "Int8Embedding", "int8_packing", "quantize_int8", "token_lookup"]


def _int8_engine() -> str:
    """oneDNN on a CPU with AMX tiles, else torch's default engine (fbgemm's kernels on x86).

    oneDNN runs int8 matrix products on AMX: measured on such a CPU (one thread, 64 rows), 2.6 ms against
    fbgemm's 12.2 ms for a 512 x 32,000 output layer and 1.1 against 2.2 ms for a 1024 x 4096 layer, and
    an 18% smaller CPU time for a whole base-size Marian translation.  Without AMX it was not measured
    here, so the default stays.  The results agree to float rounding (2e-7 on outputs of magnitude 3).
    """
    amx = getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()
    if amx and "onednn" in torch.backends.quantized.supported_engines:
        return "onednn"
    return torch.backends.quantized.engine


INT8_ENGINE = _int8_engine()
"""The quantised engine vi2en packs its int8 layers for (see :func:`_int8_engine`)."""


@contextmanager
def int8_packing() -> Iterator[None]:
    """Pack int8 layers created inside for :data:`INT8_ENGINE`; torch's global engine is restored after.

    A packed layer keeps the kernels it was packed for, whatever the engine is later, so the choice
    applies to vi2en's layers only and the caller's own quantised models are left alone.
    """
    previous = torch.backends.quantized.engine
    torch.backends.quantized.engine = INT8_ENGINE
    try:
        yield
    finally:
        torch.backends.quantized.engine = previous


class Int8Embedding(nn.Module):
    """A token table as int8 rows with a float scale each (symmetric: ``row ≈ q * scale``).

    Stands in for the model's ``nn.Embedding`` (or its scaled subclasses, whose ``embed_scale`` it applies
    in :meth:`forward` as they do), so the Hugging Face encoder and decoder run unchanged on it.
    """

    def __init__(self, table: nn.Embedding) -> None:
        super().__init__()
        weight = table.weight.detach().float()
        scales = weight.abs().amax(dim=1).clamp_min(torch.finfo(torch.float32).tiny) / 127.0
        self.register_buffer("q", torch.round(weight / scales[:, None]).to(torch.int8))
        self.register_buffer("scales", scales)
        self.num_embeddings, self.embedding_dim = weight.shape
        self.padding_idx = table.padding_idx
        #: The replaced module's own scale (mBART's, M2M-100's scaled tables), applied by forward as it did;
        #: 1.0 for a plain table, whose model scales outside it (Marian's encoder) or not at all.
        self.embed_scale = float(getattr(table, "embed_scale", 1.0))

    def rows(self, ids: torch.Tensor) -> torch.Tensor:
        """The float rows of ``ids`` (``[..., d]``), without the module's ``embed_scale``."""
        return self.q[ids].float() * self.scales[ids].unsqueeze(-1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out = self.rows(ids)
        return out * self.embed_scale if self.embed_scale != 1.0 else out


def token_lookup(table: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """``ids -> float rows`` of a token table, unscaled: an :class:`Int8Embedding`'s or an ``nn.Embedding``'s."""
    if isinstance(table, Int8Embedding):
        return table.rows
    weight = table.weight
    return lambda ids: nn.functional.embedding(ids, weight)


def quantize_int8(model: PreTrainedModel) -> PreTrainedModel:
    """Dynamic int8 linear layers (weights int8, activations quantised per call), then int8 token tables.

    ``torch.ao.quantization`` is deprecated in favour of torchao but still works on torch 2.13 and has
    fast CPU kernels; its deprecation warnings would reach end users on every run, so they are muted here.
    Only the token tables are converted (the input embeddings, and the decoder's if it has its own):
    position tables and T5's relative-position buckets are read whole and are small.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"torch\.ao\.quantization is deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor", category=UserWarning)
        with int8_packing():
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    tables = [model.get_input_embeddings(), model.get_decoder().embed_tokens]
    weights = {id(table.weight): Int8Embedding(table) for table in tables}
    _replace_tables(model, weights)
    # The replaced float modules are not freed on their own: quantize_dynamic gave each a ``qconfig`` whose
    # observer factory closes over the module (a reference cycle).  Collected now, they give back the float
    # weights (the whole model's size) before decoding starts, not whenever the cycle collector next runs.
    gc.collect()
    return model


def _replace_tables(root: nn.Module, by_weight: dict[int, Int8Embedding]) -> None:
    """Put the int8 table wherever a module of ``root`` embeds with the float table it was made from.

    A tied table may be one module under several names, or several modules sharing one weight
    (``shared``, ``encoder.embed_tokens``, ``decoder.embed_tokens``): all go, or the float table stays alive.
    """
    for parent in list(root.modules()):
        for name, child in list(parent.named_children()):
            weight = getattr(child, "weight", None)
            if isinstance(child, nn.Embedding) and id(weight) in by_weight:
                setattr(parent, name, by_weight[id(weight)])
