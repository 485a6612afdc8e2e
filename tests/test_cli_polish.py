"""The command line behaves as users of mature tools expect (issue 17, item 1).

``--version`` on every command, one spelling of ``-g/--glossary`` everywhere, the usage of the command
at fault on a bad option, ``--text`` for one sentence, a progress bar with a total, a "loading model"
line, a summary with the time, the output folder and file lines (never 0-based segment indexes), and
the random-model length cap read from ``$VI2EN_MAX_NEW_TOKENS`` rather than patched into a module.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterator

import pytest

import translate
from translate.batch import RunReport, run_batch
from translate.cli import MAX_NEW_TOKENS_ENV, build_parser
from translate.options import TranslationOptions
from translate.pipeline import DocumentResult, SegmentRecord, TermRecord

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = "Bộ Công Thương chủ trì hội nghị."


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command of the tree with its words (``()`` is ``vi2en`` itself)."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


COMMANDS = [path for path, _ in _commands(build_parser())]


def test_the_version_is_the_package_metadata() -> None:
    assert translate.__version__ == metadata.version("vi2en")
    declared = [line for line in (ROOT / "pyproject.toml").read_text().splitlines() if line.startswith("version = ")]
    assert declared == [f'version = "{translate.__version__}"']
    assert translate.__version__ not in (ROOT / "translate" / "__init__.py").read_text(), "a second copy of the number"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(("vi2en", *c)))
def test_every_command_answers_version(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command, "--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"vi2en {metadata.version('vi2en')}"


def test_the_commands_are_all_there() -> None:
    """The tree walked above is the real one (a renamed command would silently drop out of the tests)."""
    assert {("translate",), ("evaluate",), ("import",), ("serve",), ("glossary", "lookup"), ("glossary", "check"),
            ("glossary", "scan"), ("glossary", "suggest"), ("glossary", "convert")} <= set(COMMANDS)


# The arguments each command needs before an unknown option is the only thing wrong.
NEEDS = {("translate",): ["a.txt"], ("evaluate",): ["--hyp", "h", "--ref", "r"], ("import",): ["a.xlf", "-o", "out"],
         ("glossary", "lookup"): ["abac"], ("glossary", "check"): ["a.tsv"], ("glossary", "scan"): ["a.txt"],
         ("glossary", "suggest"): ["a.txt"], ("glossary", "convert"): ["a.tsv", "b.tbx"]}


@pytest.mark.parametrize("command", [c for c in COMMANDS if c and c != ("glossary",)], ids=lambda c: " ".join(c))
def test_a_bad_option_prints_the_usage_of_its_command(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command, *NEEDS.get(command, []), "--no-such-option"])
    err = capsys.readouterr().err
    prog = " ".join(("vi2en", *command))
    assert exit_.value.code == 2
    assert err.startswith(f"usage: {prog} ") and f"{prog}: error: unrecognized arguments: --no-such-option" in err, err


def test_a_bad_option_before_the_sub_command_is_the_group_s(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["glossary", "--no-such-option", "lookup", "abac"])
    err = capsys.readouterr().err
    assert err.startswith("usage: vi2en glossary ") and "vi2en glossary: error: unrecognized arguments" in err


@pytest.mark.parametrize("command", [c for c in COMMANDS if any("--glossary" in a.option_strings
                                     for a in dict(_commands(build_parser()))[c]._actions)], ids=lambda c: " ".join(c))
def test_glossary_is_spelled_one_way_everywhere(command: tuple[str, ...]) -> None:
    parser = dict(_commands(build_parser()))[command]
    option = next(a for a in parser._actions if "--glossary" in a.option_strings)
    assert option.option_strings == ["-g", "--glossary"] and isinstance(option, argparse._AppendAction), command
    assert option.nargs is None and "builtin" in option.help and option.metavar == "FILE"
    args = parser.parse_args([*NEEDS.get(command, []), "-g", "builtin", "--glossary", "mine.tsv"])
    assert args.glossary[-2:] == ["builtin", "mine.tsv"]


#: Every date option and count option of the tree, after the words its command needs.
DATE_OPTIONS = [(("translate", "a.txt"), "--glossary-date"), (("serve",), "--glossary-date"),
                (("glossary", "lookup", "abac"), "--at"), (("glossary", "scan", "a.txt"), "--at")]
COUNT_OPTIONS = [(("translate", "a.txt"), "--beams"), (("translate", "a.txt"), "--batch-tokens"), (("serve",), "--workers"),
                 (("serve",), "--queue-limit"), (("glossary", "lookup", "abac"), "--limit"),
                 (("glossary", "suggest", "a.txt"), "--min-repeats")]


def _refusal(words: tuple[str, ...], option: str, value: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What the command says about ``option value``: the text after ``argument OPTION:``."""
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*words, option, value])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert exit_.value.code == 2 and f"error: argument {option}: " in err, err
    return err.split(f"error: argument {option}: ", 1)[1]


@pytest.mark.parametrize("bad", ["2024-13-01", "2025-02-30", "1/7/2025", "20250701", "2025-W27-2", "July 2025"])
def test_every_date_option_refuses_alike_saying_what_is_accepted(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    said = {_refusal(words, option, bad, capsys) for words, option in DATE_OPTIONS}
    assert len(said) == 1, said  # one definition: one message
    message = said.pop()
    assert repr(bad) in message and "YYYY-MM-DD" in message, message


def test_a_date_that_does_not_exist_is_named_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    assert "month" in _refusal(*DATE_OPTIONS[0], "2024-13-01", capsys)
    assert "day" in _refusal(*DATE_OPTIONS[0], "2025-02-30", capsys)


@pytest.mark.parametrize("bad", ["0", "-2", "abc", "2.5"])
def test_every_count_option_refuses_alike_saying_what_is_accepted(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    said = {_refusal(words, option, bad, capsys) for words, option in COUNT_OPTIONS}
    assert len(said) == 1, said
    message = said.pop()
    assert bad in message and "whole number of at least 1" in message, message


@pytest.mark.parametrize("bad", ["101", "-1", "nan", "high"])
def test_the_memory_threshold_is_refused_as_the_api_refuses_it(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``--tm-threshold`` and ``TranslationOptions(tm_threshold=…)`` share one rule and one wording."""
    message = _refusal(("translate",), "--tm-threshold", bad, capsys)
    assert "a similarity from 0 to 100" in message and bad in message, message
    if bad != "high":
        with pytest.raises(ValueError, match="tm_threshold must be a similarity from 0 to 100"):
            TranslationOptions(model="m", tm_threshold=float(bad))


def test_good_dates_and_counts_are_read_as_such() -> None:
    for words, option in DATE_OPTIONS:
        args = build_parser().parse_args([*words, option, "2025-07-01"])
        assert vars(args)[option.lstrip("-").replace("-", "_")] == date(2025, 7, 1), (words, option)
    for words, option in COUNT_OPTIONS:
        args = build_parser().parse_args([*words, option, "3"])
        assert vars(args)[option.lstrip("-").replace("-", "_")] == 3, (words, option)


def test_every_command_that_translates_or_looks_up_takes_a_glossary() -> None:
    with_glossary = {c for c, p in _commands(build_parser()) if any("--glossary" in a.option_strings for a in p._actions)}
    assert {("translate",), ("evaluate",), ("serve",), ("glossary", "lookup"), ("glossary", "scan"),
            ("glossary", "suggest")} <= with_glossary


def test_glossary_lookup_reads_builtin_and_files_like_translate(vi2en: Callable, tmp_path: Path) -> None:
    mine = tmp_path / "mine.csv"
    mine.write_text("Hội chợ Mùa xuân;Spring Fair\n", encoding="utf-8")
    ours = vi2en("glossary", "lookup", "hoi cho mua xuan", "-g", "builtin", "-g", mine)
    assert ours.code == 0 and "Spring Fair" in ours.out, ours.err
    builtin = vi2en("glossary", "lookup", "ABAC", "-g", "builtin", "-g", mine)
    assert builtin.code == 0 and "APEC Business Advisory Council" in builtin.out


def test_evaluate_glossary_is_repeatable(vi2en: Callable, tmp_path: Path) -> None:
    (tmp_path / "src.vi").write_text(f"{SENTENCE}\nHội chợ Mùa xuân khai mạc.\n", encoding="utf-8")
    hyp = "The Ministry of Industry and Trade chaired the conference.\nThe Spring Fair opened.\n"
    (tmp_path / "hyp.en").write_text(hyp, encoding="utf-8")
    (tmp_path / "ref.en").write_text(hyp, encoding="utf-8")
    mine = tmp_path / "mine.tsv"
    mine.write_text("vi\ten\nHội chợ Mùa xuân\tSpring Fair\n", encoding="utf-8")
    run = vi2en("evaluate", "--hyp", tmp_path / "hyp.en", "--ref", tmp_path / "ref.en", "--src", tmp_path / "src.vi",
                "-g", "builtin", "--glossary", mine, "--json")
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert str(mine) in report["meta"]["glossary"] and len(report["meta"]["glossary"]) > 1, "both glossaries were read"
    terms = report["systems"][0]["terms"]
    assert (terms["required"], terms["found"]) == (2, 2), "one term from the built-in glossary, one from mine.tsv"


@pytest.fixture(scope="module")
def model(tiny_model_dir: Callable[[str], Path]) -> str:
    return str(tiny_model_dir("marian"))


def test_text_translates_one_sentence_to_stdout(vi2en: Callable, model: str) -> None:
    run = vi2en("translate", "--text", SENTENCE, "--model", model, "--threads", "1", "--beams", "2")
    assert run.code == 0, run.err
    assert len(run.out.splitlines()) == 1 and "Ministry of Industry and Trade" in run.out, "the glossary holds for --text"
    assert "documents: 1 (1 translated" in run.err and "output: standard output" in run.err


def test_text_composes_with_jsonl_and_glossary(vi2en: Callable, model: str, tmp_path: Path) -> None:
    mine = tmp_path / "mine.tsv"
    mine.write_text("vi\ten\nhội nghị\tmeeting\n", encoding="utf-8")
    run = vi2en("translate", "--text", f"{SENTENCE}\n\nHai bên nhất trí.", "--jsonl", "-g", "builtin", "-g", mine,
                "--model", model, "--threads", "1", "--beams", "2")
    assert run.code == 0, run.err
    records = [json.loads(line) for line in run.out.splitlines()]
    assert [r["line"] for r in records] == [1, 3] and records[0]["doc"] == "text"
    assert {t["rendered"] for t in records[0]["terms"]} == {"Ministry of Industry and Trade", "meeting"}
    assert all(t["met"] for t in records[0]["terms"])


def test_text_refuses_inputs_and_an_output_folder(vi2en: Callable, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    for extra in (["a.txt"], ["-o", str(tmp_path / "out")]):
        with pytest.raises(SystemExit) as exit_:
            vi2en("translate", "--text", SENTENCE, *extra)
        assert exit_.value.code == 2
        err = capfd.readouterr().err
        assert err.startswith("usage: vi2en translate ") and "--text" in err.splitlines()[-1]
    with pytest.raises(SystemExit):
        vi2en("translate")
    assert 'or --text "…"' in capfd.readouterr().err


def test_loading_line_summary_time_and_output_folder(vi2en: Callable, model: str, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(f"{SENTENCE}\n\nHai bên nhất trí.\n", encoding="utf-8")
    out = tmp_path / "out"
    run = vi2en("translate", article, "-o", out, "--model", model, "--threads", "1", "--beams", "2")
    assert run.code == 0, run.err
    lines = run.err.splitlines()
    assert lines[0] == f"vi2en: loading model {model}…"
    timing = next(line for line in lines if line.startswith("time: "))
    assert timing.endswith(f"; output: {out}") and float(timing.split()[1]) > 0
    quiet = vi2en("translate", article, "-o", tmp_path / "quiet", "--model", model, "--threads", "1", "-q")
    assert quiet.code == 0 and quiet.err == "", "nothing but problems with -q"


def test_failure_lines_name_the_document_once(vi2en: Callable, model: str, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(SENTENCE + "\n", encoding="utf-8")
    empty = tmp_path / "in" / "empty.txt"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    run = vi2en("translate", good, tmp_path / "nope.txt", empty.parent, "-o", tmp_path / "out", "--model", model,
                "--threads", "1", "--beams", "2")
    assert run.code == 1
    failed = [line for line in run.err.splitlines() if line.startswith("failed:")]
    assert failed == [f"failed: {tmp_path / 'nope.txt'}: no such file or folder", "failed: empty.txt: the file is empty"], failed


def _record(index: int, line: int, *, met: bool = True, doubles: list[str] | None = None) -> SegmentRecord:
    term = TermRecord("Bộ Công Thương", ["Ministry of Industry and Trade"], None if not met else "Ministry of Industry and Trade", met)
    return SegmentRecord("a.txt", index, "Bộ Công Thương họp.", "The ministry met.", [term], doubles or [], line=line)


def test_summary_places_are_file_lines_not_segment_indexes() -> None:
    report = RunReport(glossary_mode="hard", documents=1, output="out", elapsed=3725.0)
    segments = [_record(0, 1), _record(1, 3, doubles=["Ministry of Industry and Trade Ministry of Industry"]),
                _record(2, 3, met=False)]
    report.add(DocumentResult("a.txt", "x\n\ny", segments, 3))
    summary = report.summary()
    assert "unmet term: a.txt:3: 'Bộ Công Thương' → Ministry of Industry and Trade" in summary
    assert "possible double rendering: a.txt:3: 'Ministry of Industry and Trade Ministry of Industry'" in summary
    assert any("1 possible double renderings (listed below)" in line for line in summary)
    assert "time: 1 h 02 min; output: out" in summary
    assert report.exit_code == 1
    quiet = report.summary(quiet=True)
    assert not any(line.startswith(("documents:", "segments:", "glossary", "time:")) for line in quiet)
    assert any(line.startswith("unmet term: a.txt:3:") for line in quiet), "problems are still reported with -q"


def test_stale_memory_and_empty_translations_are_named_by_line() -> None:
    report = RunReport(memory=True)
    stale = _record(1, 4)
    stale.memory = "stale"
    empty = _record(2, 6)
    empty.target = ""
    report.add(DocumentResult("a.txt", "x\n\n\ny\n\nz", [_record(0, 1), stale, empty], 6))
    summary = "\n".join(report.summary())
    assert "stale memory: a.txt:4:" in summary
    assert "segment mismatch: a.txt: the translation of line(s) 6 came back empty" in summary


def test_progress_bar_has_total_percentage_and_eta(model: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from translate.pipeline import SearchOptions, Translator

    translator = Translator.load(model, glossary=(), threads=1, search=SearchOptions(beams=2, max_new_tokens=4))
    article = tmp_path / "a.txt"
    article.write_text("Hội nghị bắt đầu. Hai bên nhất trí.\n\nHội nghị kết thúc.\n", encoding="utf-8")
    capfd.readouterr()
    report = run_batch(translator, [article], tmp_path / "out", options={}, progress_bar=True,
                       started=time.monotonic() - 2.0)
    bar = capfd.readouterr().err.replace("\r", "\n").splitlines()
    final = [line for line in bar if line.startswith("translating: 100%")]
    assert report.segments == 3 and final, bar
    assert "3/3" in final[-1] and "<" in final[-1], "total, count and ETA (elapsed<remaining) are shown"
    assert report.elapsed is not None and report.elapsed >= 2.0


def test_planned_totals_equal_the_segments_decoded(model: str) -> None:
    from translate.pipeline import SearchOptions, Translator

    translator = Translator(Translator.load(model, glossary=(), threads=1).loaded, None,
                            search=SearchOptions(beams=1, max_new_tokens=3), group_segments=2)
    planned: list[int] = []
    done: list[int] = []
    docs = [(f"d{i}", "Hội nghị bắt đầu. Hai bên nhất trí.\n\nHội nghị kết thúc.") for i in range(3)]
    results = list(translator.translate_documents(docs, planned=planned.append, progress=done.append))
    assert len(planned) == 3, "one total per group of documents"
    assert sum(planned) == sum(done) == sum(len(r.segments) for r in results) == 9


def test_max_new_tokens_comes_from_the_environment(vi2en: Callable, model: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Hội nghị diễn ra trong ba ngày với sự tham gia của nhiều đại biểu quốc tế.\n", encoding="utf-8")
    capped = vi2en("translate", article, "--jsonl", "--glossary-mode", "off", "--model", model, "--threads", "1",
                   "--beams", "1", max_new_tokens=2)
    free = vi2en("translate", article, "--jsonl", "--glossary-mode", "off", "--model", model, "--threads", "1",
                 "--beams", "1", max_new_tokens=None)
    assert capped.code == free.code == 0, capped.err + free.err
    assert len(json.loads(capped.out)["target"].split()) <= 2 < len(json.loads(free.out)["target"].split())
    monkeypatch.setenv(MAX_NEW_TOKENS_ENV, "lots")
    from translate.cli import main

    assert main(["translate", str(article), "--model", model]) == 2
    parser = dict(_commands(build_parser()))[("translate",)]
    assert MAX_NEW_TOKENS_ENV not in parser.format_help(), "a setting for tests and benchmarks, not a user option"


def test_a_broken_glossary_is_reported_before_any_model_loading_line(vi2en: Callable, model: str,
                                                                     tmp_path: Path) -> None:
    """The glossary is read before the model, and the "loading model" line comes only when the model does:
    a broken glossary is the run's only message (exit 2), a good one still announces the model."""
    article = tmp_path / "a.txt"
    article.write_text("Bộ Công Thương họp.\n", encoding="utf-8")
    broken = tmp_path / "terms.tsv"
    broken.write_text("vi\ten\ttype\nBộ Công Thương\tMinistry of Industry and Trade\tnot-a-type\n", encoding="utf-8")
    refused = vi2en("translate", article, "--model", model, "--glossary", broken, "--threads", "1")
    assert refused.code == 2 and "terms.tsv:2" in refused.err, refused.err
    assert "loading model" not in refused.err
    good = vi2en("translate", article, "--model", model, "--glossary-mode", "off", "--threads", "1")
    assert good.code == 0 and f"vi2en: loading model {model}" in good.err, good.err
