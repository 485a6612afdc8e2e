"""Evaluation of vi2en output: sacreBLEU scores, terminology metrics and significance tests.

BLEU, chrF++ and TER come from sacreBLEU's own classes (with their signatures, so every number can be
reproduced with the ``sacrebleu`` tool); only the terminology metrics are computed here, on top of
:mod:`glossary.requirements`.

Typical use::

    from translate.evaluate import evaluate, read_inputs, render_text
    print(render_text(evaluate(read_inputs([Path("out.en")], [Path("ref.en")]))))
"""

from .evaluation import Evaluation, SystemResult, evaluate
from .html_report import render_html
from .io import Document, EvalInputs, EvaluationInputError, read_inputs, read_lines
from .report import render_json, render_markdown, render_text
from .scores import (
    DocumentScores,
    MetricScore,
    SegmentScores,
    SentenceScores,
    corpus_scores,
    document_scores,
    sentence_scores,
)
from .significance import Comparison, compare
from .terminology import TermCount, TermMiss, TermReport, term_report

__all__ = [
    "Comparison",
    "Document",
    "DocumentScores",
    "EvalInputs",
    "Evaluation",
    "EvaluationInputError",
    "MetricScore",
    "SegmentScores",
    "SentenceScores",
    "SystemResult",
    "TermCount",
    "TermMiss",
    "TermReport",
    "compare",
    "corpus_scores",
    "document_scores",
    "evaluate",
    "read_inputs",
    "read_lines",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "sentence_scores",
    "term_report",
]
