"""Person names: the unaccent rule, names after titles, and the requirements built on them."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from glossary import Entry, Matcher
from glossary.names import find_titled_names, unaccent
from glossary.requirements import count_rendering, requirements_for


@pytest.mark.parametrize("name, english", [
    ("Bùi Thanh Sơn", "Bui Thanh Son"), ("Nguyễn Hồng Diên", "Nguyen Hong Dien"), ("Đặng Đức Đạm", "Dang Duc Dam"),
    ("Trương Thị Mai", "Truong Thi Mai"), ("Damien O’Connor", "Damien O’Connor"), ("Nanaia Mahuta", "Nanaia Mahuta"),
    (unicodedata.normalize("NFD", "Phạm Minh Chính"), "Pham Minh Chinh"),
])
def test_unaccent(name: str, english: str) -> None:
    assert unaccent(name) == english


def names(text: str, known: Matcher | None = None) -> list[tuple[str, str]]:
    return [(m.text, m.entry.en) for m in find_titled_names(text, known)]


ARTICLE = ("Trong hai ngày 8-9/11, Bộ trưởng Bộ Ngoại giao Bùi Thanh Sơn và Bộ trưởng Công Thương Nguyễn Hồng Diên "
           "đã tham dự Hội nghị. Hội nghị do Ngoại trưởng New Zealand Nanaia Mahuta và Bộ trưởng Thương mại và "
           "Tăng trưởng xuất khẩu New Zealand Damien O’Connor đồng chủ trì.")


def test_names_after_titles_skip_the_portfolio() -> None:
    assert names(ARTICLE) == [("Bùi Thanh Sơn", "Bui Thanh Son"), ("Nguyễn Hồng Diên", "Nguyen Hong Dien"),
                              ("Nanaia Mahuta", "Nanaia Mahuta"), ("Damien O’Connor", "Damien O’Connor")]


def test_found_names_are_synthetic_person_entries_with_spans() -> None:
    (match,) = find_titled_names("Phó Thủ tướng Trần Hồng Hà phát biểu")
    assert match.entry.type.value == "person" and match.entry.source.startswith("rule: ")
    assert (match.start, match.end) == (14, 26)


def test_honorifics_need_the_name_right_after() -> None:
    assert names("Ông Nguyễn Văn An cho biết") == [("Nguyễn Văn An", "Nguyen Van An")]
    assert names("ông bà ta có câu Nguyễn Văn An") == []


def test_no_name_when_title_is_followed_by_lower_case_or_punctuation() -> None:
    assert names("Bộ trưởng khẳng định, Tầm nhìn Putrajaya 2040 là minh chứng") == []
    assert names("các Bộ trưởng Ngoại giao và Kinh tế đã thông qua Tuyên bố chung") == []
    assert names("trong năm Chủ tịch ASEAN 2020, Bộ Công Thương đã chủ trì") == []


def test_name_stops_at_the_next_title() -> None:
    assert names("Bộ trưởng Ngoại giao và Bộ trưởng Phạm Bình Minh") == [("Phạm Bình Minh", "Pham Binh Minh")]


def test_glossary_places_are_not_part_of_a_foreign_name() -> None:
    known = Matcher([Entry("Canada", "Canada", "place", source="t")])
    assert names("Thủ tướng Canada Justin Trudeau", known) == [("Justin Trudeau", "Justin Trudeau")]


# --- requirements --------------------------------------------------------------------------------

def entry(vi: str, en: str, type: str = "organization", **fields) -> Entry:
    return Entry(vi=vi, en=en, type=type, source="test", **fields)


def test_requirements_combine_glossary_terms_and_titled_names() -> None:
    minister = entry("Bộ trưởng", "Minister", "title")
    mofa = entry("Bộ Ngoại giao", "Ministry of Foreign Affairs", en_alternatives=("MOFA",))
    text = "Bộ trưởng Bộ Ngoại giao Bùi Thanh Sơn phát biểu"
    found = [(r.source_text, r.renderings) for r in requirements_for(text, Matcher([minister, mofa]))]
    # A title's plural is a derived grammatical form; the alternative MOFA is recognised, not required.
    assert found == [("Bộ trưởng", ("Minister", "Ministers")), ("Bộ Ngoại giao", ("Ministry of Foreign Affairs",)),
                     ("Bùi Thanh Sơn", ("Bui Thanh Son",))]
    anyway = [r.renderings for r in requirements_for(text, Matcher([minister, mofa]), "any")]
    assert anyway[1] == ("Ministry of Foreign Affairs", "MOFA")


def test_glossary_person_entries_win_over_the_rule() -> None:
    son = entry("Bùi Thanh Sơn", "", "person", en_alternatives=("Son",))
    (requirement,) = requirements_for("Bộ trưởng Bùi Thanh Sơn", Matcher([son]))
    assert requirement.entry is son and requirement.renderings == ("Bui Thanh Son",)
    assert (requirement.start, requirement.end) == (10, 23)


def test_requirements_follow_the_matcher_date() -> None:
    mpi = entry("Bộ Kế hoạch và Đầu tư", "Ministry of Planning and Investment", valid_to=date(2025, 2, 28))
    assert requirements_for("Bộ Kế hoạch và Đầu tư", Matcher([mpi], at=date(2026, 1, 1))) == []


@pytest.mark.parametrize("hypothesis, renderings, expected", [
    ("The Ministry of Industry and Trade said", ["Ministry of Industry and Trade"], 1),
    ("the ministry of industry and trade said", ["Ministry of Industry and Trade"], 0),  # case-sensitive
    ("Trades rose. Trade fell", ["Trade"], 1),                                          # whole words only
    ("dong fell. Dong rose, said Dong", ["dong"], 2),                                   # capital only at a start
    ("\"Dong rose\"", ["dong"], 1),
    ("Asia-Pacific Economic Cooperation (APEC) and Asia-Pacific",
     ["Asia-Pacific", "Asia-Pacific Economic Cooperation", "APEC"], 3),                 # non-overlapping
    ("ASEAN Digital Economy Framework Agreement DEFA",
     ["ASEAN", "ASEAN Digital Economy Framework Agreement", "Digital Economy Framework Agreement", "DEFA"], 3),
    ("Minister of Industry and Trade", ["Minister", "Minister of Industry and Trade"], 1),  # most that don't overlap
    ("Damien O'Connor and  Bui Thanh Son", ["Damien O’Connor", "Bui Thanh Son"], 2),    # apostrophes, spaces
    ("Vietnamese", ["Vietnam"], 0),
    ("", ["Vietnam"], 0),
])
def test_count_rendering(hypothesis: str, renderings: list[str], expected: int) -> None:
    assert count_rendering(hypothesis, renderings) == expected
