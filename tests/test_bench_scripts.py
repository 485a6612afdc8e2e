"""Smoke tests of the speed benchmarks: each script's main() on a tiny model with tiny sizes.

They check the machinery, not speed: worker processes start and answer, every engine produces exactly the
forced number of target tokens per segment (equal work, the premise of every ratio), and the tables, ratios
and term figures are printed.  The CTranslate2 engine is left out when ctranslate2 is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import bench_constraints  # noqa: E402
import bench_engines  # noqa: E402
import bench_translate  # noqa: E402

NEW_TOKENS = 3
SEGMENTS = 3
HAS_CT2 = importlib.util.find_spec("ctranslate2") is not None


@pytest.fixture(scope="module")
def small(tiny_model_dir) -> list[str]:
    """Arguments shared by every run: the tiny Marian model, 3 segments, 2 beams, 3 tokens, one round."""
    model = tiny_model_dir("marian")
    return ["--model", str(model), "--segments", str(SEGMENTS), "--beams", "2", "--new-tokens", str(NEW_TOKENS),
            "--threads", "1", "--repeat", "1"]


def table_row(output: str, engine: str) -> list[str]:
    """The cells of ``engine``'s row in a printed results table."""
    rows = [line.split() for line in output.splitlines() if line.split()[:1] == [engine]]
    assert rows, f"no table row for {engine!r} in:\n{output}"
    return rows[0]


def test_bench_translate_prints_both_engines_and_the_speedup(small: list[str], capsys: pytest.CaptureFixture) -> None:
    assert bench_translate.main(small) == 0
    out = capsys.readouterr().out
    for engine in ("batched", "naive"):
        assert float(table_row(out, engine)[6]) == NEW_TOKENS  # tok/seg: both engines did the same work
    assert "speed-up batched vs naive:" in out
    assert "load average at start:" in out


def test_bench_constraints_reports_ratios_and_terms(small: list[str], capsys: pytest.CaptureFixture) -> None:
    assert bench_constraints.main([*small, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["engines"]) == {"plain", "constrained", "alone"}
    assert report["engines"]["plain"]["target_tokens"] == SEGMENTS * NEW_TOKENS
    assert all(value > 0 for value in report["ratios"].values())
    for name in ("constrained", "alone"):
        terms = report["terms"][name]
        assert terms["terms_required"] >= SEGMENTS  # the generated glossary gives every segment terms
        assert terms["terms_per_segment"] == terms["terms_required"] / SEGMENTS


def test_bench_engines_compares_to_the_reference(small: list[str], capsys: pytest.CaptureFixture) -> None:
    reference = "ct2-int8" if HAS_CT2 else "product-int8"  # without CTranslate2 the first engine is the reference
    assert bench_engines.main([*small, "--engines", f"{reference},glossary-f32,hf-batched"]) == 0
    out = capsys.readouterr().out
    assert f"x {reference}" in out
    for engine in (reference, "hf-batched"):
        assert float(table_row(out, engine)[6]) == NEW_TOKENS
    assert float(table_row(out, reference)[9]) == 1.0
    assert "glossary-f32:" in out and "terms per segment" in out


def test_bench_engines_scale_runs_three_sizes(small: list[str], capsys: pytest.CaptureFixture) -> None:
    assert bench_engines.main([*small, "--scale", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    sizes = [(row["engine"], row["segments"]) for row in report["scale"]]
    assert sizes == [(e, n) for e in ("scale-plain", "scale-glossary") for n in (1, 10, 100)]
    assert all(row["seconds_per_segment"] > 0 and row["peak_rss_bytes"] > 0 for row in report["scale"])


def test_bench_engines_profile_groups_the_time(small: list[str], capsys: pytest.CaptureFixture) -> None:
    assert bench_engines.main([*small, "--profile", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    groups = report["groups"]
    assert len(groups) == 3 and all(seconds >= 0 for seconds in groups.values())
    assert sum(groups.values()) == pytest.approx(report["profiled_seconds"])
    model_forward, constraints, _ = groups.values()
    assert model_forward > 0 and constraints > 0  # the grouped functions are found in the product's profile
    assert not [f for f in report["missing"] if "_select_plain" not in f]  # (every segment has terms: no plain path)
