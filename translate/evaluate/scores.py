"""BLEU, chrF++ and TER through sacreBLEU's own classes: corpus-level, per document and per segment.

Nothing here computes a metric: sacreBLEU does, with its default settings (the ones its command-line
tool uses), so every number comes with a signature that reproduces it with ``sacrebleu`` itself:
corpus scores as ``sacrebleu REF -i HYP -m bleu chrf ter --chrf-word-order 2`` (``--confidence``
adds its bootstrap mean and 95% confidence interval), segment scores as ``--sentence-level``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.base import Metric, Score

from .io import Document

#: Metrics whose lower values are better; the others are "higher is better".
LOWER_IS_BETTER = frozenset({"TER"})


def make_metrics() -> dict[str, Metric]:
    """Fresh metric objects keyed by sacreBLEU's score name (chrF++ is ``CHRF(word_order=2)``).

    Fresh because sacreBLEU metrics keep state (reference cache, bootstrap settings) that ends up
    in their signatures.
    """
    return {"BLEU": BLEU(), "chrF2++": CHRF(word_order=2), "TER": TER()}


def make_sentence_metrics() -> dict[str, Metric]:
    """The metrics of :func:`make_metrics` for single segments, as ``sacrebleu --sentence-level`` makes them.

    sacreBLEU's CLI switches BLEU to effective order for sentences (``eff:yes`` in the signature):
    without it, a segment with no matching 4-gram scores 0 however close it is.
    """
    return {"BLEU": BLEU(effective_order=True), "chrF2++": CHRF(word_order=2), "TER": TER()}


@dataclass(frozen=True)
class MetricScore:
    """One corpus score, with the signature that lets anyone recompute it with sacrebleu.

    With bootstrap resampling (``sacrebleu --confidence``), ``mean`` is the resamples' mean and
    ``ci`` half the width of their 95% interval, printed by sacreBLEU as ``μ = mean ± ci``; the
    signature then records ``bs:N|seed:S``.
    """

    name: str
    score: float
    signature: str
    mean: float | None = None
    ci: float | None = None


@dataclass(frozen=True)
class DocumentScores:
    """The scores of one document (its segments scored as a small corpus)."""

    document: str
    segments: int
    scores: tuple[MetricScore, ...]


@dataclass(frozen=True)
class SegmentScores:
    """One segment scored alone (``sentence_score``); ``scores`` is ``None`` for a blank line.

    A line empty in the hypothesis and every reference is layout (the blank lines between a whole
    article's paragraphs), not a segment: sacreBLEU would call it BLEU 0, a failure it is not.
    """

    document: str
    line: int  # 1-based line of the document's reference file
    scores: dict[str, float] | None


@dataclass(frozen=True)
class SentenceScores:
    """Every segment's sentence-level scores, with the metrics' signatures (given once, not per segment)."""

    signatures: dict[str, str]
    segments: tuple[SegmentScores, ...]


def corpus_scores(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], n_bootstrap: int = 1
) -> tuple[MetricScore, ...]:
    """Score ``hypotheses`` against reference streams (sacreBLEU layout: one list per reference).

    ``n_bootstrap`` > 1 adds sacreBLEU's bootstrap estimate (its ``--confidence-n``, 1000 in its CLI),
    with its fixed seed (``SACREBLEU_SEED``, default 12345), so the interval is reproducible.
    """
    results = []
    for metric in make_metrics().values():
        if n_bootstrap > 1:
            score, mean, ci = _bootstrap(metric, hypotheses, references, n_bootstrap)
            estimate = {"mean": mean, "ci": ci}
        else:
            score, estimate = metric.corpus_score(hypotheses, references), {}
        results.append(MetricScore(score.name, float(score.score), metric.get_signature().format(), **estimate))
    return tuple(results)


def _bootstrap(
    metric: Metric, hypotheses: Sequence[str], references: Sequence[Sequence[str]], n_bootstrap: int
) -> tuple[Score, float, float]:
    """A corpus score with sacreBLEU's bootstrap mean and 95% CI (``Score._mean``/``_ci``, what it prints).

    sacreBLEU 2.x's ``Score.estimate_ci`` averages with ``statistics.mean``, which raises ``TypeError``
    when some resamples score as a Python float (an early ``return 0.0``) and others as ``numpy.float32``:
    chrF and TER of a small corpus with a blank line; ``sacrebleu --confidence`` itself crashes there.
    Then the same resamples (same seed) are summarised by sacreBLEU's numpy ``estimate_ci`` (the one
    its paired bootstrap uses), which is the same sort-and-pick computation.
    """
    try:
        score = metric.corpus_score(hypotheses, references, n_bootstrap=n_bootstrap)
        return score, float(score._mean), float(score._ci)
    except TypeError:
        from sacrebleu.significance import _bootstrap_resample, estimate_ci

        score = metric.corpus_score(hypotheses, references)
        metric.n_bootstrap = n_bootstrap  # the signature's bs:N, as corpus_score sets it
        metric.seed, resamples = _bootstrap_resample(
            metric._extract_corpus_statistics(hypotheses, references), metric, n_bootstrap)
        mean, ci = estimate_ci(np.array([float(resample.score) for resample in resamples]))
        return score, float(mean), float(ci)


def sentence_scores(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], documents: Sequence[Document]
) -> SentenceScores:
    """Score each segment on its own, as ``sacrebleu --sentence-level`` does (one metric object per metric)."""
    metrics = make_sentence_metrics()
    segments = []
    for document in documents:
        for index in range(document.start, document.end):
            segment_refs = [stream[index] for stream in references]
            blank = not hypotheses[index] and not any(segment_refs)
            scores = None if blank else {
                name: float(metric.sentence_score(hypotheses[index], segment_refs).score)
                for name, metric in metrics.items()
            }
            segments.append(SegmentScores(document.name, document.line(index), scores))
    signatures = {name: metric.get_signature().format() for name, metric in metrics.items()}
    return SentenceScores(signatures, tuple(segments))


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
