"""One small adapter per model family, so decoding, constraints and segmentation never ask which model it is.

Families differ in how a source is marked (a ``vi: `` prefix, a language code before or after the text),
in how the decoder starts (a start token, then possibly forced tokens), and in which SentencePiece model
segments English (Marian keeps a separate target model).  Everything else is shared and lives in
:class:`Family`.

Supported (``Family.name``):

* ``marian``   opus-mt (``Helsinki-NLP/opus-mt-vi-en``): separate source/target SentencePiece models.
* ``mbart``    mBART with ``MBartTokenizer`` (the mBART-cc25 convention, as used by
               ``vinai/vinai-translate-vi2en-v2``): source ``X </s> vi_VN``, decoder starts with ``en_XX``.
* ``mbart50``  mBART with ``MBart50Tokenizer``: source ``vi_VN X </s>``, decoder starts ``</s> en_XX``.
* ``t5``       envit5 (``VietAI/envit5-translation``): source ``vi: X``, output ``en: Y``.
* ``nllb``     NLLB-200 (model type ``m2m_100`` with ``NllbTokenizer``): ``vie_Latn`` -> ``eng_Latn``.
* ``m2m100``   M2M-100 (``M2M100Tokenizer``): ``__vi__`` -> ``__en__``.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from transformers import (
    MBart50Tokenizer,
    NllbTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)


class UnsupportedModel(Exception):
    """The model loaded, but it belongs to no family this tool knows how to drive."""


class Family:
    """What the rest of vi2en needs to know about a model's tokenizer and decoder conventions.

    Attributes (fixed when the adapter is built):
        name: the family's short name (see the module docstring).
        max_source_tokens: the longest input the model accepts, in tokens, special tokens included.
        max_target_positions: the decoder positions the model has (prefix and EOS included), or ``None``
            when it has no hard limit; no translation may be longer.
        decoder_prefix: the token ids the decoder is fed before it generates anything: the start token and
            any forced first tokens (a target-language code, envit5's ``en:`` tag).
        eos_token_id, pad_token_id: the model's end-of-sequence and padding ids.
        vocab_size: the model's output dimension (may exceed the tokenizer's length: unused rows).
        banned_token_ids: ids a translation may never contain; see :meth:`_banned_token_ids`.
    """

    name: ClassVar[str]
    model_type: ClassVar[str]
    """``config.model_type`` of the models this family drives."""
    tokenizer_class: ClassVar[type | None] = None
    """When set, the family only drives models whose tokenizer is an instance of this class."""
    source_prefix: ClassVar[str] = ""
    """Text prepended to every source segment."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> None:
        self.tokenizer = tokenizer
        generation = model.generation_config
        self.eos_token_id: int = generation.eos_token_id
        self.pad_token_id: int = model.config.pad_token_id
        self.vocab_size: int = model.get_output_embeddings().out_features
        self.max_source_tokens: int = self._max_source_tokens(model)
        self.max_target_positions: int | None = self._max_target_positions(model)
        self.decoder_prefix: list[int] = self._decoder_prefix(generation.decoder_start_token_id)
        self.banned_token_ids: list[int] = self._banned_token_ids()

    @classmethod
    def drives(cls, model_type: str, tokenizer: PreTrainedTokenizerBase) -> bool:
        """Whether this family is the right adapter for a model of ``model_type`` with ``tokenizer``."""
        return model_type == cls.model_type and (
            cls.tokenizer_class is None or isinstance(tokenizer, cls.tokenizer_class)
        )

    def encode_sources(self, texts: list[str]) -> dict[str, torch.Tensor]:
        """``input_ids`` and ``attention_mask`` of a batch, padded, never truncated.

        Over-long segments are the segmenter's business (see :meth:`count_source_tokens`): silently cutting
        them here would lose text.
        """
        batch = self.tokenizer(
            [self.source_prefix + text for text in texts],
            padding=True,
            truncation=False,
            return_tensors="pt",
            verbose=False,
        )
        return {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}

    def count_source_tokens(self, text: str) -> int:
        """How many tokens :meth:`encode_sources` makes of ``text`` (prefix and special tokens included)."""
        return len(self.tokenizer(self.source_prefix + text, truncation=False, verbose=False)["input_ids"])

    def encode_target(self, text: str) -> list[int]:
        """Target-side ids of an English phrase as it appears word-initially inside a sentence.

        No special tokens: the ids are matched against, and forced into, the middle of a translation.
        """
        return self.tokenizer(text_target=text, add_special_tokens=False)["input_ids"]

    def decode(self, ids: list[int]) -> str:
        """Detokenised text of generated ids, special tokens dropped."""
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def output_token_ids(self) -> list[int] | None:
        """The ids the decoder may produce or be fed, when the target side uses only part of the vocabulary.

        ``None``: one vocabulary serves both languages (mBART, NLLB, M2M-100, T5), every row is a candidate.
        """
        return None

    def _max_source_tokens(self, model: PreTrainedModel) -> int:
        return model.config.max_position_embeddings

    def _max_target_positions(self, model: PreTrainedModel) -> int | None:
        return model.config.max_position_embeddings

    def _forced_tokens(self) -> list[int]:
        """Tokens the decoder must emit right after its start token, before the translation proper."""
        return []

    def _decoder_prefix(self, decoder_start_token_id: int) -> list[int]:
        return [decoder_start_token_id, *self._forced_tokens()]

    def _banned_token_ids(self) -> list[int]:
        """Special tokens other than EOS, and output rows past the tokenizer's length.

        Padding, language codes, sentinels and ``<s>`` are never part of a translation, and ``decode`` would
        silently drop a generated ``<unk>`` (losing the word it stood for), so none may be generated.  Rows past
        the tokenizer's length are embedding padding, or M2M-100's language codes and "madeup words".
        """
        special = set(self.tokenizer.all_special_ids) - {self.eos_token_id}
        return sorted(special | set(range(len(self.tokenizer), self.vocab_size)))


class MarianFamily(Family):
    """opus-mt: no markers; ``text_target`` makes the tokenizer use its target SentencePiece model."""

    name = "marian"
    model_type = "marian"

    def output_token_ids(self) -> list[int] | None:
        """The pieces of the target SentencePiece model, EOS and the decoder prefix.

        opus-mt joins both sides' pieces in one vocabulary (53,739 rows for vi-en), but its training targets
        were only ever cut by the target model (32,000 pieces): the other rows are pieces it never learnt to
        produce, so leaving them out of the output layer and the softmax changes nothing but the time.
        """
        if getattr(self.tokenizer, "separate_vocabs", False):
            return None  # the output layer is the target vocabulary already
        vocab = self.tokenizer.get_vocab()
        target = self.tokenizer.spm_target
        pieces = (target.id_to_piece(i) for i in range(target.get_piece_size()))
        ids = {vocab[piece] for piece in pieces if piece in vocab}
        return sorted(ids | {self.eos_token_id, *self.decoder_prefix})


class T5Family(Family):
    """envit5: sources are tagged ``vi: `` and the model writes ``en: `` before the translation.

    Forcing the tag keeps it out of the hypothesis (the constraint layer and ``decode`` only see the
    translation) and makes sure the output is English.
    """

    name = "t5"
    model_type = "t5"
    source_prefix = "vi: "
    target_tag: ClassVar[str] = "en:"
    relative_positions_limit: ClassVar[int] = 512
    """T5 has relative positions and no hard limit; 512 is the length it was trained on."""

    def _max_source_tokens(self, model: PreTrainedModel) -> int:
        return self.relative_positions_limit

    def _max_target_positions(self, model: PreTrainedModel) -> int | None:
        return None  # relative positions: longer outputs degrade, but nothing breaks

    def _forced_tokens(self) -> list[int]:
        return self.encode_target(self.target_tag)


class _LanguageCodedFamily(Family):
    """Multilingual models that mark source and target with language-code tokens.

    The tokenizer is switched to Vietnamese sources once, here, so every encode adds the right code.
    """

    source_lang: ClassVar[str]
    target_lang: ClassVar[str]

    def __init__(self, tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> None:
        tokenizer.src_lang = self.source_lang
        tokenizer.tgt_lang = self.target_lang
        super().__init__(tokenizer, model)

    def _target_lang_id(self) -> int:
        return self.tokenizer.convert_tokens_to_ids(self.target_lang)

    def _forced_tokens(self) -> list[int]:
        return [self._target_lang_id()]


class MBart50Family(_LanguageCodedFamily):
    """mBART-50: the decoder starts with ``</s>`` and is forced to ``en_XX`` (``forced_bos_token_id``)."""

    name = "mbart50"
    model_type = "mbart"
    tokenizer_class = MBart50Tokenizer
    source_lang = "vi_VN"
    target_lang = "en_XX"


class MBartFamily(_LanguageCodedFamily):
    """mBART-cc25 convention: the target language code *is* the decoder's start token.

    VinAI Translate's model card calls ``generate(decoder_start_token_id=lang_code_to_id["en_XX"])``; its
    config's own start token is not used.
    """

    name = "mbart"
    model_type = "mbart"
    source_lang = "vi_VN"
    target_lang = "en_XX"

    def _decoder_prefix(self, decoder_start_token_id: int) -> list[int]:
        return [self._target_lang_id()]


class NllbFamily(_LanguageCodedFamily):
    """NLLB-200: decoder starts ``</s> eng_Latn``."""

    name = "nllb"
    model_type = "m2m_100"
    tokenizer_class = NllbTokenizer
    source_lang = "vie_Latn"
    target_lang = "eng_Latn"


class M2M100Family(_LanguageCodedFamily):
    """M2M-100: decoder starts ``</s> __en__``; its tokenizer names languages ``vi``/``en``."""

    name = "m2m100"
    model_type = "m2m_100"
    source_lang = "vi"
    target_lang = "en"

    def _target_lang_id(self) -> int:
        return self.tokenizer.get_lang_id(self.target_lang)


# Most specific first: a family with a tokenizer_class must be tried before its model type's fallback.
FAMILIES: tuple[type[Family], ...] = (
    MarianFamily,
    MBart50Family,
    MBartFamily,
    T5Family,
    NllbFamily,
    M2M100Family,
)


def family_for(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> Family:
    """The adapter for ``model``, chosen by ``config.model_type`` and, where that is ambiguous, the tokenizer."""
    model_type = model.config.model_type
    for family in FAMILIES:
        if family.drives(model_type, tokenizer):
            return family(tokenizer, model)
    supported = ", ".join(sorted({family.model_type for family in FAMILIES}))
    raise UnsupportedModel(
        f"vi2en cannot drive a model of type {model_type!r} with {type(tokenizer).__name__}; "
        f"supported model types: {supported}"
    )
