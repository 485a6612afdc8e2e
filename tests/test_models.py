"""Model loading and the family adapters, on tiny random-weights models of every supported layout.

The expectations below are written from each real model's card (how its authors call ``generate``), not
from the adapters, so a wrong convention in ``translate.decoding.families`` fails here.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import sentencepiece
import torch
from huggingface_hub.errors import RepositoryNotFoundError
from transformers import AutoTokenizer, BatchEncoding, PreTrainedTokenizerBase

from translate.decoding.quantize import Int8Linear
from translate.decoding import model as model_module
from translate.decoding.model import (
    LoadedModel,
    ModelNotAvailable,
    configure_threads,
    load_model,
)
from translate.decoding.model_files import resolve_model_name
from translate.settings import DEFAULT_MODEL, MODEL_ENV

SENTENCES = [
    "Bộ trưởng Bộ Ngoại giao Bùi Thanh Sơn đã tham dự Hội nghị liên Bộ trưởng APEC.",
    "Bộ Công Thương làm việc với Hội đồng Tư vấn Kinh doanh APEC (ABAC).",
]
PHRASES = ["Ministry of Industry and Trade", "Bui Thanh Son", "ABAC", "APEC Business Advisory Council"]


@dataclass(frozen=True)
class Case:
    """One tiny-model layout and how its real counterpart's model card uses it."""

    arch: str
    family: str
    max_source_tokens: int
    source_lang: str | None = None
    """``src_lang`` the card passes to the tokenizer."""
    target_code: str | None = None
    """The target-language token the card forces (as ``forced_bos_token_id`` unless ``code_starts``)."""
    code_starts: bool = False
    """The card passes the code as ``decoder_start_token_id`` (mBART-cc25 convention) instead."""
    card_source_prefix: str = ""

    def card_tokenizer(self, directory: Path) -> PreTrainedTokenizerBase:
        kwargs = {"src_lang": self.source_lang} if self.source_lang else {}
        return AutoTokenizer.from_pretrained(directory, **kwargs)

    def card_inputs(self, tokenizer: PreTrainedTokenizerBase) -> BatchEncoding:
        """:data:`SENTENCES` encoded the card's way."""
        return tokenizer([self.card_source_prefix + s for s in SENTENCES], padding=True, return_tensors="pt")

    def card_generate_kwargs(self, tokenizer: PreTrainedTokenizerBase) -> dict[str, int]:
        if self.target_code is None:
            return {}
        code = tokenizer.convert_tokens_to_ids(self.target_code)
        return {"decoder_start_token_id": code} if self.code_starts else {"forced_bos_token_id": code}

    @property
    def card_forced(self) -> int:
        """How many leading decoder tokens the card's ``generate`` call fixes."""
        return 2 if self.target_code and not self.code_starts else 1


CASES = [
    Case("marian", "marian", 512),
    Case("mbart", "mbart", 1024, "vi_VN", "en_XX", code_starts=True),
    Case("mbart50", "mbart50", 1024, "vi_VN", "en_XX"),
    Case("t5", "t5", 512, card_source_prefix="vi: "),
    Case("m2m100", "nllb", 1024, "vie_Latn", "eng_Latn"),
    Case("m2m100-original", "m2m100", 1024, "vi", "__en__"),
]


@pytest.fixture(scope="module", params=CASES, ids=[case.arch for case in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


@pytest.fixture(scope="module")
def loaded(case: Case, tiny_model_dir: Callable[[str], Path]) -> LoadedModel:
    return load_model(str(tiny_model_dir(case.arch)))


def test_family_is_detected_and_model_ready(case: Case, loaded: LoadedModel) -> None:
    assert loaded.family.name == case.family
    assert not loaded.model.training
    assert loaded.family.max_source_tokens == case.max_source_tokens
    assert loaded.family.vocab_size == loaded.model.get_output_embeddings().weight.shape[0]


def test_sources_are_encoded_as_the_model_card_does(case: Case, loaded: LoadedModel,
                                                    tiny_model_dir: Callable[[str], Path]) -> None:
    expected = case.card_inputs(case.card_tokenizer(tiny_model_dir(case.arch)))
    batch = loaded.family.encode_sources(SENTENCES)
    assert set(batch) == {"input_ids", "attention_mask"}
    assert torch.equal(batch["input_ids"], expected["input_ids"])
    assert torch.equal(batch["attention_mask"], expected["attention_mask"])
    assert batch["attention_mask"].sum(dim=1).tolist() == [loaded.family.count_source_tokens(s) for s in SENTENCES]


def test_sources_are_never_truncated(loaded: LoadedModel) -> None:
    family = loaded.family
    long_text = " ".join(SENTENCES * 60)
    n = family.count_source_tokens(long_text)
    assert n > family.max_source_tokens
    assert family.encode_sources([long_text])["input_ids"].shape == (1, n)


@pytest.mark.parametrize("phrase", PHRASES)
def test_target_phrases_round_trip(loaded: LoadedModel, phrase: str) -> None:
    family = loaded.family
    ids = family.encode_target(phrase)
    assert ids
    assert not set(ids) & set(family.banned_token_ids) - {loaded.tokenizer.unk_token_id}
    assert family.decode(ids) == phrase


def test_marian_target_phrases_use_the_target_sentencepiece_model(tiny_model_dir: Callable[[str], Path]) -> None:
    directory = tiny_model_dir("marian")
    family = load_model(str(directory)).family
    target = sentencepiece.SentencePieceProcessor(model_file=str(directory / "target.spm"))
    for phrase in PHRASES:
        pieces = family.tokenizer.convert_ids_to_tokens(family.encode_target(phrase))
        assert pieces == target.encode(phrase, out_type=str)


def test_target_encoding_is_word_initial(loaded: LoadedModel) -> None:
    """A phrase's ids are what it is made of inside a sentence, so constraints can match and force them."""
    family = loaded.family
    phrase, before, after = family.encode_target("ABAC"), family.encode_target("Ministry"), family.encode_target("met")
    assert family.encode_target("Ministry ABAC met") == before + phrase + after


def test_decoder_prefix_is_what_the_model_card_generate_starts_with(case: Case, loaded: LoadedModel,
                                                                    tiny_model_dir: Callable[[str], Path]) -> None:
    card_tokenizer = case.card_tokenizer(tiny_model_dir(case.arch))
    out = loaded.model.generate(**case.card_inputs(card_tokenizer), **case.card_generate_kwargs(card_tokenizer), max_new_tokens=4,
                                num_beams=1, do_sample=False)
    forced = loaded.family.decoder_prefix[: case.card_forced]
    assert out[:, : case.card_forced].tolist() == [forced] * len(SENTENCES)


def test_t5_prefix_forces_the_english_tag(tiny_model_dir: Callable[[str], Path]) -> None:
    """envit5 writes ``en: `` before its translation; the prefix forces it, so the hypothesis is the translation."""
    family = load_model(str(tiny_model_dir("t5"))).family
    assert family.decoder_prefix[1:] == family.encode_target("en:")
    assert family.decode(family.decoder_prefix[1:]) == "en:"


def test_generate_runs_from_the_family_prefix(loaded: LoadedModel) -> None:
    family = loaded.family
    prefix = torch.tensor([family.decoder_prefix] * len(SENTENCES))
    out = loaded.model.generate(**family.encode_sources(SENTENCES), decoder_input_ids=prefix,
                                decoder_start_token_id=family.decoder_prefix[0], max_new_tokens=5, num_beams=2,
                                do_sample=False, suppress_tokens=family.banned_token_ids)
    assert out.shape[0] == len(SENTENCES)
    assert out[:, : len(family.decoder_prefix)].tolist() == prefix.tolist()
    generated = out[:, len(family.decoder_prefix):]
    assert not set(generated.flatten().tolist()) & set(family.banned_token_ids) - {family.pad_token_id}
    assert all(isinstance(family.decode(row.tolist()), str) for row in generated)


def test_banned_ids_keep_eos_and_ban_padding_and_language_codes(case: Case, loaded: LoadedModel) -> None:
    family = loaded.family
    banned = set(family.banned_token_ids)
    assert family.eos_token_id not in banned
    assert family.pad_token_id in banned
    assert loaded.tokenizer.unk_token_id in banned
    assert banned <= set(range(family.vocab_size))
    if case.target_code:
        assert loaded.tokenizer.convert_tokens_to_ids(case.target_code) in banned


@pytest.mark.parametrize("arch", ["marian", "t5"])  # quantization is family-blind; two layer layouts suffice
def test_int8_precision_loads_and_generates(arch: str, tiny_model_dir: Callable[[str], Path]) -> None:
    loaded = load_model(str(tiny_model_dir(arch)), precision="int8")
    assert any(isinstance(m, Int8Linear) for m in loaded.model.modules())
    assert not any(type(m) is torch.nn.Linear for m in loaded.model.modules())
    family = loaded.family
    prefix = torch.tensor([family.decoder_prefix] * len(SENTENCES))
    out = loaded.model.generate(**family.encode_sources(SENTENCES), decoder_input_ids=prefix,
                                decoder_start_token_id=family.decoder_prefix[0], max_new_tokens=4)
    assert out.shape[0] == len(SENTENCES)


def test_unknown_precision_is_refused(tiny_model_dir: Callable[[str], Path]) -> None:
    with pytest.raises(ValueError, match="precision"):
        load_model(str(tiny_model_dir("marian")), precision="float16-ish")


def _assert_clear_failure(name: str, *, reason: str) -> None:
    start = time.monotonic()
    with pytest.raises(ModelNotAvailable) as caught:
        load_model(name)
    message = str(caught.value)
    assert time.monotonic() - start < 10
    assert repr(name) in message and reason in message
    assert "--model" in message and MODEL_ENV in message and "hf download" in message
    assert "\n" not in message


def test_unknown_hub_model_offline_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    _assert_clear_failure("some-org/does-not-exist", reason="HF_HUB_OFFLINE")


def test_unknown_hub_model_online_is_reported_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_repo(self: object, repo_id: str, **kwargs: object) -> None:
        # Its constructor wants an HTTP response object of whichever HTTP library huggingface_hub uses.
        error = RepositoryNotFoundError.__new__(RepositoryNotFoundError)
        Exception.__init__(error, f"404 Client Error: Repository Not Found for {repo_id}")
        raise error

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(model_module.HfApi, "model_info", no_such_repo)
    _assert_clear_failure("some-org/does-not-exist", reason="no such model")


def test_unreachable_hub_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(self: object, repo_id: str, **kwargs: object) -> None:
        raise ConnectionError("Name or service not known")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(model_module.HfApi, "model_info", unreachable)
    _assert_clear_failure("some-org/does-not-exist", reason="unreachable")


def test_missing_directory_is_reported(tmp_path: Path) -> None:
    _assert_clear_failure(str(tmp_path / "no-such-model"), reason="no such directory")


@pytest.mark.parametrize(("removed", "reason"), [("model.safetensors", "no model weights"),
                                                 ("source.spm", "tokenizer cannot be loaded")])
def test_incomplete_directory_is_reported(tiny_model_dir: Callable[[str], Path], tmp_path: Path,
                                          removed: str, reason: str) -> None:
    copy = tmp_path / "marian"
    shutil.copytree(tiny_model_dir("marian"), copy)
    (copy / removed).unlink()
    _assert_clear_failure(str(copy), reason=reason)


def test_model_name_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert resolve_model_name(None) == DEFAULT_MODEL
    monkeypatch.setenv(MODEL_ENV, "/models/opus")
    assert resolve_model_name(None) == "/models/opus"
    assert resolve_model_name("org/other") == "org/other"


def test_configure_threads() -> None:
    before = torch.get_num_threads()
    try:
        assert configure_threads(1) == 1
        assert torch.get_num_threads() == 1
        assert configure_threads(None) >= 1
    finally:
        torch.set_num_threads(before)
