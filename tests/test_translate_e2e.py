"""End to end: ``vi2en translate`` and the Python API on whole articles and line-aligned test sets.

Proves the issue "Translate whole Vietnamese articles" with tiny random-weight models of the four families:
every article comes back with its exact line structure (title, metadata header, datelines, blank lines, photo
credits), ``--lines`` keeps one output line per input line, ``--jsonl`` records cover every segment, the help
explains every option, and a missing model is one clear message (the README's API example: test_readme_api).
Random models produce gibberish, so the checks are on structure and on what must never be lost, not on wording.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from glossary.names import unaccent
from translate.decoding.beam_search import SearchOptions
from translate.document import parse_document
from translate.decoding.model import load_model
from translate.pipeline import Translator

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = sorted((ROOT / "corpus" / "articles").glob("*.txt"))
FLORES_VI = ROOT / "corpus" / "flores200-devtest" / "flores200.devtest.vi"
FAMILIES = ("marian", "mbart", "t5", "m2m100")
CREDIT_VI = re.compile(r"\(Ảnh: ([^)]*)/TTXVN\)$")
DATELINE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
RECORD_KEYS = {"doc", "index", "source", "target", "terms"}
TERM_KEYS = {"source", "required", "rendered", "met"}


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _assert_structure_kept(name: str, source: str, output: str) -> None:
    """Line for line: blanks stay blank, text is translated, header/dateline/credit conventions hold."""
    src, out = _lines(source), _lines(output)
    assert len(out) == len(src), f"{name}: {len(src)} source lines, {len(out)} output lines"
    for number, (s, o) in enumerate(zip(src, out), 1):
        where = f"{name} line {number}"
        if not s.strip():
            assert o == s, f"{where}: a blank line became {o!r}"
            continue
        if DATELINE.fullmatch(s.strip()):
            assert o == s, f"{where}: the dateline {s!r} became {o!r}"
            continue
        assert o.strip() and o != s, f"{where}: not translated: {o!r}"
        if credit := CREDIT_VI.search(s):
            expected = f"(Photo: {unaccent(credit[1])}/VNA)"
            assert o.endswith(expected), f"{where}: the photo credit should end {expected!r}: {o!r}"
        if s.startswith(" date "):
            header = re.match(r" date \d{4}-\d{2} ", s)[0]
            assert o.startswith(header) and len(o) > len(header), f"{where}: the header {header!r} was not kept: {o!r}"


@pytest.mark.parametrize("arch", FAMILIES)
def test_corpus_articles_translate_with_structure_and_records(
    arch: str, tiny_model_dir: Callable[[str], Path], vi2en: Callable, tmp_path: Path
) -> None:
    model = tiny_model_dir(arch)
    corpus = ROOT / "corpus" / "articles"
    common = ("--model", model, "--threads", "1", "--beams", "2", "-q")

    text_run = vi2en("translate", corpus, "-o", tmp_path / "txt", *common)
    assert text_run.code == 0, text_run.err
    written = sorted(p.name for p in (tmp_path / "txt").iterdir() if not p.name.startswith("."))
    assert written == [p.name for p in ARTICLES], "outputs must mirror the input names, one per article"
    for article in ARTICLES:
        source = article.read_text(encoding="utf-8")
        _assert_structure_kept(article.name, source, (tmp_path / "txt" / article.name).read_text(encoding="utf-8"))

    json_run = vi2en("translate", corpus, "-o", tmp_path / "jsonl", "--jsonl", *common)
    assert json_run.code == 0, json_run.err
    terms = 0
    for article in ARTICLES:
        records = [json.loads(line) for line in (tmp_path / "jsonl" / f"{article.stem}.jsonl").read_text().splitlines()]
        segments = parse_document(article.read_text(encoding="utf-8")).segments()
        assert [r["source"] for r in records] == segments, f"{article.name}: records must be the document's segments"
        assert [r["index"] for r in records] == list(range(len(segments)))
        for record in records:
            assert RECORD_KEYS <= record.keys(), record.keys()
            assert record["doc"] == article.name
            assert record["target"].strip(), f"{article.name} segment {record['index']} has no translation"
            assert all(TERM_KEYS <= term.keys() for term in record["terms"])
            terms += len(record["terms"])
    assert terms > 100, "the shipped glossary (the default) should find many terms in the corpus"


@pytest.mark.parametrize("arch", FAMILIES)
def test_five_hundred_lines_give_five_hundred_lines(
    arch: str, tiny_model_dir: Callable[[str], Path], vi2en: Callable, tmp_path: Path
) -> None:
    source = tmp_path / "flores.vi.txt"
    lines = FLORES_VI.read_text(encoding="utf-8").splitlines()[:500]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = vi2en(
        "translate", source, "--lines", "-o", tmp_path / "out", "--model", tiny_model_dir(arch),
        "--threads", "1", "--beams", "2", "--glossary-mode", "off", "-q", max_new_tokens=3,
    )
    assert run.code == 0, run.err
    output = (tmp_path / "out" / source.name).read_text(encoding="utf-8")
    assert output.endswith("\n")
    translated = output[:-1].split("\n")
    assert len(translated) == 500
    assert all(line.strip() for line in translated), "every non-empty source line must get a translation"


def test_lines_keep_blank_lines_and_never_merge(tiny_model_dir: Callable[[str], Path], vi2en: Callable,
                                                tmp_path: Path) -> None:
    source = tmp_path / "test.vi.txt"
    # A sentence end inside a line, a bullet-like line and blank lines: none of it may move a line.
    source.write_text("Xin chào. Tôi là Nam.\n\n- Hà Nội\n   \nBộ Công Thương họp.\n", encoding="utf-8")
    run = vi2en("translate", source, "--lines", "--model", tiny_model_dir("marian"), "--threads", "1",
                "--beams", "2", "-q")
    assert run.code == 0, run.err
    out = run.out.split("\n")
    assert len(out) == 6 and out[-1] == "", run.out
    assert out[0].strip() and out[2].strip() and out[4].strip()
    assert out[1] == "" and out[3].strip() == ""


def _translate_parser() -> argparse.ArgumentParser:
    from translate.cli import build_parser

    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return subparsers.choices["translate"]


def test_translate_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    from translate.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["translate", "--help"])
    assert exit_info.value.code == 0
    printed = " ".join(capsys.readouterr().out.split())  # argparse wraps lines; compare word runs
    options = [a for a in _translate_parser()._actions if a.option_strings and a.dest != "help"]
    assert len(options) >= 12, "the translate command lost options"
    for action in options:
        long = max(action.option_strings, key=len)
        assert action.help and action.help != argparse.SUPPRESS, f"{long} has no help text"
        assert long in printed, f"{long} is not in --help"
        first_words = " ".join(action.help.split()[:4]).replace("%%", "%")
        assert first_words in printed, f"the help of {long} is not shown: {first_words!r}"
    assert "examples:" in printed and "exit code" in printed.lower()


def test_missing_local_model_is_one_clear_message(vi2en: Callable, tmp_path: Path) -> None:
    article = ARTICLES[0]
    run = vi2en("translate", article, "-o", tmp_path / "out", "--model", "/nonexistent", "--threads", "1")
    assert run.code == 2
    assert "Traceback" not in run.err
    message = [line for line in run.err.splitlines() if line.strip() and not line.startswith("vi2en: loading model")]
    assert len(message) == 1 and "'/nonexistent'" in message[0] and message[0].startswith("vi2en: "), run.err
    assert not (tmp_path / "out").exists(), "nothing may be written when the model is missing"


def test_missing_hub_model_offline_is_one_clear_message(tmp_path: Path) -> None:
    """A real process: huggingface_hub reads HF_HUB_OFFLINE at import, and stderr is what a user sees."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"), "VI2EN_MODEL": ""}
    vi2en = Path(sys.executable).with_name("vi2en")
    result = subprocess.run(
        [str(vi2en), "translate", "--model", "some-org/not-a-model", "--threads", "1", str(ARTICLES[0])],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    message = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("vi2en: loading model")]
    assert len(message) == 1 and "some-org/not-a-model" in message[0], result.stderr
    assert result.stdout == ""


@pytest.fixture(scope="module")
def api_translator(tiny_model_dir: Callable[[str], Path]) -> Translator:
    from glossary import load_glossary
    from glossary import default_paths
    from translate.decoding.model import configure_threads

    configure_threads(1)
    loaded = load_model(str(tiny_model_dir("mbart")))
    return Translator(loaded, load_glossary(*default_paths()), search=SearchOptions(beams=2, max_new_tokens=8))


def test_api_translate_text_keeps_the_article_structure(api_translator: Translator) -> None:
    article = next(p for p in ARTICLES if p.name.startswith("2021-11"))
    source = article.read_text(encoding="utf-8")
    _assert_structure_kept(article.name, source, api_translator.translate_text(source))


def test_api_translate_lines_one_output_per_line(api_translator: Translator) -> None:
    lines = ["Bộ Công Thương chủ trì hội nghị.", "", "Hai bên nhất trí. Hội nghị kết thúc.", "  "]
    out = api_translator.translate_lines(lines)
    assert len(out) == len(lines)
    assert out[0].strip() and out[2].strip()
    assert out[1] == "" and out[3].strip() == ""
    assert api_translator.translate_lines([]) == []
