"""One evaluation: scores, terminology and comparisons of one or more systems on the same references.

This is the only place that puts the parts together; the renderers in :mod:`.report` only read the
:class:`Evaluation` it returns, so the table, JSON and Markdown outputs always show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glossary import Matcher

from .io import EvalInputs
from .scores import (
    DocumentScores,
    MetricScore,
    SentenceScores,
    corpus_scores,
    document_scores,
    sentence_scores,
)
from .significance import Comparison, compare
from .terminology import TermReport, term_report


@dataclass(frozen=True)
class SystemResult:
    """Everything measured about one system's output."""

    name: str
    corpus: tuple[MetricScore, ...]
    documents: tuple[DocumentScores, ...]  # empty when the input is a single document
    terms: TermReport | None  # None unless a source and a glossary were given
    info: dict[str, Any] = field(default_factory=dict)  # caller's extras, e.g. time taken
    sentences: SentenceScores | None = None  # each segment scored alone, when asked for


@dataclass(frozen=True)
class Evaluation:
    """The systems' results, in input order; the first system is the baseline of ``comparisons``."""

    segments: int
    references: int
    systems: tuple[SystemResult, ...]
    comparisons: tuple[Comparison, ...]
    meta: dict[str, Any] = field(default_factory=dict)  # what was evaluated, how, and notes


def evaluate(
    inputs: EvalInputs,
    matcher: Matcher | None = None,
    alpha: float = 0.05,
    meta: dict[str, Any] | None = None,
    n_bootstrap: int = 1,
    sentence_level: bool = True,
) -> Evaluation:
    """Score every system of ``inputs``; with ``matcher``, also the terminology of each.

    With two or more systems, each one after the first is compared with the first by paired
    significance tests. ``matcher`` comes from ``load_glossary(...).matcher()`` and needs sources.
    ``n_bootstrap`` > 1 gives each corpus score sacreBLEU's 95% confidence interval from that many
    resamples (``sacrebleu --confidence``); ``sentence_level`` scores every segment alone too.
    The notes of ``inputs`` (which files of a folder were read) join ``meta`` as ``notes``.
    """
    if matcher is not None and inputs.sources is None:
        raise ValueError("terminology metrics need the source segments")
    if n_bootstrap < 1:
        raise ValueError(f"n_bootstrap must be at least 1 (1 = no confidence interval), not {n_bootstrap}")
    per_document = len(inputs.documents) > 1
    systems = tuple(
        SystemResult(
            name=name,
            corpus=corpus_scores(hypotheses, inputs.references, n_bootstrap),
            documents=document_scores(hypotheses, inputs.references, inputs.documents) if per_document else (),
            terms=(
                term_report(inputs.sources, hypotheses, inputs.documents, matcher)
                if matcher is not None and inputs.sources is not None
                else None
            ),
            sentences=sentence_scores(hypotheses, inputs.references, inputs.documents) if sentence_level else None,
        )
        for name, hypotheses in inputs.hypotheses.items()
    )
    named = list(inputs.hypotheses.items())
    comparisons = tuple(
        comparison
        for system in named[1:]
        for comparison in compare(named[0], system, inputs.references, alpha=alpha)
    )
    return Evaluation(
        segments=len(inputs.references[0]),
        references=len(inputs.references),
        systems=systems,
        comparisons=comparisons,
        meta={**(meta or {}), **({"notes": list(inputs.notes)} if inputs.notes else {})},
    )
