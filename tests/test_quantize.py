"""int8 loading: the token table read by rows (from the weights file, else int8 rows), the int8 layers'
engines, and the float weights they replace actually freed."""

from __future__ import annotations

import copy
import gc
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
import safetensors.torch
import torch
from transformers import AutoModelForSeq2SeqLM

from translate.decoding.beam_search import SearchOptions
from translate.decoding.decoder import DecodeRequest, Decoder
from translate.decoding.file_table import FileTable, find_table
from translate.decoding.model import load_model
from translate.decoding.quantize import (FBGEMM_BLOCK, FBGEMM_WHOLE, INT8_ENGINE, OUTPUT_ENGINE, REDUCING_ENGINE,
                                         SMALL_SCALE, Int8Embedding, Int8Linear,
                                         integers_of, quantize_activations, quantize_int8)
from translate.decoding.restack import stacked_linear

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import benchlib  # noqa: E402  (the benchmarks' memory measurement)
ARCHS = ["marian", "mbart", "t5", "m2m100"]


# Run in a fresh interpreter: other tests' models would be counted, and a collection they trigger would hide
# the cycle.  Counts the float layers and float token tables still alive right after loading.
_COUNT_FLOAT_LEFTOVERS = """
import gc, sys, torch
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
def test_int8_loading_reads_the_token_table_from_the_weights_file(arch: str, tiny_model_dir: Callable[[str], Path]
                                                                 ) -> None:
    """Loaded int8 from a directory, every module that embedded tokens with the float table reads its rows from
    the weights file: the float rows exactly, scaled as the replaced module scaled (mBART, M2M-100), and no
    copy of the table in the model's own memory; a translation reads it."""
    path = tiny_model_dir(arch)
    reference = AutoModelForSeq2SeqLM.from_pretrained(path).eval()
    table = reference.get_input_embeddings()
    loaded = load_model(str(path), precision="int8")
    rows = loaded.model.get_input_embeddings()
    assert isinstance(rows, FileTable)
    assert loaded.model.get_encoder().embed_tokens is rows and loaded.model.get_decoder().embed_tokens is rows
    leftovers = [name for name, m in loaded.model.named_modules() if isinstance(m, torch.nn.Embedding)
                 and m.num_embeddings == table.num_embeddings]
    assert leftovers == [], f"float token tables left in the int8 model: {leftovers}"
    assert all(t.numel() < table.weight.numel() for t in loaded.model.state_dict().values())
    ids = torch.arange(table.num_embeddings)
    with torch.no_grad():
        assert torch.equal(rows(ids), table(ids))
    assert len(Decoder(loaded, SearchOptions(beams=2, max_new_tokens=3)).decode([DecodeRequest("Xin chào")])) == 1


@pytest.mark.parametrize("arch", ARCHS)
def test_without_a_weights_file_the_int8_table_keeps_int8_rows(arch: str, tiny_model_dir: Callable[[str], Path]
                                                               ) -> None:
    """quantize_int8 given no weights file to read the table from: the table becomes int8 rows, within half a
    quantisation step of each float row, scaled as the replaced module scaled."""
    reference = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir(arch)).eval()
    table = reference.get_input_embeddings()
    model = quantize_int8(reference)
    int8 = model.get_input_embeddings()
    assert isinstance(int8, Int8Embedding) and int8.q.dtype == torch.int8
    assert int8.q.numel() == table.weight.numel() and int8.scales.numel() == table.num_embeddings
    assert model.get_encoder().embed_tokens is int8 and model.get_decoder().embed_tokens is int8
    ids = torch.arange(table.num_embeddings)
    with torch.no_grad():
        expected, got = table(ids), int8(ids)
    step = int8.scales[:, None] * float(getattr(table, "embed_scale", 1.0))
    assert torch.all((got - expected).abs() <= step / 2 + 1e-6)
    assert not torch.equal(got, expected), "the table was not quantised"


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def _save_table(folder: Path, table: torch.Tensor) -> list[Path]:
    """``table`` as ``model.shared.weight`` after another tensor (so its data does not start the file's data),
    in a safetensors file, a ``pytorch_model.bin`` and beside a shard index: the files a model folder has."""
    safetensors.torch.save_file({"a.first": torch.ones(7), "model.shared.weight": table}, folder / "model.safetensors")
    torch.save({"model.shared.weight": table}, folder / "pytorch_model.bin")
    (folder / "model.safetensors.index.json").write_text("{}")
    return [folder / "model.safetensors.index.json", folder / "pytorch_model.bin", folder / "model.safetensors"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts this process's descriptors in /proc")
def test_a_table_is_read_only_where_the_file_holds_it_as_loaded(tmp_path: Path) -> None:
    """The safetensors file's tensor under one of the names, in the loaded dtype; a table the loader changed,
    a name the file does not have, a shard index, a ``pytorch_model.bin`` or a cut-off file give None, and
    leave no file open."""
    table = torch.randn(300, 16)
    files = _save_table(tmp_path, table)
    open_before = _open_descriptors()
    stored = find_table(files, ["nope", "model.shared.weight"], table)
    assert stored is not None
    rows = FileTable(stored, torch.nn.Embedding(300, 16))
    assert torch.equal(rows(torch.arange(300)), table)
    ids = torch.tensor([[5, 7], [5, 299]])
    assert torch.equal(rows(ids), table[ids])
    for wrong in ([300], [-1]):
        with pytest.raises(IndexError):
            rows(torch.tensor(wrong))
    del rows, stored
    gc.collect()
    assert find_table(files, ["model.shared.weight"], table + 1) is None
    assert find_table(files, ["model.encoder.embed_tokens.weight"], table) is None
    assert find_table(files[:2], ["model.shared.weight"], table) is None
    cut = tmp_path / "cut" / "model.safetensors"
    cut.parent.mkdir()
    cut.write_bytes(files[2].read_bytes()[:-100])
    assert find_table([cut], ["model.shared.weight"], table) is None
    assert _open_descriptors() == open_before


@pytest.mark.parametrize("stored_as", [torch.float16, torch.bfloat16])
def test_a_half_precision_table_gives_the_rows_as_the_model_loaded_them(stored_as: torch.dtype, tmp_path: Path
                                                                       ) -> None:
    """A checkpoint stored in float16/bfloat16 and loaded in float32 or its own dtype, or stored in float32 and
    loaded in half precision: the rows come back as the model had them, float32 out."""
    half = torch.randn(50, 8).to(stored_as)
    full = torch.randn(50, 8)
    for stored_table, loaded in ((half, half.float()), (half, half), (full, full.to(stored_as))):
        files = _save_table(tmp_path, stored_table)
        stored = find_table(files, ["model.shared.weight"], loaded)
        assert stored is not None and stored.dtype == stored_table.dtype
        got = FileTable(stored, torch.nn.Embedding(50, 8))(torch.arange(50))
        assert got.dtype == torch.float32 and torch.equal(got, loaded.float())


def test_a_weights_file_rewritten_while_loaded_is_refused_by_name(tmp_path: Path) -> None:
    """New weights copied over the open file: its rows are not the loaded model's, so the next lookup stops
    with an error naming the file and what to do."""
    table = torch.randn(40, 8)
    files = _save_table(tmp_path, table)
    stored = find_table(files, ["model.shared.weight"], table)
    assert stored is not None
    rows = FileTable(stored, torch.nn.Embedding(40, 8))
    rows(torch.arange(3))
    time.sleep(0.01)  # a modification time that differs even on coarse clocks
    files[2].write_bytes(files[2].read_bytes()[::-1])
    with pytest.raises(OSError, match=r"model\.safetensors.*rewritten.*restart vi2en"):
        rows(torch.arange(3))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts this process's descriptors in /proc")
def test_a_copied_table_shares_the_open_weights_file(tiny_model_dir: Callable[[str], Path]) -> None:
    """copy.deepcopy of a table read from the file (as of a model whose layers can be copied) reads the same
    open file, which stays open, and readable, for the copy when the original goes, and closes with the last."""
    open_before = _open_descriptors()
    rows = load_model(str(tiny_model_dir("marian")), precision="int8").model.get_input_embeddings()
    assert isinstance(rows, FileTable) and _open_descriptors() == open_before + 1
    copied = copy.deepcopy(rows)
    ids = torch.arange(10)
    expected = rows(ids)
    del rows
    gc.collect()
    assert torch.equal(copied(ids), expected)
    del copied
    gc.collect()
    assert _open_descriptors() == open_before


@pytest.mark.parametrize("arch", ARCHS)
def test_the_output_layer_is_packed_for_its_own_engine(arch: str, tiny_model_dir: Callable[[str], Path]) -> None:
    """The output layer, the one wide product, runs on :data:`OUTPUT_ENGINE` (oneDNN on a CPU with VNNI or AMX) and
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


@pytest.mark.parametrize("engine", ENGINES)
def test_an_empty_int8_linear_computes_and_gives_back_its_no_rows(engine: str) -> None:
    """A layer of no output rows is still a layer: an empty output per input row, and no integers read back."""
    layer = Int8Linear(torch.zeros(0, 8, dtype=torch.int8), torch.zeros(0), None, engine)
    assert layer(torch.randn(3, 8)).shape == (3, 0)
    integers, row_scales = layer.rows()
    assert integers.shape == (0, 8) and row_scales.shape == (0,)


@pytest.mark.skipif("fbgemm" not in torch.backends.quantized.supported_engines, reason="torch has no fbgemm here")
def test_a_wide_fbgemm_layer_computes_in_blocks_exactly_as_each_block_alone() -> None:
    """A layer wider than FBGEMM_WHOLE is packed in blocks of FBGEMM_BLOCK rows (fbgemm's int32 buffer is then
    one block's, not the whole output's): the output is, bit for bit, each block's own layer's output side by
    side, bias included, and the integers read back are the ones it was built from."""
    generator = torch.Generator().manual_seed(1)
    rows = FBGEMM_WHOLE + 300
    q = torch.randint(-127, 128, (rows, 16), generator=generator, dtype=torch.int8)
    scales = torch.rand(rows, generator=generator) / 100 + 1e-4
    bias = torch.randn(rows, generator=generator)
    x = torch.randn(3, 16, generator=generator)
    wide = Int8Linear(q, scales, bias, "fbgemm")
    out = wide(x)
    starts = range(0, rows, FBGEMM_BLOCK)
    assert len(starts) > 1
    alone = torch.cat([Int8Linear(q[i:i + FBGEMM_BLOCK], scales[i:i + FBGEMM_BLOCK], bias[i:i + FBGEMM_BLOCK],
                                  "fbgemm")(x) for i in starts], dim=-1)
    assert out.shape == (3, rows) and torch.equal(out, alone)
    integers, row_scales = wide.rows()
    assert torch.equal(integers, q) and torch.equal(row_scales, scales)


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="the peak memory is reset through Linux's /proc")
@pytest.mark.skipif("fbgemm" not in torch.backends.quantized.supported_engines, reason="torch has no fbgemm here")
def test_a_wide_fbgemm_layer_holds_little_more_than_its_output_during_a_call() -> None:
    """fbgemm's product fills an int32 buffer of its output's size before the floats: whole, a wide layer (an
    output layer of NLLB's width) would hold twice its output during a call; in blocks, one block's more."""
    rows = 262_144  # about NLLB's 256,206
    assert rows > FBGEMM_WHOLE
    layer = Int8Linear(torch.ones(rows, 16, dtype=torch.int8), torch.full((rows,), 0.01), None, "fbgemm")
    x = torch.randn(64, 16)
    output_mb = 64 * rows * 4 / 2**20  # 64 MB; whole, the call would hold 128 MB
    layer(x)
    grown = benchlib.call_peak_growth_mb(lambda: layer(x))
    assert output_mb * 0.9 <= grown <= output_mb * 1.5, (grown, output_mb)  # whole: twice the output


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


def _dynamic(x: torch.Tensor, reduce_range: bool = False) -> torch.Tensor:
    """torch's own dynamic quantisation; with ``reduce_range`` under an engine that honours it (not qnnpack)."""
    before = torch.backends.quantized.engine
    torch.backends.quantized.engine = REDUCING_ENGINE if reduce_range else before
    try:
        return torch.quantize_per_tensor_dynamic(x, torch.quint8, reduce_range)
    finally:
        torch.backends.quantized.engine = before


def _assert_quantized_as_torch(x: torch.Tensor, reduce_range: bool = False) -> None:
    if reduce_range and REDUCING_ENGINE == "qnnpack":
        pytest.skip("this torch has only qnnpack, which quantises in 8 bits whatever reduce_range says")
    expected, got = _dynamic(x, reduce_range), quantize_activations(x, reduce_range)
    assert (got.q_scale(), got.q_zero_point()) == (expected.q_scale(), expected.q_zero_point())
    assert torch.equal(got.int_repr(), expected.int_repr())


@pytest.mark.parametrize("reduce_range", [False, True], ids=["8 bits", "7 bits"])
@pytest.mark.parametrize("kind", ["mixed", "positive", "negative", "offset"])
def test_activations_are_quantized_as_torchs_dynamic_quantization_does(kind: str, reduce_range: bool) -> None:
    """The one-pass range gives torch's own scale, zero point and integers, over magnitudes from 0.03 to 1000
    (every scale above torch's floor, so each case runs the one-pass arithmetic) and ranges on either side of 0,
    in 255 steps and in the 127 of a reduced range."""
    generator = torch.Generator().manual_seed(len(kind))
    for _ in range(200):
        x = torch.randn(17, 64, generator=generator) * 10 ** (torch.rand(1, generator=generator).item() * 4.5 - 1.5)
        x = {"positive": x.abs(), "negative": -x.abs(), "offset": x + 5 * x.abs().max()}.get(kind, x)
        assert (x.max().clamp_min(0) - x.min().clamp_max(0)).item() / 255 >= SMALL_SCALE
        _assert_quantized_as_torch(x, reduce_range)


@pytest.mark.parametrize("values", [
    [-2.5, 252.5, 0.0, 1.0],  # zero point 2.5 from the low end: rounded half to even, 2 (half up would give 3)
    [-3.5, 251.5],  # 3.5: 4
    [-250.0, 5.2],  # mostly below 0: zero point 250
    [0.0, 3.0, 7.5],  # all at or above 0: zero point 0
    [-7.5, -1.0],  # all at or below 0: zero point 255
    [0.0, 255 * 6.1e-5],  # a scale just at the floor
    [-1.5, 125.5],  # 7 bits: zero point 1.5, rounded half to even, 2
    [0.0, 127 * 6.1e-5],  # 7 bits: a scale just at the floor
])
@pytest.mark.parametrize("reduce_range", [False, True], ids=["8 bits", "7 bits"])
def test_activations_on_torchs_edge_cases_are_quantized_as_torch_does(values: list[float], reduce_range: bool) -> None:
    _assert_quantized_as_torch(torch.tensor([values]), reduce_range)


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
