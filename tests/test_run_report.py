"""``--report``: the run's term records and summary, written by the run that wrote the English."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "articles" / "2021-11-apec-amm32.txt"


def test_the_report_holds_every_record_and_the_summary_counts(tmp_path: Path, tiny_model_dir: Callable[[str], Path],
                                                               vi2en: Callable) -> None:
    report = tmp_path / "report.jsonl"
    run = vi2en("translate", ARTICLE, "-o", tmp_path / "out", "--model", tiny_model_dir("marian"), "--report", report)
    assert run.code == 0, run.err
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    records = [line for line in lines if "terms" in line]
    kept = [line for line in lines if "kept_term" in line]
    summary = lines[-1]["summary"]
    assert len(records) == summary["segments"] == int(re.search(r"segments: (\d+)", run.err)[1])
    required = sum(len(r["terms"]) for r in records) + len(kept)
    assert required == summary["terms_required"] and f"{required} terms required" in run.err
    assert kept and all(k["kept_term"]["source"] for k in kept), "the credits' agency and photographer are counted"
    assert all(t["entry"] and t["target_start"] is not None for r in records for t in r["terms"] if t["met"])
    assert not list(tmp_path.glob(".vi2en-tmp-*")), "no temporary report is left behind"


def test_a_report_over_an_input_is_refused_before_any_work(tmp_path: Path, tiny_model_dir: Callable[[str], Path],
                                                          vi2en: Callable) -> None:
    source = tmp_path / "bai.txt"
    source.write_text("Bộ Công Thương họp.\n", encoding="utf-8")
    run = vi2en("translate", source, "-o", tmp_path / "out", "--model", tiny_model_dir("marian"), "--report", source)
    assert run.code == 2 and "--report" in run.err and "input" in run.err
    assert source.read_text(encoding="utf-8") == "Bộ Công Thương họp.\n"
    folder = vi2en("translate", source, "--model", tiny_model_dir("marian"), "--report", tmp_path)
    assert folder.code == 2 and "is a folder" in folder.err


def test_the_report_of_a_docx_and_an_html_run_names_each_terms_place(
    tmp_path: Path, tiny_model_dir: Callable[[str], Path], ministries_glossary: Path, vi2en: Callable
) -> None:
    """The summary's term locations (paragraph, cell, run) are JSON with keys a reader can look up."""
    import docx

    source = tmp_path / "in"
    source.mkdir()
    release = docx.Document()
    paragraph = release.add_paragraph("Hôm nay, ")
    paragraph.add_run("Bộ Công Thương").bold = True
    paragraph.add_run(" đã họp.")
    release.save(source / "release.docx")
    (source / "tin.html").write_text("<!DOCTYPE html><html lang='vi'><body><p>Hôm nay, <b>Bộ Ngoại giao</b> đã họp."
                                     "</p></body></html>", encoding="utf-8")
    report = tmp_path / "report.jsonl"
    run = vi2en("translate", source, "-o", tmp_path / "out", "--model", tiny_model_dir("marian"),
                "--glossary", ministries_glossary, "--beams", "2", "--report", report)
    assert run.code == 0, run.err
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    summary = lines[-1]["summary"]
    assert summary["documents"] == 2 and summary["terms_met"] == summary["terms_required"] == 2
    assert summary["locations"] == {"release.docx:segment 1:Bộ Công Thương": "paragraph 1, run 2",
                                    "tin.html:segment 1:Bộ Ngoại giao": "/html/body/p, run 2"}
