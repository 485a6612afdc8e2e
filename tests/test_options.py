"""The options object: one signature for every option that shapes the output, validated on entry;
and the device plumbing, on the CPU this suite runs on (``--device cpu`` explicitly, ``cuda`` refused
clearly where there is none)."""

from __future__ import annotations

import dataclasses
import os
from datetime import date
from pathlib import Path
from typing import Callable

import pytest
import torch

from translate.decoding import DecodeRequest, Decoder, SearchOptions, load_model
from translate.decoding.device import check_precision
from translate.options import TranslationOptions
from translate.pipeline import Translator

NO_CUDA = not torch.cuda.is_available()
#: Where the decoder test runs: the CPU here; scripts/device_check.sh sets cuda on a GPU machine.
DEVICE = os.environ.get("VI2EN_TEST_DEVICE", "cpu")
# A different value for every field: each must change the signature.
CHANGED = {
    "model": "other/model",
    "model_files": "f" * 64,
    "precision": "int8",
    "beams": 5,
    "glossary": ("b.tsv",),
    "glossary_sha256": ("2" * 64,),
    "glossary_mode": "soft",
    "renderings": "any",
    "glossary_date": date(2021, 11, 1),
    "acronyms": "first-expand",
    "explain": True,
    "tm": ("other.tmx",),
    "tm_sha256": ("3" * 64,),
    "tm_threshold": 80.0,
}


def base() -> TranslationOptions:
    return TranslationOptions("Helsinki-NLP/opus-mt-vi-en", model_files="e" * 64, glossary=("a.tsv",),
                              glossary_sha256=("0" * 64,), tm=("memory.tmx",), tm_sha256=("1" * 64,))


def test_signature_is_stable_and_short() -> None:
    first, second = base().signature(), base().signature()
    assert first == second
    assert len(first.digest) == 16 and int(first.digest, 16) >= 0
    assert first.fields["beams"] == 4 and first.fields["device"] == "cpu"
    # A date given as an ISO string is the same option as the date itself.
    assert (dataclasses.replace(base(), glossary_date="2021-11-01").signature()
            == dataclasses.replace(base(), glossary_date=date(2021, 11, 1)).signature())


def test_every_field_changes_the_signature() -> None:
    fields = {f.name for f in dataclasses.fields(TranslationOptions)}
    assert fields - {"device"} == set(CHANGED), "a new option must be added to CHANGED"
    digests = {base().signature().digest}
    for name, value in CHANGED.items():
        digests.add(dataclasses.replace(base(), **{name: value}).signature().digest)
    assert len(digests) == len(CHANGED) + 1


def test_glossary_file_contents_enter_the_signature(tmp_path: Path) -> None:
    glossary = tmp_path / "terms.tsv"
    glossary.write_text("vi\ten\ttype\nBộ Công Thương\tMinistry of Industry and Trade\torg\n", encoding="utf-8")
    before = TranslationOptions.resolve(tmp_path / "model", glossary=glossary)
    assert before.glossary == (str(glossary),) and before.model == str(tmp_path / "model")
    glossary.write_text("vi\ten\ttype\nBộ Công Thương\tMinistry of Trade\torg\n", encoding="utf-8")
    after = TranslationOptions.resolve(tmp_path / "model", glossary=glossary)
    assert after.signature().digest != before.signature().digest
    off = TranslationOptions.resolve(tmp_path / "model", glossary=glossary, glossary_mode="off")
    assert off.glossary == () and off.glossary_sha256 == ()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"beams": 0}, "beams"),
        ({"beams": True}, "beams"),
        ({"precision": "int4"}, "precision"),
        ({"device": "tpu"}, "device"),
        ({"glossary_mode": "strict"}, "glossary_mode"),
        ({"renderings": "some"}, "renderings"),
        ({"acronyms": "expand"}, "acronyms"),
        ({"glossary_date": "November 2021"}, "glossary_date"),
        ({"glossary_date": "20211101"}, "glossary_date"),  # ISO's basic form: only YYYY-MM-DD, on every Python
        ({"glossary_date": "2021-W44-1"}, "glossary_date"),  # an ISO week date
        ({"tm_threshold": 150}, "tm_threshold"),
        ({"explain": "yes"}, "explain"),
        ({"glossary": "one.tsv"}, "glossary"),
        ({"glossary_sha256": ("0", "1")}, "glossary_sha256"),
        ({"precision": "float16"}, "float16"),  # a GPU precision, refused on the CPU
    ],
)
def test_bad_options_are_refused_by_name(change: dict, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        dataclasses.replace(base(), **change)


@pytest.mark.skipif(not NO_CUDA, reason="checks the message of a machine without CUDA")
def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="'cuda'.*no CUDA device"):
        dataclasses.replace(base(), device="cuda")
    assert dataclasses.replace(base(), device="auto").device == "cpu"


def test_search_options_refuse_zero_beams() -> None:
    with pytest.raises(ValueError, match="beams"):
        SearchOptions(beams=0)
    with pytest.raises(ValueError, match="max_new_tokens"):
        SearchOptions(max_new_tokens=0)


def test_translator_load_refuses_zero_beams_before_loading(tmp_path: Path) -> None:
    """No model at that path: the option is refused first, with its name (not a ZeroDivisionError)."""
    with pytest.raises(ValueError, match="beams"):
        Translator.load(tmp_path / "no-model", glossary=(), beams=0)


@pytest.mark.parametrize("kind", ["processes", "threads"])
def test_translator_load_gives_its_decoder_the_kind_of_search_worker(tiny_model_dir: Callable[[str], Path],
                                                                     kind: str) -> None:
    with Translator.load(tiny_model_dir("marian"), glossary=(), search_workers=kind) as translator:
        assert translator.decoder.worker_kind == kind


def test_translator_load_refuses_an_unknown_kind_of_search_worker_before_loading(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="search_workers must be one of auto, processes, threads, not 'forks'"):
        Translator.load(tmp_path / "no-model", glossary=(), search_workers="forks")


def test_translator_records_its_options(tiny_model_dir: Callable[[str], Path]) -> None:
    model = str(tiny_model_dir("marian"))
    translator = Translator.load(model, glossary=(), beams=2, device="cpu", threads=1)
    assert translator.options.model == model and translator.options.beams == 2
    assert translator.options.model_files and translator.options.device == "cpu"
    shared = Translator(translator.loaded, None, glossary_mode="off", search=SearchOptions(beams=3))
    assert shared.options.beams == 3 and shared.options.glossary_mode == "off"
    assert shared.options.signature() != translator.options.signature()


@pytest.mark.parametrize("arch", ["marian", "m2m100"])  # its own decoder, and the Hugging Face stepper
def test_decoder_runs_on_the_device_it_was_given(tiny_model_dir: Callable[[str], Path], arch: str) -> None:
    loaded = load_model(str(tiny_model_dir(arch)), device=DEVICE)
    assert loaded.device.type == DEVICE and next(loaded.model.parameters()).device.type == DEVICE
    decoder = Decoder(loaded, SearchOptions(beams=2, max_new_tokens=10))
    assert decoder.vocab.continues_word.device.type == DEVICE
    out = decoder.decode([DecodeRequest("Bộ Công Thương chủ trì hội nghị.", [("Ministry of Industry and Trade",)])])
    assert out[0].met == (True,) and "Ministry of Industry and Trade" in out[0].text


def test_precisions_by_device() -> None:
    """The rule the options apply once the device is known (no GPU here to reach it through them)."""
    with pytest.raises(ValueError, match="'int8' is not offered on cuda"):
        check_precision("cuda", "int8")
    for precision in ("float16", "bfloat16"):
        check_precision("cuda", precision)
        with pytest.raises(ValueError, match=f"'{precision}' is not offered on cpu"):
            check_precision("cpu", precision)


def test_cli_device_cpu_and_refusals(vi2en: Callable, tiny_model_dir: Callable[[str], Path], tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Bộ Công Thương chủ trì hội nghị.\n", encoding="utf-8")
    model = tiny_model_dir("marian")
    common = ("translate", article, "--model", model, "--threads", "1", "--beams", "2", "-q")
    default, explicit = vi2en(*common), vi2en(*common, "--device", "cpu")
    assert default.code == explicit.code == 0 and explicit.out == default.out and explicit.out.strip()
    half = vi2en(*common, "--precision", "bfloat16")
    assert half.code == 2 and "Traceback" not in half.err and "bfloat16" in half.err
    if NO_CUDA:
        cuda = vi2en(*common, "--device", "cuda", "-o", tmp_path / "out")
        assert cuda.code == 2 and "Traceback" not in cuda.err
        assert [line for line in cuda.err.splitlines() if line.strip()] == [cuda.err.strip()]
        assert "'cuda'" in cuda.err and "no CUDA device" in cuda.err
