"""One evaluation: scores, terminology and comparisons of one or more systems on the same references.

This is the only place that puts the parts together; the renderers in :mod:`.report` only read the
:class:`Evaluation` it returns, so the table, JSON and Markdown outputs always show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glossary import Matcher

from .io import EvalInputs
from .scores import DocumentScores, MetricScore, corpus_scores, document_scores
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


@dataclass(frozen=True)
class Evaluation:
    """The systems' results, in input order; the first system is the baseline of ``comparisons``."""

    segments: int
    references: int
    systems: tuple[SystemResult, ...]
    comparisons: tuple[Comparison, ...]
    meta: dict[str, Any] = field(default_factory=dict)  # what was evaluated, how, and notes


def evaluate(
    inputs: EvalInputs, matcher: Matcher | None = None, alpha: float = 0.05, meta: dict[str, Any] | None = None
) -> Evaluation:
    """Score every system of ``inputs``; with ``matcher``, also the terminology of each.

    With two or more systems, each one after the first is compared with the first by paired
    significance tests. ``matcher`` comes from ``load_glossary(...).matcher()`` and needs sources.
    """
    if matcher is not None and inputs.sources is None:
        raise ValueError("terminology metrics need the source segments")
    per_document = len(inputs.documents) > 1
    systems = tuple(
        SystemResult(
            name=name,
            corpus=corpus_scores(hypotheses, inputs.references),
            documents=document_scores(hypotheses, inputs.references, inputs.documents) if per_document else (),
            terms=(
                term_report(inputs.sources, hypotheses, inputs.documents, matcher)
                if matcher is not None and inputs.sources is not None
                else None
            ),
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
        meta=dict(meta or {}),
    )
