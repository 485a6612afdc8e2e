"""scripts/evaluate_model.py end to end: a tiny model on a slice of FLORES devtest, both systems, one report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from test_evaluate_support import FLORES, write_lines

PROJECT = Path(__file__).resolve().parents[1]
SCRIPT = PROJECT / "scripts" / "evaluate_model.py"
LIMIT = 4
GLOSSARY = [
    "vi\ten\ttype\tvi_variants\ten_alternatives\tacronym\tvalid_from\tvalid_to\tsource\tnote",
    "Thụy Điển\tSweden\tplace\t\t\t\t\t\tproject: test\t",  # FLORES devtest line 4, twice
    "Trường Đại học Dalhousie\tDalhousie University\torganization\t\t\t\t\t\tproject: test\t",  # line 2
    "Giải Nobel Văn Học\tNobel Prize in Literature\tevent\t\t\t\t\t\tproject: test\t",  # line 4
]


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def translator_available() -> None:
    try:
        from translate import Translator  # noqa: F401
    except ImportError as error:
        pytest.skip(f"translate.Translator not importable: {error}")
    if not (PROJECT / "corpus" / "flores200-devtest").is_dir() and not FLORES.is_dir():
        pytest.skip(f"FLORES devtest not present (corpus/flores200-devtest or {FLORES})")


@pytest.mark.usefixtures("translator_available")
def test_report_has_both_systems_and_the_significance_test(
    tmp_path: Path, tiny_model_dir: Callable[[str], Path]
) -> None:
    model = tiny_model_dir("marian")
    glossary = write_lines(tmp_path / "terms.tsv", GLOSSARY)
    out = tmp_path / "report"
    completed = run_script("--model", str(model), "--testset", "flores", "--limit", str(LIMIT), "--beams", "1", "--threads", "1",
                           "--glossary", str(glossary), "--out", str(out))
    assert completed.returncode == 0, completed.stderr

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    meta = report["meta"]
    assert (meta["model"], meta["beams"], meta["precision"], meta["glossary mode"]) == (str(model), 1, "float32", "hard")
    assert meta["glossary files"] == [str(glossary)]
    assert meta["test set"].startswith(f"flores ({LIMIT} segments")
    assert meta["sacrebleu"] and meta["total time (s)"] > 0
    assert report["segments"] == LIMIT

    off, hard = report["systems"]
    assert (off["name"], hard["name"]) == ("no glossary", "glossary (hard)")
    for system in (off, hard):
        assert [s["name"] for s in system["corpus"]] == ["BLEU", "chrF2++", "TER"]
        assert all("version:" in s["signature"] for s in system["corpus"])
        assert system["info"]["segments/s"] > 0 and system["info"]["translation time (s)"] >= 0
        assert len(Path(system["info"]["hypotheses"]).read_text(encoding="utf-8").splitlines()) == LIMIT
        assert system["terms"]["required"] >= 4  # the glossary's four occurrences (plus any titled names)
    assert off["terms"]["required"] == hard["terms"]["required"]
    assert hard["terms"]["found"] >= off["terms"]["found"]

    assert [c["metric"] for c in report["comparisons"]] == ["BLEU", "chrF2++", "TER"]
    for comparison in report["comparisons"]:
        assert 0 < comparison["bootstrap_p"] <= 1 and 0 < comparison["ar_p"] <= 1
        assert comparison["verdict"]

    markdown = (out / "report.md").read_text(encoding="utf-8")
    for section in ("## Summary", "## Runs", "## Paired significance tests", "## Terminology: glossary (hard)",
                    "| no glossary |", "nrefs:1|case:mixed|eff:no|tok:13a"):
        assert section in markdown


@pytest.mark.usefixtures("translator_available")
def test_unavailable_model_is_a_clear_error(tmp_path: Path) -> None:
    glossary = write_lines(tmp_path / "terms.tsv", GLOSSARY)
    completed = run_script("--model", str(tmp_path / "no-such-model"), "--testset", "flores", "--limit", "2",
                           "--glossary", str(glossary), "--out", str(tmp_path / "report"))
    assert completed.returncode == 2
    assert "evaluate_model: error:" in completed.stderr and "no-such-model" in completed.stderr
