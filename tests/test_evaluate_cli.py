"""`vi2en evaluate` end to end: perfect self-scores, sacrebleu-equal numbers, clear input errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_evaluate_support import (
    damage,
    flores_lines,
    rounded,
    run_evaluate,
    sacrebleu_cli,
    sacrebleu_cli_scores,
    write_lines,
)

PROJECT = Path(__file__).resolve().parents[1]
GLOSSARY_HEADER = "vi\ten\ttype\tvi_variants\ten_alternatives\tacronym\tvalid_from\tvalid_to\tsource\tnote"


def scores_of(system: dict) -> dict[str, float]:
    return {score["name"]: score["score"] for score in system["corpus"]}


def test_help_teaches_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_evaluate(["--help"], capsys)
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for example in ("--hyp out.en --ref ref.en", "--ref ref1.en --ref ref2.en", "--glossary",
                    "--hyp baseline.en --hyp glossary.en", "sacrebleu ref.en -i out.en"):
        assert example in text


def test_project_references_against_themselves_score_100(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The corpus references, one document per article, scored against themselves."""
    articles = sorted((PROJECT / "corpus" / "references").glob("*.tsv"))
    if not articles:
        pytest.skip("corpus/references/*.tsv not present yet")
    for article in articles:
        rows = [row.split("\t") for row in article.read_text(encoding="utf-8").splitlines()[1:]]
        write_lines(tmp_path / "src" / f"{article.stem}.vi", [vi for vi, _ in rows])
        write_lines(tmp_path / "ref" / f"{article.stem}.en", [en for _, en in rows])
    ref = str(tmp_path / "ref")
    code, out, _ = run_evaluate(
        ["--hyp", ref, "--ref", ref, "--src", str(tmp_path / "src"), "--glossary", "builtin", "--json"], capsys)
    assert code == 0
    evaluation = json.loads(out)
    system = evaluation["systems"][0]
    assert scores_of(system)["BLEU"] == pytest.approx(100.0)
    assert scores_of(system)["TER"] == 0.0
    assert len(system["documents"]) == len(articles)
    assert all(doc["scores"][0]["score"] == pytest.approx(100.0) for doc in system["documents"])
    assert system["terms"]["required"] > 0  # the built-in glossary was loaded and applied
    assert all(path.endswith(".tsv") for path in evaluation["meta"]["glossary"])


def test_damaged_copy_gives_the_sacrebleu_cli_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    references = flores_lines(300)
    ref = write_lines(tmp_path / "ref.en", references)
    hyp = write_lines(tmp_path / "hyp.en", damage(references, seed=5))
    code, out, _ = run_evaluate(["--hyp", str(ref), "--ref", str(ref), "--json"], capsys)
    assert code == 0 and scores_of(json.loads(out)["systems"][0])["BLEU"] == pytest.approx(100.0)

    code, out, _ = run_evaluate(["--hyp", str(hyp), "--ref", str(ref), "--json"], capsys)
    assert code == 0
    system = json.loads(out)["systems"][0]
    assert {name: rounded(score) for name, score in scores_of(system).items()} == sacrebleu_cli_scores(hyp, [ref])
    assert all("version:" in score["signature"] for score in system["corpus"])


def test_table_and_markdown_show_the_same_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    references = flores_lines(80)
    ref = write_lines(tmp_path / "ref.en", references)
    hyp = write_lines(tmp_path / "hyp.en", damage(references, seed=2))
    expected = sacrebleu_cli_scores(hyp, [ref])
    bleu = f"{expected['BLEU']:.2f}"
    for flag in ([], ["--markdown"]):
        code, out, _ = run_evaluate(["--hyp", str(hyp), "--ref", str(ref), "--width", "2", *flag], capsys)
        assert code == 0
        assert bleu in out and "nrefs:1|case:mixed|eff:no|tok:13a" in out
    assert "| system | BLEU | chrF2++ | TER |" in out


def test_two_systems_are_compared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    references = flores_lines(100)
    ref = write_lines(tmp_path / "ref.en", references)
    good = write_lines(tmp_path / "good.en", references[:90] + damage(references[90:], seed=1))
    bad = write_lines(tmp_path / "bad.en", [" ".join(line.split()[::2]) for line in references])
    code, out, _ = run_evaluate(["--hyp", str(good), "--hyp", str(bad), "--ref", str(ref), "--json"], capsys)
    assert code == 0
    comparisons = json.loads(out)["comparisons"]
    assert [c["metric"] for c in comparisons] == ["BLEU", "chrF2++", "TER"]
    assert all(c["significant"] and c["baseline"] == str(good) and c["system"] == str(bad) for c in comparisons)
    assert all(c["verdict"].startswith(f"{good} is significantly better") for c in comparisons)


def test_count_mismatch_is_exit_2_naming_both_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = write_lines(tmp_path / "ref.en", ["a", "b", "c"])
    hyp = write_lines(tmp_path / "hyp.en", ["a", "b"])
    code, out, err = run_evaluate(["--hyp", str(hyp), "--ref", str(ref)], capsys)
    assert (code, out) == (2, "")
    assert f"hypothesis {hyp} has 2 lines but reference {ref} has 3 lines" in err


def test_glossary_needs_source_and_a_valid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = write_lines(tmp_path / "ref.en", ["a"])
    glossary = write_lines(tmp_path / "g.tsv", ["not a glossary header"])
    code, _, err = run_evaluate(["--hyp", str(ref), "--ref", str(ref), "--glossary", str(glossary)], capsys)
    assert code == 2 and "--glossary needs --src" in err
    code, _, err = run_evaluate(
        ["--hyp", str(ref), "--ref", str(ref), "--src", str(ref), "--glossary", str(glossary)], capsys)
    assert code == 2 and str(glossary) in err


def test_terminology_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    organizations = write_lines(tmp_path / "orgs.tsv", [
        GLOSSARY_HEADER, "Bộ Công Thương\tMinistry of Industry and Trade\torganization\t\t\t\t\t\tproject: test\t"])
    places = write_lines(tmp_path / "places.tsv", [
        GLOSSARY_HEADER, "Hà Nội\tHanoi\tplace\t\t\t\t\t\tproject: test\t"])
    src = write_lines(tmp_path / "src.vi", ["Bộ Công Thương họp ở Hà Nội.", "Hà Nội đẹp."])
    ref = write_lines(tmp_path / "ref.en", ["The Ministry of Industry and Trade met in Hanoi.", "Hanoi is nice."])
    hyp = write_lines(tmp_path / "hyp.en", ["The Ministry of Trade met in Hanoi.", "Hanoi is nice."])
    argv = ["--hyp", str(hyp), "--ref", str(ref), "--src", str(src), "--glossary", str(organizations), "--glossary", str(places)]
    code, out, _ = run_evaluate([*argv, "--json"], capsys)
    assert code == 0
    terms = json.loads(out)["systems"][0]["terms"]
    assert (terms["found"], terms["required"], terms["accuracy"]) == (2, 3, 2 / 3)
    assert [(m["line"], m["term"]) for m in terms["misses"]] == [(1, "Bộ Công Thương → Ministry of Industry and Trade")]
    assert (terms["consistent_terms"], terms["repeated_terms"]) == (1, 1)

    code, out, _ = run_evaluate(argv, capsys)
    assert code == 0 and "66.7% (2/3)" in out and "The Ministry of Trade met in Hanoi." in out


def test_the_corpus_folders_as_they_are(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--ref corpus/references` (NAME.en.txt beside NAME.tsv) against NAME.txt outputs, as `vi2en translate` names them."""
    references = PROJECT / "corpus" / "references"
    articles = sorted(references.glob("*.en.txt"))
    if not articles:
        pytest.skip("corpus/references/*.en.txt not present")
    out = tmp_path / "out"
    out.mkdir()
    for article in articles:  # a perfect "translation": each reference under the name translate gives it
        (out / (article.name.removesuffix(".en.txt") + ".txt")).write_bytes(article.read_bytes())
    code, text, err = run_evaluate(["--hyp", str(out), "--ref", str(references), "--src",
                                    str(PROJECT / "corpus" / "articles"), "--glossary", "builtin", "--json"], capsys)
    assert code == 0, err
    evaluation = json.loads(text)
    system = evaluation["systems"][0]
    assert scores_of(system) == {"BLEU": pytest.approx(100.0), "chrF2++": pytest.approx(100.0), "TER": 0.0}
    assert [doc["document"] for doc in system["documents"]] == [a.name.removesuffix(".en.txt") for a in articles]
    assert all(doc["scores"][0]["score"] == pytest.approx(100.0) for doc in system["documents"])
    lines = sum(len(a.read_text(encoding="utf-8").splitlines()) for a in articles)
    assert evaluation["segments"] == lines  # whole articles, line for line (the .tsv segments are fewer)
    assert evaluation["meta"]["notes"] == [f"reference folder {references}: read its .en.txt files, "
                                           f"not its {len(articles)} .tsv file(s)"]
    assert system["terms"]["required"] > 0
    # sentence-level scores: one per line; blank lines (paragraph breaks) carry none
    segments = system["sentences"]["segments"]
    assert len(segments) == lines and segments[1] == {"document": system["documents"][0]["document"], "line": 2,
                                                      "scores": None}
    scored = [s["scores"] for s in segments if s["scores"] is not None]
    assert scored and all(s["BLEU"] == pytest.approx(100.0) and s["TER"] == 0.0 for s in scored)
    assert "eff:yes" in system["sentences"]["signatures"]["BLEU"]


def test_confidence_equals_sacrebleu_confidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    references = flores_lines(120)
    ref = write_lines(tmp_path / "ref.en", references)
    hyp = write_lines(tmp_path / "hyp.en", damage(references, seed=7))
    code, out, _ = run_evaluate(["--hyp", str(hyp), "--ref", str(ref), "--confidence", "--confidence-n", "200",
                                 "--json"], capsys)
    assert code == 0
    ours = {s["name"]: s for s in json.loads(out)["systems"][0]["corpus"]}
    theirs = json.loads(sacrebleu_cli(str(ref), "-i", str(hyp), "-m", "bleu", "chrf", "ter", "--chrf-word-order", "2",
                                      "--confidence", "--confidence-n", "200", "-w", "4", "-f", "json"))
    for item in theirs:
        score = ours[item["name"]]
        assert (rounded(score["score"]), rounded(score["mean"]), rounded(score["ci"])) == (
            item["score"], item["confidence_mean"], item["confidence_var"])
        assert "bs:200|seed:12345" in score["signature"]
    code, out, _ = run_evaluate(["--hyp", str(hyp), "--ref", str(ref), "--confidence", "--confidence-n", "200"], capsys)
    assert f"(μ = {ours['BLEU']['mean']:.1f} ± {ours['BLEU']['ci']:.1f})" in out


def test_sentence_scores_equal_sacrebleu_sentence_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    references = flores_lines(30)
    ref = write_lines(tmp_path / "ref.en", references)
    hyp = write_lines(tmp_path / "hyp.en", damage(references, seed=3))
    code, out, _ = run_evaluate(["--hyp", str(hyp), "--ref", str(ref), "--json"], capsys)
    assert code == 0
    segments = json.loads(out)["systems"][0]["sentences"]["segments"]
    assert [s["line"] for s in segments] == list(range(1, 31))
    for metric, options in (("bleu", []), ("chrf", ["--chrf-word-order", "2"]), ("ter", [])):
        lines = sacrebleu_cli(str(ref), "-i", str(hyp), "-m", metric, *options, "--sentence-level", "-w", "4",
                              "--score-only").splitlines()
        name = {"bleu": "BLEU", "chrf": "chrF2++", "ter": "TER"}[metric]
        expected = [float(line) for line in lines]
        assert [rounded(s["scores"][name]) if s["scores"] else 0.0 for s in segments] == expected


def test_html_page_and_its_bad_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = write_lines(tmp_path / "refs" / "a.en", ["The ministry met.", "It rained."])
    write_lines(tmp_path / "refs" / "b.en", ["Hello."])
    page = tmp_path / "report" / "page.html"
    argv = ["--hyp", str(tmp_path / "refs"), "--ref", str(tmp_path / "refs")]
    code, out, err = run_evaluate([*argv, "--html", str(page)], capsys)
    assert code == 0 and f"wrote {page}" in err and "Summary" in out  # the table is still printed
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    for bad, message in ((tmp_path, "is a folder"), (tmp_path / "refs" / "r.html", "would overwrite or join the input"),
                         (ref, "would overwrite or join the input")):
        code, out, err = run_evaluate([*argv, "--html", str(bad)], capsys)
        assert (code, out) == (2, "") and message in err
    assert ref.read_text(encoding="utf-8") == "The ministry met.\nIt rained.\n"  # nothing overwritten
    code, _, err = run_evaluate([*argv, "--confidence", "--confidence-n", "1"], capsys)
    assert code == 2 and "--confidence-n must be at least 2" in err
