"""BLEU/chrF++/TER equal the sacrebleu command-line tool's on the same files."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from translate.evaluate.io import read_inputs
from translate.evaluate.scores import corpus_scores, document_scores

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FLORES_EN = SHARED / "eval" / "flores200-devtest" / "flores200.devtest.en"
SACREBLEU = Path(sys.executable).with_name("sacrebleu")
WIDTH = 4


def flores_references(limit: int) -> list[str]:
    if not FLORES_EN.is_file():
        pytest.skip(f"../shared not present: {FLORES_EN}")
    return FLORES_EN.read_text(encoding="utf-8").splitlines()[:limit]


def damage(lines: list[str], seed: int) -> list[str]:
    """A deterministic, varied corruption: dropped, swapped and lower-cased words, emptied lines."""
    rng = random.Random(seed)
    damaged = []
    for line in lines:
        words = line.split()
        action = rng.randrange(5)
        if action == 0 and len(words) > 3:
            del words[rng.randrange(len(words))]
        elif action == 1 and len(words) > 3:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        elif action == 2:
            words = [word.lower() for word in words]
        elif action == 3 and rng.random() < 0.2:
            words = []
        damaged.append(" ".join(words))
    return damaged


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def cli_scores(hyp: Path, refs: list[Path]) -> dict[str, float]:
    """Scores printed by the real sacrebleu console script (JSON, WIDTH decimals)."""
    if not SACREBLEU.is_file():
        pytest.skip(f"sacrebleu console script not found beside {sys.executable}")
    completed = subprocess.run(
        [str(SACREBLEU), *map(str, refs), "-i", str(hyp), "-m", "bleu", "chrf", "ter",
         "--chrf-word-order", "2", "-w", str(WIDTH), "-f", "json"],
        capture_output=True, text=True, check=True,
    )
    return {item["name"]: item["score"] for item in json.loads(completed.stdout)}


def rounded(value: float) -> float:
    """Round the way sacrebleu's JSON output does."""
    return float(f"{value:.{WIDTH}f}")


def test_references_against_themselves_score_perfectly(tmp_path: Path) -> None:
    references = flores_references(300)
    ref = write(tmp_path / "ref.en", references)
    inputs = read_inputs([ref], [ref])
    scores = {s.name: s.score for s in corpus_scores(inputs.hypotheses[str(ref)], inputs.references)}
    assert scores == {"BLEU": pytest.approx(100.0), "chrF2++": pytest.approx(100.0), "TER": 0.0}


@pytest.mark.parametrize("n_refs", [1, 2])
def test_damaged_copy_scores_equal_the_sacrebleu_cli(tmp_path: Path, n_refs: int) -> None:
    references = flores_references(400)
    refs = [write(tmp_path / "ref0.en", references)]
    if n_refs == 2:
        refs.append(write(tmp_path / "ref1.en", damage(references, seed=7)))
    hyp = write(tmp_path / "hyp.en", damage(references, seed=1))
    inputs = read_inputs([hyp], refs)
    ours = corpus_scores(inputs.hypotheses[str(hyp)], inputs.references)
    expected = cli_scores(hyp, refs)
    assert {s.name: rounded(s.score) for s in ours} == expected
    assert 20 < expected["BLEU"] < 100  # the damage really changed the score
    for score in ours:
        assert f"nrefs:{n_refs}|" in score.signature and "version:" in score.signature
    assert "nw:2" in next(s.signature for s in ours if s.name == "chrF2++")


def test_per_document_scores_equal_the_cli_on_each_document(tmp_path: Path) -> None:
    references = flores_references(60)
    hypotheses = damage(references, seed=3)
    (tmp_path / "ref").mkdir()
    (tmp_path / "hyp").mkdir()
    bounds = {"doc-a": (0, 25), "doc-b": (25, 60)}
    for name, (start, end) in bounds.items():
        write(tmp_path / "ref" / f"{name}.en", references[start:end])
        write(tmp_path / "hyp" / f"{name}.en", hypotheses[start:end])
    inputs = read_inputs([tmp_path / "hyp"], [tmp_path / "ref"])
    per_document = document_scores(inputs.hypotheses[str(tmp_path / "hyp")], inputs.references, inputs.documents)
    assert [(d.document, d.segments) for d in per_document] == [("doc-a", 25), ("doc-b", 35)]
    for document in per_document:
        expected = cli_scores(tmp_path / "hyp" / f"{document.document}.en",
                              [tmp_path / "ref" / f"{document.document}.en"])
        assert {s.name: rounded(s.score) for s in document.scores} == expected
