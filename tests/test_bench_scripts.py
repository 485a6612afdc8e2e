"""Smoke tests of the speed benchmarks: each script's main() on a tiny model with tiny sizes.

They check the machinery, not speed: worker processes start and answer, every engine produces exactly the
forced number of target tokens per segment (equal work, the premise of every ratio), and the tables, ratios
and term figures are printed.  The CTranslate2 engine is left out when ctranslate2 is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import bench_constraints  # noqa: E402
import bench_engines  # noqa: E402
import bench_int8_layers  # noqa: E402
import bench_translate  # noqa: E402
import benchlib  # noqa: E402

NEW_TOKENS = 3
SEGMENTS = 3
HAS_CT2 = importlib.util.find_spec("ctranslate2") is not None


def small_run(model: Path) -> list[str]:
    """Arguments shared by every run: ``model``, 3 segments, 2 beams, 3 tokens, one round."""
    return ["--model", str(model), "--segments", str(SEGMENTS), "--beams", "2", "--new-tokens", str(NEW_TOKENS),
            "--threads", "1", "--repeat", "1"]


@pytest.fixture(scope="module")
def small(tiny_model_dir) -> list[str]:
    """:func:`small_run` on the tiny Marian model."""
    return small_run(tiny_model_dir("marian"))


def table_row(output: str, engine: str) -> list[str]:
    """The cells of ``engine``'s row in a printed results table."""
    rows = [line.split() for line in output.splitlines() if line.split()[:1] == [engine]]
    assert rows, f"no table row for {engine!r} in:\n{output}"
    return rows[0]


def test_bench_translate_prints_both_engines_and_the_speedup(small: list[str], capsys: pytest.CaptureFixture) -> None:
    assert bench_translate.main(small) == 0
    out = capsys.readouterr().out
    for engine in ("batched", "naive"):
        assert float(table_row(out, engine)[7]) == NEW_TOKENS  # tok/seg: both engines did the same work
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
        assert float(table_row(out, engine)[7]) == NEW_TOKENS
    assert float(table_row(out, reference)[10]) == 1.0
    assert "glossary-f32:" in out and "terms per segment" in out
    # The batch plan every engine ran (the first engine's that records one: CTranslate2's where it runs).
    sizes = re.search(r"batches \(the product's, given to HF and CTranslate2 too\): sizes \[([\d, ]+)\]", out)
    assert sizes and sum(int(n) for n in sizes.group(1).split(",")) == SEGMENTS
    # vi2en's engines print when each worker searched which batch: here one thread, every segment once.
    spans = re.search(r"glossary-f32 timeline of its best run .*\n  worker 1: (.*); idle at the end 0.00 s", out)
    assert spans and sum(int(span.split(":")[0]) for span in spans.group(1).split(", ")) == SEGMENTS


def test_every_engine_is_given_the_batches_the_product_searches(tiny_model_dir, capsys: pytest.CaptureFixture) -> None:
    """Two threads: the product deals the 3 segments into one batch per thread, and the plan handed to the other
    engine (and printed) is those batches, not the budget's single batch; a larger --batch-tokens reaches both."""
    other = "ct2-int8" if HAS_CT2 else "hf-batched"
    run = [*small_run(tiny_model_dir("marian")), "--engines", f"{other},product-int8"]
    run[run.index("--threads") + 1] = "2"
    for budget in ("6000", "3"):
        assert bench_engines.main([*run, "--batch-tokens", budget]) == 0
        out = capsys.readouterr().out
        sizes = re.search(r"batches \(the product's, given to HF and CTranslate2 too\): sizes \[([\d, ]+)\]", out)
        spans = re.search(r"product-int8 timeline of its best run .*\n((?:  worker .*\n)+)", out)
        assert sizes and spans, out
        searched = sorted(int(span.split(":")[0]) for line in spans.group(1).splitlines()
                          for span in line.split(": ", 1)[1].split("; ")[0].split(", "))
        assert sorted(int(n) for n in sizes.group(1).split(",")) == searched
        # 6000: one batch by the budget, dealt in two for the threads; 3 (1 token a beam): one segment a batch.
        assert searched == ([1, 2] if budget == "6000" else [1, 1, 1])


def test_timeline_gives_each_thread_its_searches_and_its_wait_at_the_end() -> None:
    """Two threads: one searches two batches back to back, the other one batch that ends 0.5 s earlier."""
    searches = [benchlib.Search("b", 0.0, 1.5, 23, 920), benchlib.Search("a", 0.0, 1.0, 12, 480),
                benchlib.Search("a", 1.0, 2.0, 13, 520)]
    lines = benchlib.timeline(searches)
    assert lines == [{"searches": [[23, 0.0, 1.5]], "idle_at_end": 0.5},
                     {"searches": [[12, 0.0, 1.0], [13, 1.0, 2.0]], "idle_at_end": 0.0}]
    assert benchlib.describe_timeline("product-int8", lines).splitlines()[1:] == [
        "  worker 1: 23: 0.00-1.50; idle at the end 0.50 s",
        "  worker 2: 12: 0.00-1.00, 13: 1.00-2.00; idle at the end 0.00 s"]


def test_bench_engines_scale_runs_three_sizes(small: list[str], capsys: pytest.CaptureFixture) -> None:
    assert bench_engines.main([*small, "--scale", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    sizes = [(row["engine"], row["segments"]) for row in report["scale"]]
    assert sizes == [(e, n) for e in ("scale-plain", "scale-glossary") for n in (1, 10, 100)]
    assert all(row["seconds_per_segment"] > 0 and row["peak_bytes"] > 0 for row in report["scale"])
    assert report["family"] == "marian"
    # The flat-memory check compares each engine's 100-segment peak with its own 10-segment peak.
    peaks = {(row["engine"], row["segments"]): row["peak_bytes"] for row in report["scale"]}
    assert [check["engine"] for check in report["memory"]] == ["scale-plain", "scale-glossary"]
    for check in report["memory"]:
        smaller, larger = peaks[(check["engine"], 10)], peaks[(check["engine"], 100)]
        assert (check["from_segments"], check["to_segments"]) == (10, 100)
        assert (check["peak_from_bytes"], check["peak_to_bytes"]) == (smaller, larger)
        assert check["peak_growth_percent"] == pytest.approx(100 * (larger - smaller) / smaller)
        assert check["target_percent"] == 10
        assert check["flat"] == (check["peak_growth_percent"] <= 10)


def test_bench_engines_scale_names_the_family_it_measured(tiny_model_dir, capsys: pytest.CaptureFixture) -> None:
    """The family printed is the one vi2en chose for the model, not the layout's name (--arch m2m100 is NLLB's
    tokenizer: family nllb), and the flat-memory verdict is spelled out per engine, its percentage that of the
    two peaks printed beside it.  (Which family each layout gets is tests/test_models.py's.)"""
    family = "nllb"
    assert bench_engines.main([*small_run(tiny_model_dir("m2m100")), "--scale", "1"]) == 0
    out = capsys.readouterr().out
    assert f"family: {family} " in out
    assert f"flat memory ({family}): peak memory at 100 segments within 10% of the peak at 10?" in out
    for engine in ("scale-plain", "scale-glossary"):
        line = next(line for line in out.splitlines() if line.strip().startswith(f"{engine}: "))
        found = re.fullmatch(rf"\s*{engine}: (\d+) -> (\d+) MB, ([+-]\d+\.\d)% \((flat|NOT flat)\); .*", line)
        assert found, line
        smaller, larger, growth = int(found[1]), int(found[2]), float(found[3])
        assert growth == pytest.approx(100 * (larger - smaller) / smaller, abs=0.5)  # the MB are rounded
        assert (found[4] == "flat") == (growth <= 10)


@pytest.mark.parametrize(("smaller", "larger", "flat"), [(1000, 1100, True), (1000, 1101, False), (1000, 900, True)])
def test_memory_check_holds_the_larger_peak_to_10_percent_of_the_smaller(smaller: int, larger: int, flat: bool) -> None:
    rows = [{"segments": n, "peak_bytes": peak * benchlib.MB, "seconds_per_segment": 0.5}
            for n, peak in ((1000, smaller), (10000, larger))]
    check = bench_engines.memory_check("scale-plain", *rows)
    assert check["peak_growth_percent"] == pytest.approx(100 * (larger - smaller) / smaller)
    assert check["flat"] is flat
    assert (check["from_segments"], check["to_segments"], check["seconds_per_segment_ratio"]) == (1000, 10000, 1.0)


def _result(name: str, seconds: list[float], cpu: float, peak_mb: int) -> benchlib.Result:
    runs = [benchlib.Run(s, cpu, 48, 48 * 40, peak_mb * benchlib.MB, [], {}) for s in seconds]
    return benchlib.Result(name, name, 500 * benchlib.MB, runs)


def test_target_checks_hold_each_engine_to_its_ratio_of_ctranslate2s_best() -> None:
    """Issue 16's verdicts: the time target holds only when best and paired rounds both are within it, and
    memory only at or below CTranslate2's peak; CPU seconds are reported beside them, not judged."""
    results = {
        "ct2-int8-par": _result("ct2-int8-par", [3.0, 3.2], cpu=6.0, peak_mb=850),
        "product-int8": _result("product-int8", [2.4, 2.9], cpu=4.5, peak_mb=840),  # best 0.80x; round 2 0.91x
        "glossary-int8": _result("glossary-int8", [2.6, 2.8], cpu=4.8, peak_mb=851),  # 0.87x and 0.875x
    }
    checks = {c["engine"]: c for c in bench_engines.target_checks(results)}
    assert set(checks) == {"product-int8", "glossary-int8"}
    product, glossary = checks["product-int8"], checks["glossary-int8"]
    assert product["best_ratio"] == pytest.approx(0.8) and product["paired_ratio"] == pytest.approx((0.8 + 2.9 / 3.2) / 2)
    assert product["time_met"] is False and product["memory_met"] is True
    assert glossary["time_met"] is True and glossary["memory_met"] is False
    assert glossary["cpu_ratio"] == pytest.approx(0.8)
    line = bench_engines.describe_check(glossary)
    assert line.startswith("target glossary-int8 <= 0.9x ct2-int8-par: best 0.87x, paired 0.87x (met;")
    assert line.endswith("peak memory 1.00x (not met)")
    assert bench_engines.target_checks({k: v for k, v in results.items() if k != "ct2-int8-par"}) == []


def test_bench_engines_profile_groups_the_time(small: list[str], capsys: pytest.CaptureFixture) -> None:
    assert bench_engines.main([*small, "--profile", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    groups = report["groups"]
    assert len(groups) == 3 and all(seconds >= 0 for seconds in groups.values())
    assert sum(groups.values()) == pytest.approx(report["profiled_seconds"])
    model_forward, constraints, _ = groups.values()
    assert model_forward > 0 and constraints > 0  # the grouped functions are found in the product's profile
    assert not [f for f in report["missing"] if "_select_plain" not in f]  # (every segment has terms: no plain path)


def test_bench_int8_layers_times_every_engine_against_fbgemm(capsys: pytest.CaptureFixture) -> None:
    """Each layer shape gets a row: fbgemm as the baseline (1.00x), oneDNN and torch._int_mm as ratios to it."""
    assert bench_int8_layers.main(["--shapes", "network", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    for label, rows, inputs, outputs in bench_int8_layers.SHAPES["network"]:
        row = next(line for line in out.splitlines() if line.startswith(label))
        assert f"{rows} x {inputs} -> {outputs}" in row
        ratios = re.findall(r"\(([0-9.]+)x\)", row)
        assert len(ratios) == 3 and ratios[0] == "1.00" and all(float(r) > 0 for r in ratios), row
