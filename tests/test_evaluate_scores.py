"""BLEU/chrF++/TER equal the sacrebleu command-line tool's on the same files."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_evaluate_support import damage, flores_lines, rounded, sacrebleu_cli_scores, write_lines

from translate.evaluate.io import read_inputs
from translate.evaluate.scores import corpus_scores, document_scores


def test_references_against_themselves_score_perfectly(tmp_path: Path) -> None:
    ref = write_lines(tmp_path / "ref.en", flores_lines(300))
    inputs = read_inputs([ref], [ref])
    scores = {s.name: s.score for s in corpus_scores(inputs.hypotheses[str(ref)], inputs.references)}
    assert scores == {"BLEU": pytest.approx(100.0), "chrF2++": pytest.approx(100.0), "TER": 0.0}


@pytest.mark.parametrize("n_refs", [1, 2])
def test_damaged_copy_scores_equal_the_sacrebleu_cli(tmp_path: Path, n_refs: int) -> None:
    references = flores_lines(400)
    refs = [write_lines(tmp_path / "ref0.en", references)]
    if n_refs == 2:
        refs.append(write_lines(tmp_path / "ref1.en", damage(references, seed=7)))
    hyp = write_lines(tmp_path / "hyp.en", damage(references, seed=1))
    inputs = read_inputs([hyp], refs)
    ours = corpus_scores(inputs.hypotheses[str(hyp)], inputs.references)
    expected = sacrebleu_cli_scores(hyp, refs)
    assert {s.name: rounded(s.score) for s in ours} == expected
    assert 20 < expected["BLEU"] < 100  # the damage really changed the score
    for score in ours:
        assert f"nrefs:{n_refs}|" in score.signature and "version:" in score.signature
    assert "nw:2" in next(s.signature for s in ours if s.name == "chrF2++")


def test_per_document_scores_equal_the_cli_on_each_document(tmp_path: Path) -> None:
    references = flores_lines(60)
    hypotheses = damage(references, seed=3)
    bounds = {"doc-a": (0, 25), "doc-b": (25, 60)}
    for name, (start, end) in bounds.items():
        write_lines(tmp_path / "ref" / f"{name}.en", references[start:end])
        write_lines(tmp_path / "hyp" / f"{name}.en", hypotheses[start:end])
    inputs = read_inputs([tmp_path / "hyp"], [tmp_path / "ref"])
    per_document = document_scores(inputs.hypotheses[str(tmp_path / "hyp")], inputs.references, inputs.documents)
    assert [(d.document, d.segments) for d in per_document] == [("doc-a", 25), ("doc-b", 35)]
    for document in per_document:
        expected = sacrebleu_cli_scores(tmp_path / "hyp" / f"{document.document}.en",
                                        [tmp_path / "ref" / f"{document.document}.en"])
        assert {s.name: rounded(s.score) for s in document.scores} == expected


def test_confidence_on_a_corpus_where_sacrebleu_own_estimate_fails() -> None:
    """chrF/TER resamples mixing float and float32 make sacreBLEU's Score.estimate_ci raise; we still get μ ± CI."""
    from translate.evaluate.scores import corpus_scores

    hypotheses = ["The Trade Ministry met in Ha Noi.", "", "Hanoi is nice.", "Rain fell."]
    references = [["The Ministry of Industry and Trade met in Ha Noi.", "", "Ha Noi is nice.", "It rained heavily."]]
    for score in corpus_scores(hypotheses, references, n_bootstrap=100):
        assert score.mean is not None and score.ci is not None and 0 < score.ci < 100
        assert 0 <= score.mean - score.ci <= score.mean + score.ci <= 100
        assert "bs:100|seed:12345" in score.signature
