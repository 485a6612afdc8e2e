"""Paired significance tests equal sacrebleu's --paired-bs / --paired-ar, and the verdict follows them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_evaluate_support import flores_lines, sacrebleu_cli, write_lines

from translate.evaluate.significance import Comparison, compare

METRICS = ["BLEU", "chrF2++", "TER"]  # the CLI's column order for `-m bleu chrf ter`


@pytest.fixture(scope="module")
def systems() -> tuple[list[str], list[str], list[str]]:
    """References, a close system (few lines damaged) and a worse one (many lines damaged)."""
    references = flores_lines(150)
    close = [" ".join(line.split()[1:]) if i % 10 == 0 else line for i, line in enumerate(references)]
    worse = [" ".join(line.split()[::2]) if i % 2 == 0 else line for i, line in enumerate(references)]
    return references, close, worse


def cli_p_values(tmp_path: Path, references: list[str], baseline: list[str], system: list[str], test: str) -> list[float]:
    """p-values printed by the sacrebleu console script's table (its JSON output fails on numpy floats)."""
    ref, base, sys_ = (write_lines(tmp_path / f"{name}.en", lines)
                       for name, lines in (("ref", references), ("base", baseline), ("sys", system)))
    out = sacrebleu_cli(str(ref), "-i", str(base), str(sys_), "-m", "bleu", "chrf", "ter",
                        "--chrf-word-order", "2", f"--paired-{test}", "-f", "text")
    return [float(p) for p in re.findall(r"\(p = ([0-9.]+)\)", out)]


@pytest.mark.parametrize("test", ["bs", "ar"])
def test_p_values_equal_the_sacrebleu_cli(tmp_path: Path, systems: tuple[list[str], ...], test: str) -> None:
    references, close, worse = systems
    comparisons = compare(("close", close), ("worse", worse), [references])
    assert [c.metric for c in comparisons] == METRICS
    ours = [c.bootstrap_p if test == "bs" else c.ar_p for c in comparisons]
    assert [round(p, 4) for p in ours] == cli_p_values(tmp_path, references, close, worse, test)


def test_verdicts(systems: tuple[list[str], ...]) -> None:
    references, close, worse = systems
    by_metric = {c.metric: c for c in compare(("close", close), ("worse", worse), [references])}
    for metric in METRICS:
        comparison = by_metric[metric]
        assert comparison.significant, comparison
        assert comparison.verdict.startswith("close is significantly better")
        assert "bs:1000" in comparison.bootstrap_signature
        assert "ar:10000" in comparison.ar_signature
    assert by_metric["BLEU"].delta < 0 and by_metric["TER"].delta > 0

    # sacreBLEU gives equal systems its minimum p-value; the verdict must still say "no difference".
    same = compare(("a", close), ("b", list(close)), [references])
    assert all(c.bootstrap_p < 0.05 for c in same)
    assert not any(c.significant for c in same)
    assert all(c.verdict == "no difference (equal scores)" for c in same)


def test_significance_needs_both_tests() -> None:
    def comparison(bootstrap_p: float, ar_p: float) -> Comparison:
        return Comparison("BLEU", "a", "b", 30.0, 31.0, bootstrap_p, ar_p, 0.05, "", "")

    assert comparison(0.01, 0.02).significant
    assert not comparison(0.01, 0.2).significant
    assert not comparison(0.2, 0.01).significant
    assert comparison(0.2, 0.01).verdict.startswith("no significant difference")
    assert comparison(0.01, 0.02).verdict.startswith("b is significantly better")
