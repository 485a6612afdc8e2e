"""int8 weights for CPU decoding: int8 linear layers, and a token-embedding table read by rows.

The linear layers dominate decoding time on a CPU, so they run on int8 kernels: weights int8 with one
scale per output row (as CTranslate2 keeps them), activations quantised per call (:class:`Int8Linear`).
The token-embedding table is the largest single tensor of a translation model (opus-mt-vi-en: 53,739 x
512 floats, 110 MB, more than all its int8 layers together) and is only ever *read by rows* (the
encoder's input, the decoder's input), so its rows are read from the weights file as lookups need them,
none kept in memory (:mod:`translate.decoding.file_table`), or, where the file cannot be read so, it is kept
as int8 rows with one scale per row (:class:`Int8Embedding`): a quarter of the memory, and
a lookup dequantises the few rows a batch needs.  The output layer, tied to that table in most models, is
quantised from the float weights first, so it keeps its own int8 copy.

Which kernels run an int8 layer is fixed when its weights are packed: :data:`INT8_ENGINE` chooses once for
the layers of the network, :data:`OUTPUT_ENGINE` for the output layer.
"""

from __future__ import annotations

import copy
import math
import platform
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

import torch
from torch import nn
from transformers import PreTrainedModel

from .file_table import FileTable, RowTable, find_table

__all__ = ["CPU_INT8_FEATURES", "INT8_ENGINE", "OUTPUT_ENGINE", "Int8Embedding", "Int8Linear", "integers_of",
           "quantize_activations", "quantize_int8", "token_lookup"]


def _cpu_int8_features() -> tuple[str, ...]:
    """The CPU's instructions that decide vi2en's int8 kernels, as torch detects them: of ``AVX-512``,
    ``AVX-512 VNNI`` and ``AMX`` (torch's probes; a torch without one reports that feature absent)."""
    probes = (("AVX-512", "_is_avx512_supported"), ("AVX-512 VNNI", "_is_vnni_supported"),
              ("AMX", "_is_amx_tile_supported"))
    return tuple(name for name, probe in probes if getattr(torch.cpu, probe, lambda: False)())


CPU_INT8_FEATURES = _cpu_int8_features()
"""See :func:`_cpu_int8_features`; the benchmarks print them in their headers."""


def _int8_engine() -> str:
    """oneDNN on a CPU with AMX tiles, else torch's default engine (fbgemm's kernels on x86).

    oneDNN runs int8 matrix products on AMX: measured on such a CPU (one thread, 64 rows), 2.6 ms against
    fbgemm's 12.2 ms for a 512 x 32,000 output layer and 1.1 against 2.2 ms for a 1024 x 4096 layer, and
    an 18% smaller CPU time for a whole base-size Marian translation.  Without AMX it was not measured
    here, so the default stays.
    """
    if "AMX" in CPU_INT8_FEATURES and "onednn" in torch.backends.quantized.supported_engines:
        return "onednn"
    return torch.backends.quantized.engine


INT8_ENGINE = _int8_engine()
"""The kernels vi2en's int8 layers are packed for (see :func:`_int8_engine`)."""


def _has_int8_dot_product() -> bool:
    """Whether the CPU multiplies int8 with int32 sums as torch detects it (AVX-512 VNNI, or AMX's tiles, which
    come with it; AVX-VNNI without AVX-512 is not detected, and such a CPU takes the safe 7-bit path).

    Without them an x86 int8 kernel multiplies unsigned by signed bytes into int16 pairs (``vpmaddubsw``), which
    saturate when both are near their ends (2 x 255 x 127 > 32,767): fbgemm quantises activations in 7 bits for
    that reason, and oneDNN computes wrong products unless they are (on an AVX2 CPU, with 8-bit activations,
    the oneDNN case of ``tests/test_quantize.py``'s product test failed).
    """
    return "AVX-512 VNNI" in CPU_INT8_FEATURES or "AMX" in CPU_INT8_FEATURES


INT8_DOT_PRODUCT = _has_int8_dot_product()
"""See :func:`_has_int8_dot_product`: on such a CPU oneDNN's activations use all 8 bits, elsewhere 7."""


def _output_engine() -> str:
    """oneDNN for the output layer on an x86 CPU with AVX-512 VNNI or AMX where torch has it, else
    :data:`INT8_ENGINE`.

    The output layer is the model's one wide product (32,000 to 256,206 output rows), and which engine is
    faster there depends on the CPU's int8 instructions (``scripts/bench_int8_layers.py``, one thread, 92 to
    124 rows).  On a 2-core AMD EPYC with AVX-512 VNNI (2026-12-04) oneDNN took 0.68x fbgemm's time for
    NLLB-600M's layer, 0.87x for T5's and 0.88x for Marian's; on a 2-core AMD EPYC with AVX2 only, no VNNI
    (2026-12-07, calls taking turns), it took 1.13x, 1.58x and 1.11x: there fbgemm is the faster.  On the
    network's narrower layers oneDNN was 0.90x to 1.22x with VNNI and 0.83x to 1.31x without, so they keep
    :data:`INT8_ENGINE`.
    """
    x86 = platform.machine().lower() in ("x86_64", "amd64")  # where it was measured; ARM builds differ
    onednn = "onednn" in torch.backends.quantized.supported_engines
    return "onednn" if x86 and INT8_DOT_PRODUCT and onednn else INT8_ENGINE


OUTPUT_ENGINE = _output_engine()
"""The kernels the int8 output layer is packed for (see :func:`_output_engine`)."""


@contextmanager
def _engine(engine: str) -> Iterator[None]:
    """torch's quantised engine set to ``engine`` inside (``linear_prepack`` packs for the current one),
    and restored after, so a caller's own quantised models are left alone."""
    previous = torch.backends.quantized.engine
    torch.backends.quantized.engine = engine
    try:
        yield
    finally:
        torch.backends.quantized.engine = previous


# torch warns that quantised tensor types will go; vi2en's int8 calls take them today (the tests pin torch),
# and the warning would reach users on every run: muted for the calls made from this module only.
warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor", category=UserWarning,
                        module=r"translate\.decoding\.quantize")


FBGEMM_BLOCK = 16_384
"""Output rows per packed block of an fbgemm layer wider than :data:`FBGEMM_WHOLE`.  fbgemm's product writes
int32 sums into a buffer of the whole output's size before scaling them to floats, so a wide layer's call
holds twice its output: NLLB-600M's output layer (124 rows x 256,206: a 127 MB output) would raise each search
process's peak by another 127 MB a step (``scripts/bench_int8_layers.py`` shows the peak growth of a call).
In blocks the buffer is one block's (8 MB there), and each block's result is copied into the output."""

FBGEMM_WHOLE = 65_536
"""Layers of at most this many output rows are packed whole: their buffer is small (at 92 rows, 12 MB for
Marian's output layer, 20 MB for T5's), and one call saves the copy of each block into the output."""


class Int8Linear(nn.Module):
    """A linear layer with int8 weights, one symmetric scale per output row, and float input and output.

    Activations are quantised per call (dynamic quantisation).  Why not ``torch.ao``'s dynamic ``Linear``:
    its oneDNN packing keeps a second, plain copy of the weights beside the packed one (Marian base: +70 MB),
    it offers only one scale per layer through ``quantize_dynamic``, and that API is deprecated.  Here the
    layer holds only the packed weights, for fbgemm (``quantized::linear_dynamic``, activations in 7 bits as
    ``torch.ao`` does) or oneDNN (``onednn::qlinear_pointwise``, AMX).  :meth:`rows` gives the integers
    back, for restacking layers (``translate.decoding.restack``).
    """

    def __init__(self, q: torch.Tensor, scales: torch.Tensor, bias: torch.Tensor | None, engine: str = INT8_ENGINE
                 ) -> None:
        super().__init__()
        self.out_features, self.in_features = q.shape
        self.engine = engine
        self.register_buffer("scales", scales.float().contiguous())
        self.register_buffer("bias", None if bias is None else bias.detach().float())
        self.register_buffer("zero_points", torch.zeros(self.out_features, dtype=torch.long))
        if engine == "onednn":
            self._packed = torch.ops.onednn.qlinear_prepack(q.contiguous(), None)
            return
        # fbgemm packs a wide layer in blocks of output rows (see FBGEMM_BLOCK), any other whole, an empty one
        # too (so that every layer has a block to compute and read its integers from): [(first row, end, packed)].
        self._blocks: list[tuple[int, int, object]] = []
        rows = self.out_features
        spans = ([(start, min(start + FBGEMM_BLOCK, rows)) for start in range(0, rows, FBGEMM_BLOCK)]
                 if rows > FBGEMM_WHOLE else [(0, rows)])
        for start, end in spans:
            weight = torch._make_per_channel_quantized_tensor(
                q[start:end].contiguous(), self.scales[start:end].double(), self.zero_points[start:end], 0)
            with _engine(engine):
                packed = torch.ops.quantized.linear_prepack(weight, None if bias is None else self.bias[start:end])
            self._blocks.append((start, end, packed))

    @classmethod
    def from_float(cls, linear: nn.Linear, engine: str = INT8_ENGINE) -> "Int8Linear":
        weight = linear.weight.detach().float()
        scales = weight.abs().amax(dim=1).clamp_min(torch.finfo(torch.float32).tiny) / 127.0
        q = torch.round(weight / scales[:, None]).clamp_(-127, 127).to(torch.int8)
        return cls(q, scales, linear.bias, engine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features)
        if self.engine == "onednn":
            out = self._onednn_product(flat, self.bias)
        elif len(self._blocks) == 1:
            out = torch.ops.quantized.linear_dynamic(flat, self._blocks[0][2], True)
        else:
            out = flat.new_empty(flat.shape[0], self.out_features)
            for start, end, packed in self._blocks:
                out[:, start:end] = torch.ops.quantized.linear_dynamic(flat, packed, True)
        return out.view(*x.shape[:-1], self.out_features)

    def _onednn_product(self, flat: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        """``flat`` (``[n, in]``, float), quantised per call, times the packed weights, plus ``bias``: float out."""
        qx = quantize_activations(flat, reduce_range=not INT8_DOT_PRODUCT)
        return torch.ops.onednn.qlinear_pointwise(integers_of(qx), qx.q_scale(), qx.q_zero_point(), self._packed,
                                                  self.scales, self.zero_points, bias, 1.0, 0, torch.float32,
                                                  "none", [], "")

    def rows(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The int8 weights (``[out, in]``) and their row scales, as the layer was built from.

        oneDNN's packed format has no unpacking, so the integers are read back through the kernel itself:
        the identity matrix quantises exactly (ones become 255 at scale 1/255, or 127 at 1/127), so its product is each
        weight times its row's scale, which divides back to the integer.
        """
        if self.engine != "onednn":
            blocks = [torch.ops.quantized.linear_unpack(packed)[0].int_repr() for _, _, packed in self._blocks]
            return (blocks[0] if len(blocks) == 1 else torch.cat(blocks)), self.scales
        product = self._onednn_product(torch.eye(self.in_features), None)
        return torch.round(product.t() / self.scales[:, None]).to(torch.int8), self.scales

    def weight(self) -> torch.Tensor:
        """The int8 weights; a method, as on ``torch.ao``'s dynamic ``Linear``, because Hugging Face code
        treats a ``weight`` that is a tensor as float weights to cast activations to (T5's ``wo``)."""
        return self.rows()[0]

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, engine={self.engine}"


SMALL_SCALE = 6.1e-5
"""torch's floor on a dynamic quantisation scale (``SMALL_SCALE_THRESHOLD``, a float: 6.0999998e-5), below which
it widens the range; the scales between the two are left to torch as well."""


REDUCING_ENGINE = next((e for e in ("x86", "fbgemm", "onednn") if e in torch.backends.quantized.supported_engines),
                       torch.backends.quantized.engine)
"""An engine under which torch's dynamic quantisation honours ``reduce_range`` (under qnnpack it ignores it)."""


def quantize_activations(x: torch.Tensor, reduce_range: bool = False) -> torch.Tensor:
    """``torch.quantize_per_tensor_dynamic(x, torch.quint8, reduce_range)``, the same scale, zero point and
    integers, in less time.  ``reduce_range``: the range cut in 127 steps rather than 255 (7-bit integers, for
    kernels whose int16 sums would saturate: see :func:`_has_int8_dot_product`).

    torch finds the range in two passes (``min``, then ``max``); ``aminmax`` is one, and the parameters are
    then torch's own rule (see :func:`_one_pass_parameters`).  The rare inputs where torch adjusts further (a
    scale below :data:`SMALL_SCALE`, or no finite range), and any input that is not float32 (torch finds the
    range in float32), are left to torch itself.
    """
    steps = 127 if reduce_range else 255
    parameters = _one_pass_parameters(x, steps) if x.dtype == torch.float32 else None
    if parameters is None:
        with _engine(REDUCING_ENGINE if reduce_range else torch.backends.quantized.engine):
            return torch.quantize_per_tensor_dynamic(x, torch.quint8, reduce_range)
    return torch.quantize_per_tensor(x, *parameters, torch.quint8)


def _one_pass_parameters(x: torch.Tensor, steps: int) -> tuple[float, int] | None:
    """torch's ``ChooseQuantizationParams`` for quint8 over ``x``'s range in ``steps`` steps (255, or 127 with a
    reduced range), or ``None`` where torch would adjust it.

    The range is widened to include 0 and cut in ``steps`` steps; the zero point comes from whichever end
    rounds with less error (``0 - |low / scale|`` against ``steps - |high / scale|``, which with
    ``low <= 0 <= high`` are ``-from_low`` and ``from_high``), rounded half to even and nudged into [0, steps].
    """
    low, high = (value.item() for value in torch.aminmax(x))
    low, high = min(low, 0.0), max(high, 0.0)
    scale = (high - low) / steps
    if not (math.isfinite(scale) and scale >= SMALL_SCALE):
        return None
    from_low, from_high = -low / scale, steps - high / scale
    zero = from_low if -from_low < from_high else from_high
    return scale, min(steps, max(0, round(zero)))


def integers_of(quantised: torch.Tensor) -> torch.Tensor:
    """The uint8 integers of a ``quint8`` tensor, as a plain tensor over the same memory: no copy.

    ``int_repr()`` copies them element by element, unvectorised, on every layer of every step.
    """
    return torch.empty(0, dtype=torch.uint8, device=quantised.device).set_(
        quantised.untyped_storage(), quantised.storage_offset(), quantised.size(), quantised.stride())


class Int8Embedding(RowTable):
    """A token table as int8 rows with a float scale each (symmetric: ``row ≈ q * scale``), where it cannot be
    read from the weights file (:class:`~translate.decoding.file_table.FileTable`).

    Stands in for the model's ``nn.Embedding`` (or its scaled subclasses), so the Hugging Face encoder and
    decoder run unchanged on it.
    """

    def __init__(self, table: nn.Embedding) -> None:
        super().__init__(table)
        weight = table.weight.detach().float()
        scales = weight.abs().amax(dim=1).clamp_min(torch.finfo(torch.float32).tiny) / 127.0
        self.register_buffer("q", torch.round(weight / scales[:, None]).to(torch.int8))
        self.register_buffer("scales", scales)

    def rows(self, ids: torch.Tensor) -> torch.Tensor:
        """The float rows of ``ids`` (``[..., d]``), without the module's ``embed_scale``.

        ``index_select`` on the flat ids: advanced indexing (``self.q[ids]``) takes 4x as long for a step's rows.
        """
        flat = ids.reshape(-1)
        rows = self.q.index_select(0, flat).float().mul_(self.scales.index_select(0, flat).unsqueeze(-1))
        return rows.view(*ids.shape, self.embedding_dim)


def token_lookup(table: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """``ids -> float rows`` of a token table, unscaled: a :class:`~translate.decoding.file_table.RowTable`'s
    (int8 rows, or rows read from the weights file) or an ``nn.Embedding``'s."""
    if isinstance(table, RowTable):
        return table.rows
    weight = table.weight
    return lambda ids: nn.functional.embedding(ids, weight)


def quantize_int8(model: PreTrainedModel, weight_files: Sequence[Path] = ()) -> PreTrainedModel:
    """Every ``nn.Linear`` becomes an :class:`Int8Linear` (the output layer packed for :data:`OUTPUT_ENGINE`,
    the others for :data:`INT8_ENGINE`), then each token table is read by rows from ``weight_files``
    (:mod:`translate.decoding.file_table`) where one of them holds it as loaded, else kept as int8 rows
    (:class:`Int8Embedding`).

    Only the token tables are converted (the input embeddings, and the decoder's if it has its own):
    position tables and T5's relative-position buckets are read whole and are small.  Each float layer is
    dropped as its int8 replacement goes in, so the float model is not held beside the int8 one.
    """
    # The loaded model's tensors are views into its weights file, mapped into memory, and loading keeps a
    # reference to one of them out of reach (Marian's final_logits_bias, measured): the whole mapping, and
    # every page of it read while quantising, would stay resident (Marian base: 273 MB).  A copy owns its
    # memory; the loaded model and the mapping go once the caller drops it (as torch.ao's quantize_dynamic,
    # which copied the model too).
    model = copy.deepcopy(model)
    tables = {id(table.weight): table for table in (model.get_input_embeddings(), model.get_decoder().embed_tokens)}
    # Every name a table's weight has, read before the output layer (often tied to it) is replaced: a checkpoint
    # may store the tied weight under the output layer's name alone.
    names = {key: _names_of(model, table.weight) for key, table in tables.items()}
    output = model.get_output_embeddings()
    replaced: dict[int, Int8Linear] = {}  # a module under several names stays one module
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.Linear:
                if id(child) not in replaced:
                    engine = OUTPUT_ENGINE if child is output else INT8_ENGINE
                    replaced[id(child)] = Int8Linear.from_float(child, engine)
                setattr(parent, name, replaced[id(child)])
    replacements: dict[int, RowTable] = {}
    for key, table in tables.items():
        stored = find_table(weight_files, names[key], table.weight.detach())
        replacements[key] = FileTable(stored, table) if stored is not None else Int8Embedding(table)
    _replace_tables(model, replacements)
    return model


def _names_of(model: PreTrainedModel, weight: torch.Tensor) -> list[str]:
    """The names ``weight`` has in ``model``, with and without the base model's prefix (older checkpoints
    store them without it)."""
    names = [name for name, p in model.named_parameters(remove_duplicate=False) if p is weight]
    prefix = f"{model.base_model_prefix}."
    return names + [name.removeprefix(prefix) for name in names if name.startswith(prefix)]


def _replace_tables(root: nn.Module, by_weight: dict[int, RowTable]) -> None:
    """Put the row table wherever a module of ``root`` embeds with the float table it was made from.

    A tied table may be one module under several names, or several modules sharing one weight
    (``shared``, ``encoder.embed_tokens``, ``decoder.embed_tokens``): all go, or the float table stays alive.
    """
    for parent in list(root.modules()):
        for name, child in list(parent.named_children()):
            weight = getattr(child, "weight", None)
            if isinstance(child, nn.Embedding) and id(weight) in by_weight:
                setattr(parent, name, by_weight[id(weight)])
