"""Lookup: both directions, diacritic- and case-insensitive, acronyms, typos, dates (CLI: test_glossary_cli.py)."""

from __future__ import annotations

from datetime import date

import pytest

from glossary import Entry, Glossary
from glossary.lookup import bounded_edit_distance

MOIT = Entry("Bộ Công Thương", "Ministry of Industry and Trade", "organization", acronym="MOIT", source="TT 03/2009")
MINISTER = Entry("Bộ trưởng Bộ Công Thương", "Minister of Industry and Trade", "title", source="TT 03/2009")
ABAC = Entry("Hội đồng Tư vấn Kinh doanh APEC", "APEC Business Advisory Council", "organization", acronym="ABAC",
             source="TGVN")
MPI = Entry("Bộ Kế hoạch và Đầu tư", "Ministry of Planning and Investment", "organization",
            valid_to=date(2025, 2, 28), source="TT 03/2009")
MAE = Entry("Bộ Nông nghiệp và Môi trường", "Ministry of Agriculture and Environment", "organization",
            valid_from=date(2025, 3, 1), source="NQ 176/2025/QH15")
HANOI_OLD = Entry("Hà Nội", "Ha Noi", "place", valid_to=date(2025, 6, 30), source="provinces 63")
HANOI = Entry("Hà Nội", "Hanoi", "place", valid_from=date(2025, 7, 1), source="provinces 34")
GLOSSARY = Glossary([MINISTER, MOIT, ABAC, MPI, MAE, HANOI_OLD, HANOI])


def first(query: str, **options) -> Entry | None:
    hits = GLOSSARY.search(query, **options)
    return hits[0].entry if hits else None


@pytest.mark.parametrize("query, expected", [
    ("bo cong thuong", MOIT), ("BỘ CÔNG THƯƠNG", MOIT), ("Ministry of Industry and Trade", MOIT),
    ("ministry industry trade", MOIT), ("moit", MOIT), ("ABAC", ABAC), ("advisory council", ABAC),
    ("bo cong thong", MOIT), ("minstry of industy", MOIT), ("bo ke hoach va dau", MPI),
])
def test_lookup_finds(query: str, expected: Entry) -> None:
    assert first(query) == expected


def test_whole_value_ranks_before_longer_values_containing_it() -> None:
    assert [h.entry for h in GLOSSARY.search("bo cong thuong")][:2] == [MOIT, MINISTER]


def test_hit_says_what_matched() -> None:
    (hit,) = GLOSSARY.search("abac")
    assert (hit.field, hit.value, hit.typos, hit.whole) == ("acronym", "ABAC", 0, True)
    typo = GLOSSARY.search("bo cong thong")[0]
    assert (typo.field, typo.typos, typo.whole) == ("vi", 1, False)


def test_at_date_answers_with_the_name_valid_then() -> None:
    assert first("ha noi", at=date(2024, 1, 1)) == HANOI_OLD
    assert first("ha noi", at=date(2026, 1, 1)) == HANOI
    assert first("bo ke hoach", at=date(2026, 1, 1)) is None


def test_short_words_and_nonsense_find_nothing() -> None:
    assert GLOSSARY.search("xyz qwerty") == [] and GLOSSARY.search("  ") == []


@pytest.mark.parametrize("a, b, limit, expected", [
    ("thuong", "thuong", 1, 0), ("thuong", "thong", 1, 1), ("ministry", "minsitry", 1, 1),
    ("ministry", "mnstry", 1, 2), ("ministry", "ministry of", 2, 3),
])
def test_bounded_edit_distance(a: str, b: str, limit: int, expected: int) -> None:
    assert bounded_edit_distance(a, b, limit) == expected


def test_an_entry_a_later_file_overrides_is_marked_and_ranks_after_the_one_translations_use(tmp_path) -> None:
    """A team's file after the shipped glossary: lookup shows the team's rendering first (what translations
    produce) and marks the shipped entry with the one that takes precedence; an entry valid on no common day
    is no override."""
    from glossary import load_glossary

    shipped = tmp_path / "shipped.tsv"
    shipped.write_text("vi\ten\ttype\tvalid_to\nBộ Công Thương\tMinistry of Industry and Trade\torganization\t\n"
                       "Bộ Kế hoạch và Đầu tư\tMinistry of Planning and Investment\torganization\t2025-02-28\n",
                       encoding="utf-8")
    team = tmp_path / "team.csv"
    team.write_text("vi,en,valid_from\nBộ Công Thương,MOIT,\nBộ Kế hoạch và Đầu tư,MPI,2025-03-01\n", encoding="utf-8")
    glossary = load_glossary(shipped, team)
    hits = glossary.search("bo cong thuong", limit=2)
    assert [h.entry.renderings[0] for h in hits] == ["MOIT", "Ministry of Industry and Trade"]
    assert hits[0].overridden_by is None and hits[1].overridden_by is hits[0].entry
    assert hits[1].to_json()["overridden_by"] == f"{team}:2"
    planning = glossary.search("bo ke hoach va dau tu", limit=2)
    assert len(planning) == 2 and all(h.overridden_by is None for h in planning)
