"""Renderers: the same numbers in text, Markdown and JSON, rounded only for humans."""

from __future__ import annotations

import json

import pytest

from translate.evaluate.evaluation import Evaluation, SystemResult
from translate.evaluate.report import render_json, render_markdown, render_text
from translate.evaluate.scores import DocumentScores, MetricScore
from translate.evaluate.significance import Comparison
from translate.evaluate.terminology import (
    TermCount,
    TermInconsistency,
    TermLine,
    TermMiss,
    TermReport,
)

LONG_TERM = ("Kế hoạch hành động ASEAN+3 về giảm thiểu tác động kinh tế của dịch Covid-19 → ASEAN Plus Three "
             "Plan of Action on Mitigating the Economic Impact of the COVID-19 Pandemic")


def scores(bleu: float, chrf: float, ter: float, ci: float | None = None) -> tuple[MetricScore, ...]:
    def score(name: str, value: float, signature: str) -> MetricScore:
        return MetricScore(name, value, signature, value - 0.1 if ci else None, ci)
    return (score("BLEU", bleu, "nrefs:1|tok:13a"), score("chrF2++", chrf, "nrefs:1|nw:2"),
            score("TER", ter, "nrefs:1|tok:tercom"))


@pytest.fixture
def evaluation() -> Evaluation:
    terms = TermReport(
        required=4, found=3,
        by_term=(TermCount("Hà Nội → Hanoi", 4, 3), TermCount(LONG_TERM, 1, 1)), by_type=(TermCount("place", 4, 3),),
        misses=(TermMiss("doc-b", 2, "Hà Nội → Hanoi", ("Hanoi",), 1, 0, "The capital is big.", "Thủ đô Hà Nội lớn."),),
        repeated_terms=2, inconsistent=(TermInconsistency("doc-a", "Hà Nội → Hanoi", ("Ha Noi", "Hanoi"), 2, 2, (
            TermLine(1, 1, 1, ("Ha Noi",), "Hà Nội đẹp.", "Ha Noi is nice."),
            TermLine(3, 1, 1, ("Hanoi",), "Tới Hà Nội.", "To Hanoi."))),),
        double_renderings=0,
    )
    base = SystemResult("base", scores(34.567, 60.04, 51.25, ci=1.25), (
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
    assert "| system | BLEU | chrF2++ | TER | term accuracy | consistency | misses |" in markdown
    assert ("| base | 34.57 (μ = 34.47 ± 1.25) | 60.04 (μ = 59.94 ± 1.25) | 51.25 (μ = 51.15 ± 1.25) "
            "| 75.00% (3/4) | 50.00% (1/2) | 1 |") in markdown
    assert "| other | 36.04 | 61.00 | 50.00 | n/a | n/a | n/a |" in markdown
    assert "| doc-b | 2 | other | 21.00 | 51.00 | 69.00 |" in markdown
    assert "<summary>2 documents</summary>" in markdown
    assert "`nrefs:1|tok:13a`" in markdown
    assert "## Paired significance tests" in markdown and "## Terminology: base" in markdown


def test_json_keeps_full_precision_and_derived_figures(evaluation: Evaluation) -> None:
    data = json.loads(render_json(evaluation))
    base, other = data["systems"]
    assert base["corpus"][0] == {"name": "BLEU", "score": 34.567, "signature": "nrefs:1|tok:13a",
                                 "mean": pytest.approx(34.467), "ci": 1.25}
    assert other["corpus"][0]["mean"] is None and other["corpus"][0]["ci"] is None
    assert base["terms"]["misses"][0]["source"] == "Thủ đô Hà Nội lớn."
    assert [line["line"] for line in base["terms"]["inconsistent"][0]["lines"]] == [1, 3]
    assert base["terms"]["accuracy"] == 0.75 and base["terms"]["consistency"] == 0.5
    assert base["terms"]["consistent_terms"] == 1 and base["terms"]["inconsistent"][0]["used"] == ["Ha Noi", "Hanoi"]
    assert base["terms"]["by_term"][0]["accuracy"] == 0.75
    assert other["terms"] is None and other["info"] == {"time (s)": 1.5}
    [comparison] = data["comparisons"]
    assert comparison["delta"] == pytest.approx(1.473) and comparison["significant"] is True
    assert data["meta"] == {"model": "tiny"} and data["segments"] == 5


def test_markdown_puts_the_summary_first_and_folds_the_details(evaluation: Evaluation) -> None:
    markdown = render_markdown(evaluation)
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Summary"
    summary = markdown.split("## Summary")[1].split("\n## ")[0]
    assert "other is significantly better" in summary and "75.0% (3/4)" in summary
    # every detail block is folded: misses, inconsistencies, per term, tests, documents
    for title in ("Misses (1)", "Not rendered one way throughout their document (1)", "Per term (2 terms)",
                  "2 documents", "1 comparisons: p-values and signatures"):
        assert f"<details>\n<summary>{title}</summary>" in markdown
    assert markdown.count("<details>") == markdown.count("</details>")
    # each miss and inconsistency comes with its source line and hypothesis
    assert "- doc-b:2  Hà Nội → Hanoi  (found 0 of 1)\n  - vi: Thủ đô Hà Nội lớn.\n  - en: The capital is big." in markdown
    assert "  - line 3: Hanoi\n    - vi: Tới Hà Nội.\n    - en: To Hanoi." in markdown


def test_per_term_table_stays_narrow(evaluation: Evaluation) -> None:
    """A 150-character agreement name must not widen the per-term table; JSON keeps the full label."""
    markdown = render_markdown(evaluation)
    rows = [line for line in markdown.splitlines() if line.startswith("| Kế hoạch hành động ASEAN+3")]
    assert len(rows) == 1 and len(rows[0]) <= 90 and "…" in rows[0]
    text = render_text(evaluation)
    assert max(len(line) for line in text.split("Per term (2 terms)")[1].split("Misses")[0].splitlines()) <= 90
    assert json.loads(render_json(evaluation))["systems"][0]["terms"]["by_term"][1]["label"] == LONG_TERM


def test_confidence_interval_is_printed_as_sacrebleu_does(evaluation: Evaluation) -> None:
    text = render_text(evaluation)
    assert "34.6 (μ = 34.5 ± 1.2)" in text  # sacreBLEU's "score (μ = mean ± ci)"
    assert "36.0 (μ" not in text  # no interval where none was computed
