#!/usr/bin/env python3
"""Train a tiny Marian model, in seconds on one CPU thread, to reproduce a few sentence pairs by heart.

Why: random-weight test models know nothing, so every term in their output was put there by the constraint
layer; nothing can show that the layer leaves a translation that was already right alone.  A model that has
memorised some corpus segments and their references is the nearest this project can come to a model that
"already knows" without real weights: its unconstrained output *is* the reference, and any change that the
glossary makes to it is visible.

The model is ``scripts/make_tiny_model.py``'s tiny Marian (its SentencePiece tokenizers trained on the
corpus, its config and layout), with the weights then fitted to the pairs: full batch, Adam, a high
learning rate, no dropout, a fixed seed.  Training stops early once the model reproduces every reference
token under teacher forcing with a margin, or after ``steps``.  Deterministic for a given seed and torch
thread count.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_tiny_model import Size, _tsv_pairs, make_tiny_model  # noqa: E402  (scripts/ is not a package)

MEMORISING = Size(d_model=64, layers=2, heads=4, ffn=128, spm_pieces=8000, spm_sentences=50_000)
"""The tiny network on word-sized pieces: with ``tiny``'s 1,000 pieces a name like "Hai Phong" takes six
near-character tokens, where opus-mt's 32k vocabulary takes two, and constraints would be far longer in
tokens than with a real model."""

LEARNING_RATE = 3e-3
DONE_LOSS = 0.02
"""Mean per-token loss below which (with every token already the argmax) the pairs count as learned."""
NO_DROPOUT = {"dropout": 0.0, "attention_dropout": 0.0, "activation_dropout": 0.0}


@dataclass(frozen=True)
class Training:
    """How a training run ended: steps taken, final loss, and whether every reference token was the argmax."""

    steps: int
    loss: float
    learned: bool
    seconds: float


def train_memorising_model(out_dir: Path | str, pairs: Sequence[tuple[str, str]], steps: int = 400,
                           seed: int = 0) -> Path:
    """Build a tiny Marian model in ``out_dir`` that translates each ``(vi, en)`` of ``pairs`` as ``en``.

    Returns ``out_dir``, loadable by ``translate.decoding.model.load_model``.  Whether the pairs were learned is
    for the caller to check on the translations (see :func:`fit`, which reports it); this only bounds the
    work.
    """
    out_dir = Path(out_dir)
    fit(out_dir, pairs, steps, seed)
    return out_dir


def fit(out_dir: Path, pairs: Sequence[tuple[str, str]], steps: int, seed: int) -> Training:
    """Build the random-weights model, fit it to ``pairs`` for at most ``steps`` steps, save it."""
    if not pairs:
        raise ValueError("no sentence pairs to learn")
    started = time.process_time()
    make_tiny_model(out_dir, "marian", MEMORISING, seed=seed)
    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(out_dir, **NO_DROPOUT)
    batch = tokenizer([vi for vi, _ in pairs], text_target=[en for _, en in pairs], padding=True,
                      return_tensors="pt")
    labels = batch["labels"].masked_fill(batch["labels"] == tokenizer.pad_token_id, -100)
    optimiser = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    model.train()
    step, loss, learned = 0, float("inf"), False
    while step < steps and not learned:
        step += 1
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels)
        optimiser.zero_grad()
        out.loss.backward()
        optimiser.step()
        loss = out.loss.item()
        predicted = out.logits.argmax(-1)
        learned = loss < DONE_LOSS and bool(((predicted == labels) | (labels == -100)).all())
    model.save_pretrained(out_dir)
    return Training(step, loss, learned, time.process_time() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("pairs", type=Path, help="TSV with a 'vi<TAB>en' header (e.g. corpus/references/NAME.tsv)")
    parser.add_argument("--limit", type=int, default=16, help="learn the first LIMIT rows (default 16)")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    pairs = _tsv_pairs(args.pairs)[: args.limit]
    result = fit(args.outdir, pairs, args.steps, args.seed)
    print(f"{args.outdir}: {len(pairs)} pairs, {result.steps} steps, loss {result.loss:.4f}, "
          f"{'learned' if result.learned else 'NOT learned'}, {result.seconds:.1f} s CPU")
    return 0 if result.learned else 1


if __name__ == "__main__":
    sys.exit(main())
