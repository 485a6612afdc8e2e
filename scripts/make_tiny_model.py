#!/usr/bin/env python3
"""Write a random-weights translation model of one family, with a real SentencePiece tokenizer.

Why: tests and benchmarks need models that load, tokenise and decode exactly like downloaded ones, on
machines that cannot reach the Hugging Face hub.  The weights are random (translations are gibberish); the
tokenizer is trained here, in-process, on the project's Vietnamese and English text, and saved in the same
layout as the real model, so ``AutoTokenizer``/``AutoModelForSeq2SeqLM`` and ``translate.decoding.model.load_model``
load the directory like a download.

Architectures (``--arch``) and the real model whose layout each copies:

* ``marian``   Helsinki-NLP/opus-mt-vi-en: ``source.spm``/``target.spm`` trained on Vietnamese/English
               separately, a shared ``vocab.json`` with ``<pad>`` last, decoding starts from ``<pad>``.
* ``mbart``    vinai/vinai-translate-vi2en-v2: ``MBartTokenizer`` (mBART-cc25 convention, codes ``vi_VN``
               and ``en_XX``), decoding starts from ``en_XX``.
* ``mbart50``  facebook/mbart-large-50-many-to-many-mmt: ``MBart50Tokenizer``, decoding ``</s> en_XX``.
* ``t5``       VietAI/envit5-translation: T5 v1.1 with a ``spiece.model`` and 100 sentinel tokens.
* ``m2m100``   facebook/nllb-200-distilled-600M: an NLLB-style BPE tokenizer (``NllbTokenizer``,
               ``vie_Latn``/``eng_Latn``) on the ``m2m_100`` architecture.
* ``m2m100-original``  facebook/m2m100_418M: ``M2M100Tokenizer`` with ``__vi__``/``__en__``.
* ``nllb``     the ``m2m100`` layout again, whose ``--size base`` is NLLB-200-distilled-600M's shape.

``--size tiny`` (d_model 64, 2+2 layers, ~1-2k vocabulary) builds in a second or two; ``--size base`` has
opus-mt-vi-en's dimensions (6+6 layers, d_model 512, 8 heads, FFN 2048) and its 53,739-entry vocabulary:
SentencePiece cannot learn that many pieces from the little text there is, so the vocabulary is padded with
unused pieces that the tokenizer never produces; the output projection then costs what the real one does.
The target SentencePiece model is padded likewise to opus-mt's 32,000 pieces (the rows the decoder scores).
``--arch nllb --size base`` (or any arch with ``--size nllb-600m``) has facebook/nllb-200-distilled-600M's
(12+12 layers, d_model 1024, 16 heads, FFN 4096, 256,206 output rows; 615M parameters, 2.5 GB in float32):
it builds in about a minute and needs ~6 GB of memory while it is written.

Training text: ``corpus/`` (articles, reference pairs, FLORES devtest), the glossary's ``vi``/``en``
columns, and, while the corpus is thin, ``../shared/articles``; a few sentences embedded below guarantee
a working build from a bare checkout.  Text is not normalised (SentencePiece rule ``identity``) so the
Hugging Face fast tokenizers built from it need no ``protobuf`` and encode exactly like SentencePiece.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import sentencepiece
import torch
from transformers import (
    AutoModelForSeq2SeqLM,
    GenerationConfig,
    M2M100Config,
    M2M100Tokenizer,
    MarianConfig,
    MarianTokenizer,
    MBart50Tokenizer,
    MBartConfig,
    MBartTokenizer,
    NllbTokenizer,
    PreTrainedConfig,
    PreTrainedTokenizerBase,
    T5Config,
    T5Tokenizer,
)
from transformers.convert_slow_tokenizer import MBart50Converter, MBartConverter, NllbConverter, T5Converter
from transformers.tokenization_utils_base import generate_merges

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GLOSSARY_DATA = ROOT / "glossary" / "data"
SHARED_ARTICLES = ROOT.parent / "shared" / "articles"
THIN_CORPUS_LINES = 500
"""Below this many Vietnamese lines the corpus is topped up from ../shared/articles."""

EMBEDDED_PAIRS = (
    ("Bộ trưởng Bộ Ngoại giao Bùi Thanh Sơn đã tiếp Đại sứ Nhật Bản tại Hà Nội.",
     "Minister of Foreign Affairs Bui Thanh Son received the Japanese Ambassador in Hanoi."),
    ("Bộ Công Thương cho biết kim ngạch xuất khẩu tăng 12% so với cùng kỳ năm trước.",
     "The Ministry of Industry and Trade said export turnover rose 12% over the same period last year."),
    ("Hội đồng Tư vấn Kinh doanh APEC (ABAC) họp phiên thứ tư tại Thành phố Hồ Chí Minh.",
     "The APEC Business Advisory Council (ABAC) held its fourth meeting in Ho Chi Minh City."),
    ("Thủ tướng Chính phủ yêu cầu các bộ, ngành đẩy nhanh giải ngân vốn đầu tư công.",
     "The Prime Minister asked ministries and sectors to speed up the disbursement of public investment."),
    ("Hai bên nhất trí tăng cường hợp tác trong lĩnh vực thương mại, đầu tư và năng lượng.",
     "The two sides agreed to strengthen cooperation in trade, investment and energy."),
    ("Việt Nam là thành viên tích cực của ASEAN và Liên Hợp Quốc.",
     "Viet Nam is an active member of ASEAN and the United Nations."),
    ("Ngân hàng Nhà nước Việt Nam giữ nguyên lãi suất điều hành trong quý ba.",
     "The State Bank of Viet Nam kept its policy interest rates unchanged in the third quarter."),
    ("Hiệp định Đối tác Toàn diện và Tiến bộ xuyên Thái Bình Dương (CPTPP) có hiệu lực từ năm 2018.",
     "The Comprehensive and Progressive Agreement for Trans-Pacific Partnership (CPTPP) took effect in 2018."),
    ("Theo Thông tấn xã Việt Nam (TTXVN), hội nghị diễn ra theo hình thức trực tuyến.",
     "According to the Viet Nam News Agency (VNA), the conference was held online."),
    ("Phó Thủ tướng đề nghị doanh nghiệp hai nước tận dụng các hiệp định thương mại tự do.",
     "The Deputy Prime Minister urged businesses of both countries to make use of free trade agreements."),
    ("Ủy ban nhân dân tỉnh Quảng Ninh đã phê duyệt quy hoạch khu kinh tế ven biển.",
     "The People's Committee of Quang Ninh province approved the plan for the coastal economic zone."),
    ("Đoàn công tác gồm đại diện Bộ Tài chính, Bộ Kế hoạch và Đầu tư và Văn phòng Chính phủ.",
     "The delegation included representatives of the Ministry of Finance, the Ministry of Planning and "
     "Investment and the Government Office."),
)


@dataclass(frozen=True)
class Size:
    """Model dimensions; SentencePiece's target size and sample; the size the vocabulary is padded to.

    SentencePiece samples at most ``spm_sentences`` lines, so a build stays quick as the corpus grows.
    """

    d_model: int
    layers: int
    heads: int
    ffn: int
    spm_pieces: int
    spm_sentences: int
    vocab: int | None = None
    target_pieces: int | None = None
    """Marian only: the target SentencePiece model is padded to this many pieces (opus-mt's spm32k).  The
    decoder cuts its output layer to the target side's pieces, so the cut must cost here what it does there."""


NLLB_600M_ROWS = 256_206
"""facebook/nllb-200-distilled-600M's ``vocab_size``: the rows of its output layer."""
NLLB_TOKENIZER_ADDS = 204
"""Entries ``NllbTokenizer`` puts beside the SentencePiece pieces (its specials, 202 language codes, ``<mask>``)."""

SIZES = {
    "tiny": Size(d_model=64, layers=2, heads=4, ffn=128, spm_pieces=1000, spm_sentences=1000),
    "base": Size(d_model=512, layers=6, heads=8, ffn=2048, spm_pieces=8000, spm_sentences=50_000, vocab=53_739,
                 target_pieces=32_000),
    # facebook/nllb-200-distilled-600M's config.json: d_model 1024, encoder/decoder_layers 12, attention_heads 16,
    # ffn_dim 4096, and NLLB_600M_ROWS.
    "nllb-600m": Size(d_model=1024, layers=12, heads=16, ffn=4096, spm_pieces=8000, spm_sentences=50_000,
                      vocab=NLLB_600M_ROWS - NLLB_TOKENIZER_ADDS),
}
BASE_SIZES = {"nllb": "nllb-600m"}
"""What ``--size base`` builds for an arch named after a model other than opus-mt-vi-en."""


@dataclass
class Text:
    """Training lines, per language."""

    vi: list[str] = field(default_factory=list)
    en: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Blueprint:
    """What an architecture builder decides: the tokenizer, the model config, generation defaults."""

    tokenizer: PreTrainedTokenizerBase
    config: PreTrainedConfig
    generation: dict[str, Any] = field(default_factory=dict)


def training_text() -> Text:
    """The project's Vietnamese and English text, topped up where the corpus is still thin."""
    text = Text()
    text.vi += _read_lines(sorted(CORPUS.glob("articles/*.txt")) + sorted(CORPUS.glob("flores200-devtest/*.vi")))
    text.en += _read_lines(sorted(CORPUS.glob("flores200-devtest/*.en")))
    for path in sorted(CORPUS.glob("references/*.tsv")) + sorted(GLOSSARY_DATA.glob("*.tsv")):
        for vi, en in _tsv_pairs(path):
            text.vi.append(vi)
            text.en.append(en)
    if len(text.vi) < THIN_CORPUS_LINES:
        text.vi += _read_lines(sorted(SHARED_ARTICLES.glob("*.txt")))
    text.vi += [vi for vi, _ in EMBEDDED_PAIRS]
    text.en += [en for _, en in EMBEDDED_PAIRS]
    return text


def _read_lines(paths: Iterable[Path]) -> list[str]:
    return [line.strip() for path in paths for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _tsv_pairs(path: Path) -> list[tuple[str, str]]:
    """(vi, en) of a TSV: the ``vi``/``en`` columns if the header names them, else the first two columns."""
    rows = [row for row in csv.reader(_uncommented(path), delimiter="\t", quoting=csv.QUOTE_NONE) if len(row) >= 2]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    if {"vi", "en"} <= set(header):
        vi_col, en_col, body = header.index("vi"), header.index("en"), rows[1:]
    else:
        vi_col, en_col, body = 0, 1, rows
    return [(row[vi_col], row[en_col]) for row in body if row[vi_col].strip() and row[en_col].strip()]


def _uncommented(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]


def train_spm(lines: list[str], size: Size, model_type: str,
              **special_ids: int) -> sentencepiece.SentencePieceProcessor:
    """Train a SentencePiece model in memory; ``special_ids`` overrides the default ``<unk>=0 <s>=1 </s>=2``.

    At most ``size.spm_sentences`` lines, drawn here with a fixed seed: sentencepiece's own sampling
    (``shuffle_input_sentence``) ignores ``set_random_generator_seed``, so each build drew other lines and
    the tests' models (their vocabularies, hence every id and logit) changed from one session to the next.
    """
    if len(lines) > size.spm_sentences:
        lines = random.Random(0).sample(lines, size.spm_sentences)
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type=model_type,
        vocab_size=size.spm_pieces,
        hard_vocab_limit=False,  # small corpora cannot fill the target size; take what they give
        character_coverage=1.0,
        normalization_rule_name="identity",
        num_threads=2,
        minloglevel=2,
        **special_ids,
    )
    return sentencepiece.SentencePieceProcessor(model_proto=model.getvalue())


def _pieces(sp: sentencepiece.SentencePieceProcessor) -> list[str]:
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _scored_pieces(sp: sentencepiece.SentencePieceProcessor, size: Size) -> list[tuple[str, float]]:
    """(piece, score) in id order, padded (for ``base``) with unused pieces that never win a segmentation."""
    pieces = [(piece, sp.get_score(i)) for i, piece in enumerate(_pieces(sp))]
    lowest = min(score for _, score in pieces)
    return pieces + [(name, lowest - 10.0) for name in _unused(len(pieces), size)]


def _unused(have: int, size: Size) -> list[str]:
    """Names of the pieces that pad a vocabulary of ``have`` entries up to ``size.vocab``.

    Tokenizer classes add their special tokens and language codes on top, so only Marian, whose vocabulary
    is written here in full, lands exactly on the real size.
    """
    return [f"<unused{i}>" for i in range(max(0, (size.vocab or 0) - have))]


def _padded(sp: sentencepiece.SentencePieceProcessor, pieces: int) -> sentencepiece.SentencePieceProcessor:
    """``sp`` with unused pieces appended up to ``pieces``; they score too low to win any segmentation."""
    from sentencepiece import sentencepiece_model_pb2  # needs protobuf: only base-size builds get here

    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(sp.serialized_model_proto())
    lowest = min(piece.score for piece in proto.pieces)
    for i in range(pieces - len(proto.pieces)):
        proto.pieces.add(piece=f"<unused-target{i}>", score=lowest - 10.0)
    return sentencepiece.SentencePieceProcessor(model_proto=proto.SerializeToString())


def _save_spm(sp: sentencepiece.SentencePieceProcessor, path: Path) -> Path:
    path.write_bytes(sp.serialized_model_proto())
    return path


def _save_vocab(tokens: list[str], path: Path) -> Path:
    """A ``vocab.json`` (token -> id) for the tokenizers that map SentencePiece pieces through one."""
    path.write_text(json.dumps({token: i for i, token in enumerate(tokens)}, ensure_ascii=False), encoding="utf-8")
    return path


def _bart_dims(size: Size) -> dict[str, int]:
    """The dimension arguments shared by the Marian, mBART and M2M-100 configs."""
    return {
        "d_model": size.d_model,
        "encoder_layers": size.layers,
        "decoder_layers": size.layers,
        "encoder_attention_heads": size.heads,
        "decoder_attention_heads": size.heads,
        "encoder_ffn_dim": size.ffn,
        "decoder_ffn_dim": size.ffn,
    }


def _fairseq_config(tokenizer: PreTrainedTokenizerBase, config_class: type[PreTrainedConfig], size: Size,
                    **overrides: Any) -> PreTrainedConfig:
    """mBART / M2M-100 style config: ``<s>=0 <pad>=1 </s>=2``, 1024 positions, scaled embeddings."""
    settings = {
        "vocab_size": len(tokenizer), "max_position_embeddings": 1024, "bos_token_id": 0, "pad_token_id": 1,
        "eos_token_id": 2, "forced_eos_token_id": 2, "scale_embedding": True,
        "tokenizer_class": type(tokenizer).__name__, **_bart_dims(size),
    }
    return config_class(**{**settings, **overrides})


def build_marian(outdir: Path, text: Text, size: Size) -> Blueprint:
    """opus-mt: ``<pad>`` is the last id and also the decoder's start; HF ``generate`` must never emit it."""
    source_sp, target_sp = train_spm(text.vi, size, "unigram"), train_spm(text.en, size, "unigram")
    if size.target_pieces:
        target_sp = _padded(target_sp, size.target_pieces)
    source, target = _save_spm(source_sp, outdir / "source.spm"), _save_spm(target_sp, outdir / "target.spm")
    # One vocabulary for both sides, as opus-mt has: the pieces of both models after <unk> <s> </s>.
    tokens = ["</s>", "<unk>", *dict.fromkeys(_pieces(source_sp)[3:] + _pieces(target_sp)[3:])]
    tokens += [*_unused(len(tokens) + 1, size), "<pad>"]
    vocab = _save_vocab(tokens, outdir / "vocab.json")
    tokenizer = MarianTokenizer(source_spm=str(source), target_spm=str(target), vocab=str(vocab),
                                source_lang="vie", target_lang="eng")
    pad = len(tokens) - 1
    config = MarianConfig(
        vocab_size=len(tokens), decoder_vocab_size=len(tokens), max_position_embeddings=512,
        pad_token_id=pad, decoder_start_token_id=pad, eos_token_id=0, forced_eos_token_id=0,
        activation_function="swish", scale_embedding=True, share_encoder_decoder_embeddings=True,
        **_bart_dims(size),
    )
    return Blueprint(tokenizer, config, {"bad_words_ids": [[pad]], "num_beams": 4, "max_length": 512})


def build_mbart(outdir: Path, text: Text, size: Size) -> Blueprint:
    """VinAI Translate: its config sets no decoder start; the model card passes ``en_XX`` to ``generate``."""
    tokenizer = _mbart_tokenizer(outdir, text, size, MBartConverter, MBartTokenizer)
    return Blueprint(tokenizer, _fairseq_config(tokenizer, MBartConfig, size), {"num_beams": 5, "max_length": 1024})


def build_mbart50(outdir: Path, text: Text, size: Size) -> Blueprint:
    """mBART-50 many-to-many: decoding starts from ``</s>``; the card forces ``en_XX`` next."""
    tokenizer = _mbart_tokenizer(outdir, text, size, MBart50Converter, MBart50Tokenizer)
    config = _fairseq_config(tokenizer, MBartConfig, size, decoder_start_token_id=2)
    return Blueprint(tokenizer, config, {"num_beams": 5, "max_length": 200})


def _mbart_tokenizer(outdir: Path, text: Text, size: Size, converter: type, tokenizer_class: type
                     ) -> PreTrainedTokenizerBase:
    """transformers' own converter lays out the fairseq vocabulary (specials, pieces, language codes, mask).

    The source language is left at the tokenizer's default (English), as in the downloaded models: whoever
    encodes Vietnamese must say so.
    """
    sp = train_spm(text.vi + text.en, size, "unigram")
    _save_spm(sp, outdir / "sentencepiece.bpe.model")
    vocab = converter.convert_from_spm(vocab=_scored_pieces(sp, size))["vocab"]
    return tokenizer_class(vocab=vocab)


def build_t5(outdir: Path, text: Text, size: Size) -> Blueprint:
    """T5 v1.1 (gated GELU, untied output layer); ``spiece.model`` ids are ``<pad>=0 </s>=1 <unk>=2``."""
    sp = train_spm(text.vi + text.en, size, "unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    _save_spm(sp, outdir / "spiece.model")
    extra_ids = 100
    tokenizer = T5Tokenizer(**T5Converter.convert_from_spm(vocab=_scored_pieces(sp, size), extra_ids=extra_ids))
    config = T5Config(
        vocab_size=len(tokenizer), d_model=size.d_model, d_kv=size.d_model // size.heads, d_ff=size.ffn,
        num_layers=size.layers, num_heads=size.heads, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )
    return Blueprint(tokenizer, config, {"max_length": 512})


def build_nllb(outdir: Path, text: Text, size: Size) -> Blueprint:
    """NLLB's tokenizer is BPE; its merges are rebuilt from the piece ranks, as transformers converts it."""
    sp = train_spm(text.vi + text.en, size, "bpe")
    _save_spm(sp, outdir / "sentencepiece.bpe.model")
    pieces = _pieces(sp)
    ranked = {piece: i for i, piece in enumerate(pieces + _unused(len(pieces), size))}  # ids follow merge order
    vocab = NllbConverter.convert_from_spm(vocab=ranked)["vocab"]
    tokenizer = NllbTokenizer(vocab=vocab, merges=generate_merges(ranked))
    config = _fairseq_config(tokenizer, M2M100Config, size, decoder_start_token_id=2)
    return Blueprint(tokenizer, config, {"max_length": 200})


def build_m2m100_original(outdir: Path, text: Text, size: Size) -> Blueprint:
    """M2M-100: a fairseq ``vocab.json`` over a SentencePiece model, language codes appended by the tokenizer."""
    sp = train_spm(text.vi + text.en, size, "unigram")
    spm_file = _save_spm(sp, outdir / "sentencepiece.bpe.model")
    tokens = ["<s>", "<pad>", "</s>", "<unk>", *_pieces(sp)[3:]]
    tokens += _unused(len(tokens), size)
    vocab = _save_vocab(tokens, outdir / "vocab.json")
    madeup_words = 8  # output rows after the language codes that no token maps to, as in M2M-100
    tokenizer = M2M100Tokenizer(vocab_file=str(vocab), spm_file=str(spm_file), num_madeup_words=madeup_words)
    # The language codes follow the vocabulary but, in transformers 5, do not count in len(tokenizer).
    rows = len(tokens) + len(tokenizer.lang_code_to_id) + madeup_words
    config = _fairseq_config(tokenizer, M2M100Config, size, decoder_start_token_id=2, vocab_size=rows)
    return Blueprint(tokenizer, config, {"num_beams": 5, "max_length": 200})


BUILDERS: dict[str, Callable[[Path, Text, Size], Blueprint]] = {
    "marian": build_marian,
    "mbart": build_mbart,
    "mbart50": build_mbart50,
    "t5": build_t5,
    "m2m100": build_nllb,
    "m2m100-original": build_m2m100_original,
    "nllb": build_nllb,
}


def size_for(arch: str, size: str | Size) -> Size:
    """The dimensions ``size`` names for ``arch`` (``base``: the arch's own, see :data:`BASE_SIZES`)."""
    if isinstance(size, Size):
        return size
    return SIZES[BASE_SIZES.get(arch, size) if size == "base" else size]


def make_tiny_model(outdir: Path | str, arch: str, size: str | Size = "tiny", seed: int = 0) -> Path:
    """Build the model into ``outdir`` (created if needed) and return it.

    ``size`` names one of :data:`SIZES` (``base``: the arch's, see :data:`BASE_SIZES`) or is a :class:`Size`
    of its own (e.g. a trainer's, which wants opus-mt-like word pieces on a tiny network).
    """
    if arch not in BUILDERS or not isinstance(size, Size) and size not in SIZES:
        raise ValueError(f"unknown arch {arch!r} or size {size!r}; archs: {', '.join(BUILDERS)}; "
                         f"sizes: {', '.join(SIZES)}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    sentencepiece.set_random_generator_seed(seed)
    torch.manual_seed(seed)
    blueprint = BUILDERS[arch](outdir, training_text(), size_for(arch, size))
    model = AutoModelForSeq2SeqLM.from_config(blueprint.config)
    model.generation_config = GenerationConfig.from_model_config(blueprint.config)
    model.generation_config.update(**blueprint.generation)
    model.save_pretrained(outdir)
    blueprint.tokenizer.save_pretrained(outdir)
    return outdir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--arch", choices=list(BUILDERS), required=True)
    parser.add_argument("--size", choices=list(SIZES), default="tiny")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    outdir = make_tiny_model(args.outdir, args.arch, args.size, args.seed)
    files = sorted(outdir.iterdir())
    print(f"wrote a random-weights {args.arch} model ({args.size}) to {outdir}:")
    for path in files:
        print(f"  {path.name}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
