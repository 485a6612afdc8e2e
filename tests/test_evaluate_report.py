"""Renderers: the same numbers in text, Markdown and JSON, rounded only for humans."""

from __future__ import annotations

import json

import pytest

from translate.evaluate.evaluation import Evaluation, SystemResult
from translate.evaluate.report import render_json, render_markdown, render_text
from translate.evaluate.scores import DocumentScores, MetricScore
from translate.evaluate.significance import Comparison
from translate.evaluate.terminology import TermCount, TermInconsistency, TermMiss, TermReport


def scores(bleu: float, chrf: float, ter: float) -> tuple[MetricScore, ...]:
    return (MetricScore("BLEU", bleu, "nrefs:1|tok:13a"), MetricScore("chrF2++", chrf, "nrefs:1|nw:2"),
            MetricScore("TER", ter, "nrefs:1|tok:tercom"))


@pytest.fixture
def evaluation() -> Evaluation:
    terms = TermReport(
        required=4, found=3,
        by_term=(TermCount("Hà Nội → Hanoi", 4, 3),), by_type=(TermCount("place", 4, 3),),
        misses=(TermMiss("doc-b", 2, "Hà Nội → Hanoi", ("Hanoi",), 1, 0, "The capital is big."),),
        repeated_terms=2, inconsistent=(TermInconsistency("doc-a", "Hà Nội → Hanoi", ("Ha Noi", "Hanoi"), 2, 2),),
        double_renderings=0,
    )
    base = SystemResult("base", scores(34.567, 60.04, 51.25), (
        DocumentScores("doc-a", 3, scores(40.0, 65.0, 45.0)), DocumentScores("doc-b", 2, scores(20.0, 50.0, 70.0))
    ), terms)
    other = SystemResult("other", scores(36.04, 61.0, 50.0), (
        DocumentScores("doc-a", 3, scores(41.0, 66.0, 44.0)), DocumentScores("doc-b", 2, scores(21.0, 51.0, 69.0))
    ), None, {"time (s)": 1.5})
    comparison = Comparison("BLEU", "base", "other", 34.567, 36.04, 0.02, 0.03, 0.05, "bs:1000", "ar:10000")
    return Evaluation(5, 1, (base, other), (comparison,), {"model": "tiny"})


def test_text_report(evaluation: Evaluation) -> None:
    text = render_text(evaluation)
    assert "34.6" in text and "36.0" in text  # width 1, like sacrebleu
    assert "75.0% (3/4)" in text and "50.0% (1/2)" in text
    assert "+1.5" in text and "other is significantly better" in text
    assert "doc-b:2" in text and "The capital is big." in text
    assert "Ha Noi / Hanoi" in text
    assert "- model: tiny" in text
    assert text.split("Runs\n----\n")[1].splitlines()[:3] == ["system  time (s)", "base", "other   1.5"]
    assert "nrefs:1|tok:13a" in text
    per_document = text.split("Per document\n------------\n")[1].splitlines()
    assert [row.split()[:3] for row in per_document[1:]] == [
        ["doc-a", "3", "base"], ["doc-a", "3", "other"], ["doc-b", "2", "base"], ["doc-b", "2", "other"]]
    assert "|" not in text.replace("nrefs:1|", "")  # plain tables, no Markdown pipes


def test_markdown_report(evaluation: Evaluation) -> None:
    markdown = render_markdown(evaluation, width=2)
    assert "| system | BLEU | chrF2++ | TER | term accuracy |" in markdown
    assert "| base | 34.57 | 60.04 | 51.25 | 75.00% (3/4) |" in markdown
    assert "| other | 36.04 | 61.00 | 50.00 | n/a |" in markdown
    assert "| doc-b | 2 | other | 21.00 | 51.00 | 69.00 |" in markdown
    assert "<summary>2 documents</summary>" in markdown
    assert "`nrefs:1|tok:13a`" in markdown
    assert "## Paired significance tests" in markdown and "## Terminology: base" in markdown


def test_json_keeps_full_precision_and_derived_figures(evaluation: Evaluation) -> None:
    data = json.loads(render_json(evaluation))
    base, other = data["systems"]
    assert base["corpus"][0] == {"name": "BLEU", "score": 34.567, "signature": "nrefs:1|tok:13a"}
    assert base["terms"]["accuracy"] == 0.75 and base["terms"]["consistency"] == 0.5
    assert base["terms"]["consistent_terms"] == 1 and base["terms"]["inconsistent"][0]["used"] == ["Ha Noi", "Hanoi"]
    assert base["terms"]["by_term"][0]["accuracy"] == 0.75
    assert other["terms"] is None and other["info"] == {"time (s)": 1.5}
    [comparison] = data["comparisons"]
    assert comparison["delta"] == pytest.approx(1.473) and comparison["significant"] is True
    assert data["meta"] == {"model": "tiny"} and data["segments"] == 5
