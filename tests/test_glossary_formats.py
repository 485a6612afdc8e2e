"""Glossary files as teams keep them: headerless and partial tables, Excel CSV, TBX v2/v3 with term
status, exact line numbers whatever a cell holds, invisible characters, and file precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from glossary import Entry, EntryType, Glossary, load_glossary
from glossary.check import check_files
from glossary.errors import Severity, errors_in
from glossary.formats import read_entries


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def pairs(path: Path) -> list[tuple[str, str, str, int]]:
    """(vi, en, type, line) of every entry read, checking that nothing was an error."""
    entries, problems = read_entries(path)
    assert errors_in(problems) == []
    return [(e.vi, e.en, e.type.value, e.origin[1]) for e in entries]


# --- tables as teams keep them ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text", "encoding"), [
    ("deepl.csv", "Bộ Y tế,Ministry of Health\nABAC,ABAC\n", "utf-8"),
    ("excel.csv", "Bộ Y tế;Ministry of Health\r\nABAC;ABAC\r\n", "utf-8-sig"),
    ("team.tsv", "Bộ Y tế\tMinistry of Health\nABAC\tABAC\n", "utf-8"),
    ("tabs.csv", "Bộ Y tế\tMinistry of Health\nABAC\tABAC\n", "utf-8"),
])
def test_two_columns_without_header_are_vi_en(tmp_path: Path, name: str, text: str, encoding: str) -> None:
    path = write(tmp_path / name, text, encoding)
    assert pairs(path) == [("Bộ Y tế", "Ministry of Health", "other", 1), ("ABAC", "ABAC", "acronym", 2)]
    assert [e.source for e in load_glossary(path)] == [f"{path}:1", f"{path}:2"]


def test_three_columns_without_header_are_vi_en_type(tmp_path: Path) -> None:
    path = write(tmp_path / "g.tsv", "Hà Nội\tHa Noi\tplace\nBùi Thanh Sơn\t\tperson\n")
    assert pairs(path) == [("Hà Nội", "Ha Noi", "place", 1), ("Bùi Thanh Sơn", "", "person", 2)]
    assert load_glossary(path).entries[1].approved == "Bui Thanh Son"


def test_semicolon_csv_keeps_commas_and_quotes_inside_cells(tmp_path: Path) -> None:
    path = write(tmp_path / "g.csv", 'English;Vietnamese;Note\r\n"Ministry of Industry and Trade, Viet Nam";'
                                     'Bộ Công Thương;"said ""MOIT"""\r\nMinistry of Health;Bộ Y tế;\r\n', "utf-8-sig")
    entries = load_glossary(path).entries
    assert [(e.vi, e.en, e.note) for e in entries] == [
        ("Bộ Công Thương", "Ministry of Industry and Trade, Viet Nam", 'said "MOIT"'), ("Bộ Y tế", "Ministry of Health", "")]
    assert [e.origin[1] for e in entries] == [2, 3]


def test_any_subset_of_columns_in_any_order(tmp_path: Path) -> None:
    path = write(tmp_path / "g.tsv", "EN\tVI\tValid-From\tacronym\nMinistry of Agriculture and Environment\t"
                                     "Bộ Nông nghiệp và Môi trường\t2025-03-01\tMAE\n")
    (entry,) = load_glossary(path).entries
    assert (entry.vi, entry.en, entry.acronym, str(entry.valid_from)) == (
        "Bộ Nông nghiệp và Môi trường", "Ministry of Agriculture and Environment", "MAE", "2025-03-01")


def test_source_and_target_header_means_vi_and_en(tmp_path: Path) -> None:
    path = write(tmp_path / "tm.csv", "source,target\nBộ Y tế,Ministry of Health\n")
    assert pairs(path) == [("Bộ Y tế", "Ministry of Health", "other", 2)]


def test_headerless_file_of_four_columns_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path / "g.csv", "Bộ Y tế,Ministry of Health,organization,MOH\n")
    (problem,) = check_files([path])
    assert problem.line == 1 and "add a header row" in problem.message


def test_a_row_of_the_wrong_width_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "g.csv", "Bộ Y tế;Ministry of Health\nBộ Tư pháp\nBộ Tài chính;Ministry of Finance\n")
    entries, problems = read_entries(path)
    assert [(p.line, p.message) for p in problems] == [(2, "expected 2 fields, found 1")]
    assert [e.origin[1] for e in entries] == [1, 3]


# --- line numbers and cell contents -------------------------------------------------------------

BREAKERS = ["\u2028", "\u2029", "\u0085", "\x0c", "\x0b", "\x1c", "\r"]


@pytest.mark.parametrize("suffix", [".tsv", ".csv"])
@pytest.mark.parametrize("char", BREAKERS)
def test_a_line_breaking_character_in_a_cell_is_an_error_and_shifts_no_line(tmp_path: Path, suffix: str, char: str) -> None:
    sep = "\t" if suffix == ".tsv" else ","
    lines = [f"vi{sep}en", f"Bộ Y tế{sep}Ministry of Health", f"Bộ Tư{char}pháp{sep}Ministry of Justice",
             f"Bộ Tài chính{sep}Ministry of Finance"]
    path = write(tmp_path / f"g{suffix}", "\n".join(lines) + "\n")
    entries, problems = read_entries(path)
    assert [(p.line, p.severity) for p in problems] == [(3, Severity.ERROR)]
    assert problems[0].message.startswith("vi: ")
    assert [(e.vi, e.origin[1]) for e in entries] == [("Bộ Y tế", 2), ("Bộ Tài chính", 4)]


def test_check_names_the_invisible_characters_and_normalises_them(tmp_path: Path) -> None:
    path = write(tmp_path / "g.tsv", "vi\ten\nBộ\u200b Y tế\tMinistry\u00a0of Health\nBộ Tư pháp\tMinistry of\u00adJustice\n")
    entries, problems = read_entries(path)
    assert [(p.line, p.severity) for p in problems] == [(2, Severity.WARNING)] * 2 + [(3, Severity.WARNING)]
    messages = " / ".join(p.message for p in problems)
    assert "vi: invisible character(s) normalised: U+200B ZERO WIDTH SPACE removed" in messages
    assert "en: invisible character(s) normalised: U+00A0 NO-BREAK SPACE made a space" in messages
    assert "U+00AD SOFT HYPHEN removed" in messages
    assert [(e.vi, e.en) for e in entries] == [("Bộ Y tế", "Ministry of Health"), ("Bộ Tư pháp", "Ministry ofJustice")]


def test_quoted_cells_in_a_tsv_are_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "g.tsv", 'vi\ten\n"Bộ Y tế"\tMinistry of Health\n')
    (problem,) = check_files([path])
    assert (problem.line, problem.severity) == (2, Severity.WARNING) and "cell wrapped in quotes" in problem.message


# --- precedence ---------------------------------------------------------------------------------

def test_a_later_file_overrides_an_earlier_one_in_load_check_and_matching(tmp_path: Path) -> None:
    shipped = write(tmp_path / "shipped.tsv", "vi\ten\ttype\nBộ Y tế\tMinistry of Health\torganization\n"
                                               "Việt Nam\tViet Nam\tplace\n")
    team = write(tmp_path / "team.csv", "Việt Nam,Vietnam\n")
    glossary = load_glossary(shipped, team)
    (warning,) = glossary.warnings
    assert (warning.path, warning.line, warning.severity) == (str(team), 1, Severity.WARNING)
    assert f"{team}:1: warning: 'Việt Nam' -> 'Vietnam' overrides 'Viet Nam' of the entry at {shipped}:3" in str(warning)
    assert check_files([shipped, team]) == [warning]  # check and load apply one rule
    assert [m.entry.en for m in glossary.matcher().find("Bộ Y tế Việt Nam")] == ["Ministry of Health", "Vietnam"]
    assert [m.entry.en for m in load_glossary(team, shipped).matcher().find("Việt Nam")] == ["Viet Nam"]


def test_translate_prints_the_override_warning(tmp_path: Path, vi2en, tiny_model_dir) -> None:
    """The glossary's warnings come first, before the model loads (the slow part), like its errors."""
    first = write(tmp_path / "a.tsv", "vi\ten\nViệt Nam\tViet Nam\n")
    second = write(tmp_path / "b.tsv", "vi\ten\nViệt Nam\tVietnam\n")
    article = write(tmp_path / "article.txt", "Việt Nam.\n")
    run = vi2en("translate", article, "--model", tiny_model_dir("marian"), "--glossary", first, "--glossary", second,
                "--threads", "1", "--beams", "1")
    assert run.code == 0, run.err
    warning = f"{second}:2: warning: 'Việt Nam' -> 'Vietnam' overrides 'Viet Nam' of the entry at {first}:2"
    assert warning in run.err and run.err.index(warning) < run.err.index("vi2en: loading model"), run.err
    assert "Vietnam" in run.out


# --- TBX ----------------------------------------------------------------------------------------

TBX_V2 = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">
<martif type="TBX" xml:lang="en"{namespace}>
<martifHeader><fileDesc><sourceDesc><p>exported by a CAT tool</p></sourceDesc></fileDesc></martifHeader>
<text><body>
<termEntry id="t1">
  <descrip type="subjectField">Government</descrip>
  <transacGrp><transac type="transactionType">origination</transac></transacGrp>
  <langSet xml:lang="vi-VN">
    <tig><term>Bộ Công Thương</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
    <tig><term>Bộ Công nghiệp</term><termNote type="administrativeStatus">supersededTerm-admn-sts</termNote></tig>
  </langSet>
  <langSet xml:lang="en-US">
    <ntig><termGrp><term>Industry and Trade Ministry</term>
      <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote></termGrp></ntig>
    <tig><term>Ministry of Industry and Trade</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
    <tig><term>Ministry of Trade</term><termNote type="normativeAuthorization">deprecatedTerm</termNote></tig>
    <tig><term>MOIT</term><termNote type="termType">acronym</termNote></tig>
  </langSet>
</termEntry>
<termEntry id="t2">
  <langSet xml:lang="vi"><tig><term>Bộ Y tế</term></tig></langSet>
  <langSet xml:lang="en"><tig><term>Ministry of Health</term></tig></langSet>
</termEntry>
</body></text>
</martif>
"""


@pytest.mark.parametrize("namespace", ["", ' xmlns="urn:iso:std:iso:30042:ed-1"'])
def test_tbx_v2_statuses_map_to_approved_alternative_and_deprecated(tmp_path: Path, namespace: str) -> None:
    path = write(tmp_path / "cat.tbx", TBX_V2.format(namespace=namespace))
    glossary = load_glossary(path)
    moit, moh = glossary.entries
    assert (moit.vi, moit.vi_variants, moit.en) == ("Bộ Công Thương", ("Bộ Công nghiệp",), "Ministry of Industry and Trade")
    assert (moit.en_alternatives, moit.en_deprecated, moit.acronym) == (
        ("Industry and Trade Ministry",), ("Ministry of Trade",), "MOIT")
    assert "Ministry of Trade" not in moit.renderings_for("any")  # deprecated: never produced, whatever the policy
    assert moit.type is EntryType.OTHER and moit.note == "subjectField: Government"
    lines = TBX_V2.splitlines()
    assert (moit.origin[1], moh.origin[1]) == tuple(
        next(n for n, line in enumerate(lines, 1) if f'<termEntry id="{i}">' in line) for i in ("t1", "t2"))
    assert (moh.vi, moh.en) == ("Bộ Y tế", "Ministry of Health")
    (ignored,) = glossary.warnings
    assert ignored.line == 6 and "<transacGrp>" in ignored.message
    # A deprecated Vietnamese name is still matched (texts keep using it) and rendered the approved way.
    assert [m.entry.en for m in glossary.matcher().find("Bộ Công nghiệp")] == ["Ministry of Industry and Trade"]


def test_tbx_export_keeps_forms_and_deprecated_renderings(tmp_path: Path) -> None:
    minister = Entry("Bộ trưởng", "Minister", "title", en_forms=("minister",), en_alternatives=("Secretary",),
                     en_deprecated=("Minster",), source="TT 03/2009")
    path = tmp_path / "g.tbx"
    Glossary([minister]).save(path)
    xml = path.read_text(encoding="utf-8")
    assert "<note>vi2en form</note>" in xml and "deprecatedTerm-admn-sts" in xml
    (back,) = load_glossary(path).entries
    assert back == minister and back.renderings == ("Minister", "minister", "Ministers")


def test_tbx_with_another_root_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "g.tbx", '<?xml version="1.0"?>\n<glossary/>\n')
    (problem,) = check_files([path])
    assert problem.severity is Severity.ERROR and "expected <tbx> (TBX v3) or <martif> (TBX v2)" in problem.message
