"""BLEU, chrF++ and TER through sacreBLEU's own classes, corpus-level and per document.

Nothing here computes a metric: sacreBLEU does, with its default settings (the ones its command-line
tool uses), so every number comes with a signature that reproduces it with ``sacrebleu`` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.base import Metric

from .io import Document

#: Metrics whose lower values are better; the others are "higher is better".
LOWER_IS_BETTER = frozenset({"TER"})


def make_metrics() -> dict[str, Metric]:
    """Fresh metric objects keyed by sacreBLEU's score name (chrF++ is ``CHRF(word_order=2)``).

    Fresh because sacreBLEU metrics keep state (reference cache, bootstrap settings) that ends up
    in their signatures.
    """
    return {"BLEU": BLEU(), "chrF2++": CHRF(word_order=2), "TER": TER()}


@dataclass(frozen=True)
class MetricScore:
    """One corpus score, with the signature that lets anyone recompute it with sacrebleu."""

    name: str
    score: float
    signature: str


@dataclass(frozen=True)
class DocumentScores:
    """The scores of one document (its segments scored as a small corpus)."""

    document: str
    segments: int
    scores: tuple[MetricScore, ...]


def corpus_scores(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> tuple[MetricScore, ...]:
    """Score ``hypotheses`` against reference streams (sacreBLEU layout: one list per reference)."""
    results = []
    for metric in make_metrics().values():
        score = metric.corpus_score(hypotheses, references)
        results.append(MetricScore(score.name, float(score.score), metric.get_signature().format()))
    return tuple(results)


def document_scores(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], documents: Sequence[Document]
) -> tuple[DocumentScores, ...]:
    """Score each document on its own, so that weak articles are visible behind a corpus average."""
    return tuple(
        DocumentScores(
            document.name,
            document.size,
            corpus_scores(
                hypotheses[document.start:document.end],
                [stream[document.start:document.end] for stream in references],
            ),
        )
        for document in documents
    )
