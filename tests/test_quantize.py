"""int8 loading: the token table kept as int8 rows, and the float weights it replaces actually freed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
import torch
from transformers import AutoModelForSeq2SeqLM

from translate.decoding.beam_search import SearchOptions
from translate.decoding.decoder import DecodeRequest, Decoder
from translate.decoding.model import load_model
from translate.decoding.quantize import (INT8_ENGINE, OUTPUT_ENGINE, SMALL_SCALE, Int8Embedding, Int8Linear,
                                         integers_of, quantize_activations, quantize_int8)
from translate.decoding.restack import stacked_linear

ROOT = Path(__file__).resolve().parents[1]
ARCHS = ["marian", "mbart", "t5", "m2m100"]


# Run in a fresh interpreter: other tests' models would be counted, and a collection they trigger would hide
# the cycle.  Counts the float layers and float token tables still alive right after loading.
_COUNT_FLOAT_LEFTOVERS = """
import gc, sys, torch
from translate.decoding.beam_search import SearchOptions
from translate.decoding.decoder import DecodeRequest, Decoder
from translate.decoding.model import load_model
for path in sys.argv[1:]:
    vocab = load_model(path, precision="int8").family.vocab_size
    objects = gc.get_objects()
    print(sum(type(o) is torch.nn.Linear for o in objects),
          sum(isinstance(o, torch.nn.Embedding) and o.num_embeddings == vocab for o in objects))
"""


def test_float_weights_are_freed_when_loading_int8(tiny_model_dir: Callable[[str], Path]) -> None:
    """The float layers and tables that int8 replaces must not outlive loading, or the process keeps the whole
    float model beside the int8 one."""
    paths = [str(tiny_model_dir(arch)) for arch in ARCHS]
    done = subprocess.run([sys.executable, "-c", _COUNT_FLOAT_LEFTOVERS, *paths],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    counts = [tuple(map(int, line.split())) for line in done.stdout.splitlines()]
    assert counts == [(0, 0)] * len(ARCHS), (
        f"(float linear layers, float token tables) alive after load_model(int8), per arch {ARCHS}: {counts}")


@pytest.mark.parametrize("arch", ARCHS)
def test_int8_table_reads_the_float_rows(arch: str, tiny_model_dir: Callable[[str], Path]) -> None:
    """Every module that embedded tokens with the float table now embeds with the int8 one, within half a
    quantisation step of each float row, and scaled as the replaced module scaled (mBART, M2M-100)."""
    path = tiny_model_dir(arch)
    reference = AutoModelForSeq2SeqLM.from_pretrained(path).eval()
    table = reference.get_input_embeddings()
    loaded = load_model(str(path), precision="int8").model
    int8 = loaded.get_input_embeddings()
    assert isinstance(int8, Int8Embedding) and int8.q.dtype == torch.int8
    assert int8.q.numel() == table.weight.numel() and int8.scales.numel() == table.num_embeddings
    leftovers = [name for name, m in loaded.named_modules() if isinstance(m, torch.nn.Embedding)
                 and m.num_embeddings == table.num_embeddings]
    assert leftovers == [], f"float token tables left in the int8 model: {leftovers}"
    assert loaded.get_encoder().embed_tokens is int8 and loaded.get_decoder().embed_tokens is int8
    ids = torch.arange(table.num_embeddings)
    with torch.no_grad():
        expected, got = table(ids), int8(ids)
    step = int8.scales[:, None] * float(getattr(table, "embed_scale", 1.0))
    assert torch.all((got - expected).abs() <= step / 2 + 1e-6)
    assert not torch.equal(got, expected), "the table was not quantised"


@pytest.mark.parametrize("arch", ARCHS)
def test_the_output_layer_is_packed_for_its_own_engine(arch: str, tiny_model_dir: Callable[[str], Path]) -> None:
    """The output layer, the one wide product, runs on :data:`OUTPUT_ENGINE` (oneDNN where torch has it) and
    every other layer on :data:`INT8_ENGINE`; the decoder's cut output layer keeps the engine it was cut from."""
    model = quantize_int8(AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir(arch)).eval())
    head = model.get_output_embeddings()
    assert isinstance(head, Int8Linear) and head.engine == OUTPUT_ENGINE
    others = {layer.engine for layer in model.modules() if isinstance(layer, Int8Linear) and layer is not head}
    assert others == {INT8_ENGINE}
    decoder = Decoder(load_model(str(tiny_model_dir(arch)), precision="int8"), SearchOptions(beams=2))
    assert decoder.network.head.engine == OUTPUT_ENGINE


def test_int8_loading_leaves_torchs_engine_as_it_was(tiny_model_dir: Callable[[str], Path]) -> None:
    """vi2en packs its int8 layers for its own engine choice (oneDNN on AMX CPUs) but must not change the
    engine a caller's own quantised models are packed for, in the same process."""
    before = torch.backends.quantized.engine
    other = next(e for e in torch.backends.quantized.supported_engines if e not in (before, "none"))
    torch.backends.quantized.engine = other
    try:
        loaded = load_model(str(tiny_model_dir("marian")), precision="int8")
        Decoder(loaded, SearchOptions(beams=2, max_new_tokens=3)).decode([DecodeRequest("Xin chào")])
        assert torch.backends.quantized.engine == other
    finally:
        torch.backends.quantized.engine = before


ENGINES = [e for e in ("onednn", "fbgemm") if e in torch.backends.quantized.supported_engines]


@pytest.mark.parametrize("engine", ENGINES)
def test_int8_linear_gives_back_its_integers_and_computes_the_product(engine: str) -> None:
    """Restacking reads a layer's integers back (oneDNN's packing has no unpack): they must be exactly the
    ones it was built from, and its output the product with those weights, to activation rounding."""
    generator = torch.Generator().manual_seed(0)
    q = torch.randint(-127, 128, (300, 96), generator=generator, dtype=torch.int8)
    scales = torch.rand(300, generator=generator) / 100 + 1e-4
    bias = torch.randn(300, generator=generator)
    layer = Int8Linear(q, scales, bias, engine)
    integers, row_scales = layer.rows()
    assert torch.equal(integers, q) and torch.equal(row_scales, scales)
    x = torch.randn(2, 5, 96, generator=generator)
    expected = x @ (q.float() * scales[:, None]).t() + bias
    out = layer(x)
    assert out.shape == (2, 5, 300)
    assert (out - expected).abs().max() < 0.02 * expected.abs().max()


@pytest.mark.parametrize("sliced", [False, True])
@pytest.mark.parametrize("shape", [(1, 7), (16, 512), (5, 3, 64)])
def test_the_activations_integers_reach_the_kernel_without_a_copy(shape: tuple[int, ...], sliced: bool) -> None:
    """Every int8 product quantises its input; ``int_repr`` copied the integers out one by one.  They are read in
    place: the same integers over the same memory, a slice's offset and strides included."""
    quantised = torch.quantize_per_tensor_dynamic(torch.randn(*shape), torch.quint8, False)
    if sliced:
        quantised = quantised[..., 1::2]
    integers = integers_of(quantised)
    assert integers.dtype == torch.uint8 and torch.equal(integers, quantised.int_repr())
    assert integers.untyped_storage().data_ptr() == quantised.untyped_storage().data_ptr()


def _dynamic(x: torch.Tensor) -> torch.Tensor:
    return torch.quantize_per_tensor_dynamic(x, torch.quint8, False)


def _assert_quantized_as_torch(x: torch.Tensor) -> None:
    expected, got = _dynamic(x), quantize_activations(x)
    assert (got.q_scale(), got.q_zero_point()) == (expected.q_scale(), expected.q_zero_point())
    assert torch.equal(got.int_repr(), expected.int_repr())


@pytest.mark.parametrize("kind", ["mixed", "positive", "negative", "offset"])
def test_activations_are_quantized_as_torchs_dynamic_quantization_does(kind: str) -> None:
    """The one-pass range gives torch's own scale, zero point and integers, over magnitudes from 0.03 to 1000
    (every scale above torch's floor, so each case runs the one-pass arithmetic) and ranges on either side of 0."""
    generator = torch.Generator().manual_seed(len(kind))
    for _ in range(200):
        x = torch.randn(17, 64, generator=generator) * 10 ** (torch.rand(1, generator=generator).item() * 4.5 - 1.5)
        x = {"positive": x.abs(), "negative": -x.abs(), "offset": x + 5 * x.abs().max()}.get(kind, x)
        assert (x.max().clamp_min(0) - x.min().clamp_max(0)).item() / 255 >= SMALL_SCALE
        _assert_quantized_as_torch(x)


@pytest.mark.parametrize("values", [
    [-2.5, 252.5, 0.0, 1.0],  # zero point 2.5 from the low end: rounded half to even, 2 (half up would give 3)
    [-3.5, 251.5],  # 3.5: 4
    [-250.0, 5.2],  # mostly below 0: zero point 250
    [0.0, 3.0, 7.5],  # all at or above 0: zero point 0
    [-7.5, -1.0],  # all at or below 0: zero point 255
    [0.0, 255 * 6.1e-5],  # a scale just at the floor
])
def test_activations_on_torchs_edge_cases_are_quantized_as_torch_does(values: list[float]) -> None:
    _assert_quantized_as_torch(torch.tensor([values]))


@pytest.mark.parametrize("x", [torch.randn(3, 8) * 1e-6, torch.zeros(2, 5)], ids=["tiny range", "zeros"])
def test_activations_torch_adjusts_itself_are_left_to_torch(x: torch.Tensor) -> None:
    _assert_quantized_as_torch(x)


@pytest.mark.parametrize(("x", "message"), [
    (torch.randn(3, 8).index_fill(1, torch.tensor([3]), float("nan")), "min should be less than or equal to max"),
    (torch.randn(4, 4, dtype=torch.float64), "only works on Float Tensor"),
], ids=["nan", "float64"])
def test_activations_torch_refuses_are_refused_as_torch_does(x: torch.Tensor, message: str) -> None:
    for quantize in (_dynamic, quantize_activations):
        with pytest.raises(RuntimeError, match=message):
            quantize(x)


@pytest.mark.parametrize("engine", ENGINES)
def test_restacked_int8_rows_give_the_separate_layers_results(engine: str) -> None:
    """Fused q/k/v and the cut output layer are restacked from int8 parts: each output row must be the
    one the separate layer gave (same integers, same scales, same quantised input), to float rounding."""
    parts = [Int8Linear.from_float(torch.nn.Linear(64, n), engine) for n in (40, 24, 56)]
    rows = torch.tensor([3, 0, 17])
    stacked = stacked_linear([(parts[0], None), (parts[1], rows), (parts[2], None)])
    x = torch.randn(7, 64)
    separate = torch.cat([parts[0](x), parts[1](x)[:, rows], parts[2](x)], dim=1)
    assert torch.allclose(stacked(x), separate, rtol=0, atol=1e-6 * separate.abs().max().item())
