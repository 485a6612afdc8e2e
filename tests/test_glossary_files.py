"""Glossary entries and files: row validation, loading, saving, and lossless format round trips."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glossary import Entry, EntryType, Glossary, GlossaryError, load_glossary
from glossary.entry import COLUMNS, parse_row
from glossary.errors import errors_in
from glossary.formats import read_entries
from glossary.normalize import INVISIBLE, SPACE_LIKE

# The rows below are written in the ten columns glossaries had before forms and deprecated
# renderings existed: such files must keep loading (any subset of the columns is a valid header).
TEN_COLUMNS = tuple(c for c in COLUMNS if c not in ("en_forms", "en_deprecated"))
from glossary.errors import Severity

HEADER = "\t".join(TEN_COLUMNS)

SAMPLE = [
    Entry("Bộ Công Thương", "Ministry of Industry and Trade", "organization", ("Bộ Công thương",),
          ("MoIT, Viet Nam",), "MOIT", None, None, "Circular 03/2009/TT-BNG", "commas, \"quotes\" & <xml>"),
    Entry("Bộ Kế hoạch và Đầu tư", "Ministry of Planning and Investment", "organization", acronym="MPI",
          valid_to=date(2025, 2, 28), source="TT 03/2009"),
    Entry("Bộ Nông nghiệp và Môi trường", "Ministry of Agriculture and Environment", "organization",
          acronym="MAE", valid_from=date(2025, 3, 1), source="NQ 176/2025/QH15"),
    Entry("Bùi Thanh Sơn", "", "person", source="project: unaccent rule"),
    Entry("ABAC", "ABAC", "acronym", source="TGVN"),
    Entry("châu Á - Thái Bình Dương", "Asia-Pacific", "place", ("châu Á-Thái Bình Dương", "CA-TBD"),
          ("Asia Pacific", "the Asia-Pacific region"), source="project: house style", note="hyphen | pipe-free"),
]


def test_entry_accepts_type_names_and_exposes_renderings() -> None:
    moit = SAMPLE[0]
    assert moit.type is EntryType.ORGANIZATION
    assert moit.renderings == ("Ministry of Industry and Trade",)  # alternatives are recognised, not produced
    assert moit.accepted == ("Ministry of Industry and Trade", "MoIT, Viet Nam")
    assert SAMPLE[3].renderings == ("Bui Thanh Son",)  # person without en: unaccent rule


def test_validity_days_are_inclusive() -> None:
    mpi = SAMPLE[1]
    assert mpi.is_valid_at(date(2025, 2, 28)) and not mpi.is_valid_at(date(2025, 3, 1))
    assert SAMPLE[2].is_valid_at(date(2025, 3, 1)) and not SAMPLE[2].is_valid_at(date(2025, 2, 28))
    assert not mpi.overlaps(SAMPLE[2]) and mpi.overlaps(SAMPLE[0])


@pytest.mark.parametrize("suffix", [".tsv", ".csv", ".tbx"])
def test_save_and_load_keeps_every_field(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"g{suffix}"
    Glossary(SAMPLE).save(path)
    loaded = load_glossary(path)
    assert loaded.entries == tuple(SAMPLE)
    assert [e.origin[0] for e in loaded] == [str(path)] * len(SAMPLE)


def test_tsv_is_one_line_per_entry_with_the_canonical_header(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    Glossary(SAMPLE).save(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "\t".join(COLUMNS) and len(lines) == len(SAMPLE) + 1
    assert lines[3].split("\t")[COLUMNS.index("valid_from")] == "2025-03-01"
    assert load_glossary(path).entries[0].origin == (str(path), 2)


def test_comments_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    path.write_text(f"# curated\n{HEADER}\n\n# ministries\nBộ Y tế\tMinistry of Health\torganization\t\t\t\t\t\tTT\t\n",
                    encoding="utf-8")
    (moh,) = load_glossary(path).entries
    assert moh.en == "Ministry of Health" and moh.origin == (str(path), 5)


def test_load_raises_with_every_broken_row(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    path.write_text(f"{HEADER}\nBộ Y tế\tMinistry of Health\tministry\t\t\t\t\t\tTT\t\n"
                    f"Bộ Tài chính\tMinistry of Finance\torganization\t\t\t\t\t\tTT\t\nBộ Nội vụ\tMinistry\n",
                    encoding="utf-8")
    with pytest.raises(GlossaryError) as raised:
        load_glossary(path)
    assert [(p.line, p.severity) for p in raised.value.problems] == [(2, Severity.ERROR), (4, Severity.ERROR)]
    assert f"{path}:2: error: unknown type 'ministry'" in str(raised.value)


def test_parse_row_normalises_and_warns_about_untidy_cells() -> None:
    cells = {"vi": " Bo\u0323\u0302 Y te\u0302\u0301 ", "en": "Ministry of Health", "type": "organization", "source": "TT"}
    entry, problems = parse_row(cells, "f.tsv", 7)
    assert entry is not None and entry.vi == "Bộ Y tế"
    assert [(p.line, p.severity) for p in problems] == [(7, Severity.WARNING)]


def test_person_may_leave_en_empty_but_others_may_not() -> None:
    person, problems = parse_row({"vi": "Bùi Thanh Sơn", "type": "person", "source": "rule"}, "f.tsv", 2)
    assert person is not None and not problems
    org, problems = parse_row({"vi": "Bộ Y tế", "type": "organization", "source": "TT"}, "f.tsv", 3)
    assert org is None and "missing en" in problems[0].message


def test_merge_keeps_order_and_drops_repeated_entries() -> None:
    first, second = Glossary(SAMPLE[:3]), Glossary(SAMPLE[2:])
    assert first.merge(second).entries == tuple(SAMPLE)


def test_valid_at_filters_by_date() -> None:
    names = [e.acronym for e in Glossary(SAMPLE).valid_at(date(2025, 3, 1)) if e.acronym]
    assert names == ["MOIT", "MAE"]


def test_unknown_extension_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(GlossaryError, match="unknown glossary format '.xlsx'"):
        load_glossary(tmp_path / "g.xlsx")


def test_a_missing_file_is_named_without_a_line_number(tmp_path: Path) -> None:
    """A problem of the file as a whole reads ``file: error: ...`` (no ``:0:`` for an editor to jump to); a row's
    problem keeps its ``file:line:``."""
    with pytest.raises(GlossaryError) as missing:
        load_glossary(tmp_path / "nope.tsv")
    assert str(missing.value) == f"{tmp_path / 'nope.tsv'}: error: cannot read file: No such file or directory"
    broken = tmp_path / "broken.tsv"
    broken.write_text("vi\ten\ttype\nBộ Công Thương\tMinistry of Industry and Trade\tnot-a-type\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"broken\.tsv:2: error: "):
        load_glossary(broken)


# --- round trips with arbitrary content ---------------------------------------------------------

# Invisible characters are left out: reading normalises them (tested in test_glossary_formats.py).
text = (st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
                              blacklist_characters="|\u0085" + INVISIBLE + SPACE_LIKE),
                min_size=1, max_size=25)
        .map(lambda s: unicodedata.normalize("NFC", s.strip())).filter(lambda s: s and not s.startswith("#")))
optional = st.one_of(st.just(""), text)
days = st.one_of(st.none(), st.dates(date(1945, 9, 2), date(2100, 1, 1)))


@st.composite
def entries(draw) -> Entry:
    start, end = sorted([draw(days) or date.min, draw(days) or date.max])
    kind = draw(st.sampled_from(list(EntryType)))
    en = draw(optional) if kind is EntryType.PERSON else draw(text)
    forms, alternatives = tuple(draw(st.lists(text, max_size=3))), tuple(draw(st.lists(text, max_size=3)))
    produced_or_recognised = {en, *forms, *alternatives}
    deprecated = tuple(draw(st.lists(text.filter(lambda t: t not in produced_or_recognised), max_size=2)))
    return Entry(
        vi=draw(text), en=en, type=kind, en_forms=forms, en_deprecated=deprecated,
        vi_variants=tuple(draw(st.lists(text, max_size=3))), en_alternatives=alternatives,
        acronym=draw(optional), valid_from=None if start == date.min else start,
        valid_to=None if end == date.max else end, source=draw(text), note=draw(optional),
    )


def read_file(path: Path) -> Glossary:
    """The file's entries, with no row error (random entries may share a form: that is check's concern)."""
    entries, problems = read_entries(path, curated=True)
    assert errors_in(problems) == []
    return Glossary(entries)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sample=st.lists(entries(), min_size=1, max_size=5), exchange=st.sampled_from([".tbx", ".csv"]))
def test_property_tsv_exchange_tsv_round_trip_is_lossless(tmp_path: Path, sample: list[Entry], exchange: str) -> None:
    tsv, other, back = tmp_path / "a.tsv", tmp_path / f"b{exchange}", tmp_path / "c.tsv"
    Glossary(sample).save(tsv)
    read_file(tsv).save(other)
    read_file(other).save(back)
    assert read_file(back).entries == tuple(sample)
    assert back.read_text(encoding="utf-8") == tsv.read_text(encoding="utf-8")
