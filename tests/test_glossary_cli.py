"""`vi2en glossary check|lookup|suggest|convert`, through `register` on a parser built here."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import pytest

from glossary import Entry, Glossary, default_paths
from glossary.cli import register
from glossary.entry import COLUMNS

# Rows here use the ten columns of glossaries written before forms and deprecated renderings existed.
TEN_COLUMNS = tuple(c for c in COLUMNS if c not in ("en_forms", "en_deprecated"))
from glossary.tsv import read_rows

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
HEADER = "\t".join(TEN_COLUMNS)
MPI = Entry("Bộ Kế hoạch và Đầu tư", "Ministry of Planning and Investment", "organization",
            valid_to=date(2025, 2, 28), source="TT 03/2009")
HANOI_OLD = Entry("Hà Nội", "Ha Noi", "place", valid_to=date(2025, 6, 30), source="provinces 63")
HANOI = Entry("Hà Nội", "Hanoi", "place", valid_from=date(2025, 7, 1), source="provinces 34")


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="vi2en")
    register(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def glossary_file(tmp_path: Path) -> Path:
    path = tmp_path / "g.tsv"
    Glossary([MPI, HANOI_OLD, HANOI]).save(path)
    return path


def test_check_prints_file_line_message_and_fails_on_errors(tmp_path: Path, capsys) -> None:
    path = tmp_path / "broken.tsv"
    path.write_text(f"{HEADER}\nBộ Y tế\t\torganization\t\t\t\t\t\tTT\t\nBộ Nội vụ\tMinistry of Home Affairs\n",
                    encoding="utf-8")
    assert run_cli("glossary", "check", str(path)) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{path}:2: error: missing en (only person entries may leave it empty: they are unaccented)",
        f"{path}:3: error: expected 10 fields, found 2",
    ]
    assert "2 error(s), 0 warning(s)" in captured.err


def test_check_passes_with_warnings_only(tmp_path: Path, capsys) -> None:
    path = tmp_path / "g.tsv"
    Glossary([Entry("Hoà Bình", "Hoa Binh", "place", ("Hòa Bình",), source="t")]).save(path)
    assert run_cli("glossary", "check", str(path)) == 0
    assert "warning: variant 'Hòa Bình' is redundant" in capsys.readouterr().out


def test_check_reads_builtin_as_the_shipped_glossary(tmp_path: Path, capsys) -> None:
    """``builtin`` names the shipped files, as ``--glossary builtin`` does elsewhere: a team's file after it is
    checked against them, and its overrides are warnings naming the shipped entry."""
    mine = tmp_path / "mine.csv"
    mine.write_text("Bộ Công Thương,Ministry of Trade\n", encoding="utf-8")
    assert run_cli("glossary", "check", "builtin", str(mine)) == 0
    captured = capsys.readouterr()
    assert f"{mine}:1: warning: 'Bộ Công Thương' -> 'Ministry of Trade' overrides 'Ministry of Industry and Trade'" \
        in captured.out
    assert f"{len(default_paths()) + 1} file(s): 0 error(s), 1 warning(s)" in captured.err


def test_scan_reads_articles_as_translate_does(tmp_path: Path, capsys) -> None:
    """Word files and folders are read as ``vi2en translate`` reads them, and a file that cannot be read is
    named while the others are scanned (exit 1): the Word twin of a corpus article fires the same terms."""
    twin = "2024-06-vcci-rcep-wto-seminar"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "utf16.txt").write_text("Bộ Công Thương", encoding="utf-16")
    assert run_cli("glossary", "scan", "--json", str(ROOT / "corpus" / "formats" / f"{twin}.docx"), str(folder),
                   str(ROOT / "corpus" / "articles" / f"{twin}.txt")) == 1
    captured = capsys.readouterr()
    assert "utf16.txt: the file is UTF-16" in captured.err, captured.err
    firings = [json.loads(line) for line in captured.out.splitlines()]
    by_article = {suffix: [(f["text"], f["approved"]) for f in firings if f["article"].endswith(suffix)]
                  for suffix in (".docx", ".txt")}
    assert len(by_article[".txt"]) > 50 and by_article[".docx"] == by_article[".txt"]


def test_lookup_shows_entry_type_source_and_validity(glossary_file: Path, capsys) -> None:
    assert run_cli("glossary", "lookup", "bo", "ke", "hoach", "-g", str(glossary_file)) == 0
    out = capsys.readouterr().out
    assert "Bộ Kế hoạch và Đầu tư  →  Ministry of Planning and Investment" in out
    assert "type: organization" in out and "valid: … to 2025-02-28" in out and "source: TT 03/2009" in out


def test_lookup_json_at_a_date(glossary_file: Path, capsys) -> None:
    assert run_cli("glossary", "lookup", "ha noi", "--at", "2024-01-01", "--json", "-g", str(glossary_file)) == 0
    (hit,) = json.loads(capsys.readouterr().out)
    assert (hit["en"], hit["valid_to"], hit["origin"]) == ("Ha Noi", "2025-06-30", f"{glossary_file}:3")


def test_lookup_of_a_name_not_valid_on_the_date_shows_it_and_says_so(glossary_file: Path, capsys) -> None:
    # Issue 11: an expired name is shown with its validity (and successor), never "no entry".
    assert run_cli("glossary", "lookup", "ke hoach", "--at", "2026-01-01", "-g", str(glossary_file)) == 0
    out = capsys.readouterr().out
    assert "Ministry of Planning and Investment" in out and "not valid on 2026-01-01" in out


def test_lookup_without_any_result_exits_1(glossary_file: Path, capsys) -> None:
    assert run_cli("glossary", "lookup", "zzzz qqqq", "-g", str(glossary_file)) == 1
    assert "no entry matches" in capsys.readouterr().err


def test_lookup_refuses_a_broken_glossary(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.tsv"
    broken.write_text("vi\tenglish\tkind\nBộ Y tế\tMinistry of Health\torganization\n", encoding="utf-8")
    assert run_cli("glossary", "lookup", "x", "-g", str(broken)) == 2
    assert f"{broken}:1: error: header: unknown column(s) 'kind'" in capsys.readouterr().err


def test_lookup_reads_a_two_column_glossary_without_header(tmp_path: Path, capsys) -> None:
    plain = tmp_path / "deepl.csv"
    plain.write_text("Bộ Y tế,Ministry of Health\n", encoding="utf-8")
    assert run_cli("glossary", "lookup", "bo y te", "-g", str(plain)) == 0
    out = capsys.readouterr().out
    assert "Bộ Y tế  →  Ministry of Health" in out and "type: other" in out and f"source: {plain}:1" in out


def test_check_curated_requires_type_and_source(tmp_path: Path, capsys) -> None:
    path = tmp_path / "team.tsv"
    path.write_text("vi\ten\nBộ Y tế\tMinistry of Health\n", encoding="utf-8")
    assert run_cli("glossary", "check", str(path)) == 0
    assert run_cli("glossary", "check", "--curated", str(path)) == 1
    assert capsys.readouterr().out.splitlines()[-2:] == [f"{path}:2: error: missing type", f"{path}:2: error: missing source"]


def test_the_curated_data_passes_check_curated(capsys) -> None:
    """Fails as soon as a shipped entry loses its source or type, or any other error creeps in."""
    paths = default_paths()
    assert paths, "glossary/data/*.tsv missing"
    assert run_cli("glossary", "check", "--curated", *map(str, paths)) == 0, capsys.readouterr().out
    assert " 0 error(s)" in capsys.readouterr().err


def test_bad_date_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as raised:
        run_cli("glossary", "lookup", "x", "--at", "2024-13-01")
    assert raised.value.code == 2


def test_convert_round_trip_and_refusal(tmp_path: Path, capsys) -> None:
    source = tmp_path / "g.tsv"
    Glossary([MPI, HANOI]).save(source)
    assert run_cli("glossary", "convert", str(source), str(tmp_path / "g.tbx")) == 0
    assert run_cli("glossary", "convert", str(tmp_path / "g.tbx"), str(tmp_path / "back.tsv")) == 0
    assert (tmp_path / "back.tsv").read_text(encoding="utf-8") == source.read_text(encoding="utf-8")
    broken = tmp_path / "broken.csv"
    broken.write_text("vi;en;type\nBộ Y tế;Ministry of Health;organization\nBộ Tư pháp;Ministry of Justice;ministry\n",
                      encoding="utf-8")
    assert run_cli("glossary", "convert", str(broken), str(tmp_path / "out.tsv")) == 1
    assert not (tmp_path / "out.tsv").exists()
    assert f"{broken}:3: error: unknown type 'ministry'" in capsys.readouterr().err


def test_suggest_on_the_corpus_articles(tmp_path: Path) -> None:
    articles = sorted((SHARED / "articles").glob("*.txt"))
    if not articles:
        pytest.skip(f"../shared not present: no articles in {SHARED / 'articles'}")
    empty = tmp_path / "empty.tsv"
    Glossary().save(empty)
    out = tmp_path / "candidates.tsv"
    assert run_cli("glossary", "suggest", *map(str, articles), "-g", str(empty), "-o", str(out)) == 0
    rows, problems = read_rows(out)  # rows, not entries: en is left empty on purpose for review
    assert problems == []
    long_forms = {cells["acronym"]: cells["vi"] for _, cells in rows if cells["acronym"]}
    assert {
        "ABAC": "Hội đồng tư vấn kinh doanh APEC",
        "PECC": "Hội đồng hợp tác kinh tế Thái Bình Dương",
        "PIF": "Diễn đàn các đảo Thái Bình Dương",
        "UNFCCC": "Công ước khung của Liên hiệp quốc về Biến đổi khí hậu",
        "AJCEP": "Hiệp định Đối tác Kinh tế toàn diện ASEAN – Nhật Bản",
        "HLTF-EI": "Nhóm Đặc trách cấp cao về Hội nhập kinh tế ASEAN",
    }.items() <= long_forms.items()
    acronyms = {cells["vi"] for _, cells in rows if cells["type"] == "acronym"}
    assert {"ABAC", "PECC", "PIF", "UNFCCC", "AJCEP", "HLTF-EI"} <= acronyms
    people = {cells["vi"]: cells["en"] for _, cells in rows if cells["type"] == "person"}
    assert people == {"Bùi Thanh Sơn": "Bui Thanh Son", "Nguyễn Hồng Diên": "Nguyen Hong Dien",
                      "Nanaia Mahuta": "Nanaia Mahuta", "Damien O’Connor": "Damien O’Connor"}
    assert all(" first at " in cells["note"] for _, cells in rows)


def test_suggest_leaves_out_what_the_glossary_has(tmp_path: Path, capsys) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Bộ trưởng Bùi Thanh Sơn và Thủ tướng Phạm Minh Chính.\n", encoding="utf-8")
    known = tmp_path / "g.tsv"
    Glossary([Entry("Bùi Thanh Sơn", "", "person", source="t")]).save(known)
    assert run_cli("glossary", "suggest", str(article), "-g", str(known)) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("#")]
    assert [line.split("\t")[:3] for line in lines[1:]] == [["Phạm Minh Chính", "Pham Minh Chinh", "person"]]
