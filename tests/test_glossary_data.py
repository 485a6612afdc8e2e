"""The curated glossary data (glossary/data/*.tsv) against the entry model of issue 11.

Each entry has an approved rendering (what is produced), grammatical forms of it (also produced),
alternatives (recognised, never produced by default) and deprecated renderings. These tests hold
the review rules of glossary/data/README.md: no entry for a Vietnamese institution renders or
recognises another country's institution; where Vietnamese uses one word for both, a context
entry of foreign.tsv wins by longest match; "Vietnam" is an alternative, never produced.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from glossary import Entry, Glossary, default_paths, load_glossary
from glossary.check import read_files
from glossary.entry import COLUMNS

FILES = default_paths()
FOREIGN = "foreign.tsv"

#: Words that name another state's (or the EU's) institution or office, never Viet Nam's.
FOREIGN_INSTITUTION_WORDS = (
    "State Department", "Department of State", "Foreign Office", "Chancellor", "Congress", "Diet", "Treasury",
    "Vice Premier", "Premier", "Secretary of State", "Foreign Secretary", "Secretary of Commerce",
    "Department of Commerce", "Department of Defense", "Defense Department", "Pentagon", "Department of Justice",
    "Justice Department", "Bundestag", "White House", "Federal Reserve", "Sultan",
)
_FOREIGN_WORD = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, FOREIGN_INSTITUTION_WORDS)) + r")(?!\w)")

#: Context entry form, its approved rendering, and what its words would give without it (issue 11, item 2).
CONTEXTS = (
    ("Bộ Ngoại giao Mỹ", "U.S. Department of State", "Bộ Ngoại giao"),
    ("Bộ Ngoại giao Hoa Kỳ", "U.S. Department of State", "Bộ Ngoại giao"),
    ("Ngoại trưởng Mỹ", "U.S. Secretary of State", "Ngoại trưởng"),
    ("Bộ trưởng Thương mại Mỹ", "U.S. Secretary of Commerce", "Bộ trưởng Thương mại"),
    ("Bộ Thương mại Mỹ", "U.S. Department of Commerce", "Mỹ"),
    ("Đại diện Thương mại Mỹ", "U.S. Trade Representative", "Mỹ"),
    ("Quốc hội Mỹ", "U.S. Congress", "Quốc hội"),
    ("Tổng thống Mỹ", "U.S. President", "Tổng thống"),
    ("Bộ Tài chính Mỹ", "U.S. Department of the Treasury", "Bộ Tài chính"),
    ("Thủ tướng Anh", "British Prime Minister", "Thủ tướng"),
    ("Bộ Ngoại giao Anh", "Foreign, Commonwealth and Development Office", "Bộ Ngoại giao"),
    ("Thủ tướng Đức", "German Chancellor", "Thủ tướng"),
    ("Thủ tướng Trung Quốc", "Chinese Premier", "Thủ tướng"),
    ("Phó Thủ tướng Trung Quốc", "Chinese Vice Premier", "Thủ tướng Trung Quốc"),  # would be the Premier
    ("Chủ tịch Trung Quốc", "Chinese President", "Chủ tịch"),
    ("Bộ Thương mại Trung Quốc", "Ministry of Commerce of China", "Trung Quốc"),
    ("Thủ tướng Nhật Bản", "Japanese Prime Minister", "Thủ tướng"),
    ("Quốc hội Nhật Bản", "National Diet of Japan", "Quốc hội"),
    ("Bộ Kinh tế, Thương mại và Công nghiệp Nhật Bản", "Ministry of Economy, Trade and Industry", "Nhật Bản"),
    ("Tổng thống Hàn Quốc", "President of the Republic of Korea", "Tổng thống"),
    ("Bộ Thương mại, Công nghiệp và Năng lượng Hàn Quốc", "Ministry of Trade, Industry and Energy", "Hàn Quốc"),
    ("Bộ Công Thương Hàn Quốc", "Ministry of Trade, Industry and Energy", "Bộ Công Thương"),
    ("Tổng thống Pháp", "French President", "Tổng thống"),
    ("Bộ Ngoại giao Pháp", "Ministry for Europe and Foreign Affairs", "Bộ Ngoại giao"),
    ("Chủ tịch Ủy ban châu Âu", "President of the European Commission", "Chủ tịch"),
    ("Cao ủy Thương mại EU", "EU Trade Commissioner", "EU"),
    ("Ủy viên Thương mại EU", "EU Trade Commissioner", "EU"),
    ("Đại diện cấp cao EU về Chính sách đối ngoại và an ninh",
     "EU High Representative for Foreign Affairs and Security Policy", "EU"),
)
#: EU bodies the brief names (in intl.tsv beside the EU's other bodies).
EU_BODIES = (
    ("Ủy ban châu Âu", "European Commission"), ("Nghị viện châu Âu", "European Parliament"),
    ("Hội đồng châu Âu", "European Council"), ("Hội đồng Liên minh châu Âu", "Council of the European Union"),
)
TODAY = date(2025, 12, 1)  # inside every open-ended validity; the data's own dates are asserted below


@pytest.fixture(scope="module")
def shipped() -> Glossary:
    return load_glossary(*FILES, curated=True)


def entries_of(glossary: Glossary, file_name: str | None = None) -> list[Entry]:
    return [e for e in glossary if file_name is None or (e.origin and Path(e.origin[0]).name == file_name)]


def where(entry: Entry) -> str:
    return f"{Path(entry.origin[0]).name}:{entry.origin[1]} {entry.vi!r}" if entry.origin else repr(entry.vi)


def test_every_file_loads_as_curated_data_with_the_full_header(shipped: Glossary) -> None:
    entries, problems = read_files(FILES, curated=True)
    assert problems == [] and len(entries) == len(shipped) > 790
    for path in FILES:
        assert path.read_text(encoding="utf-8").splitlines()[0].split("\t") == list(COLUMNS), path.name


def test_no_vietnamese_entry_names_another_countrys_institution(shipped: Glossary) -> None:
    wrong = [
        f"{where(e)}: {rendering!r}"
        for e in shipped
        if Path(e.origin[0]).name != FOREIGN
        for rendering in (*e.renderings, *e.en_alternatives)
        if _FOREIGN_WORD.search(rendering)
    ]
    assert wrong == []


def test_foreign_words_are_where_they_belong(shipped: Glossary) -> None:
    """Guards the word list: it does find the foreign institutions, in the context entries."""
    found = {m.group() for e in entries_of(shipped, FOREIGN) for r in (*e.renderings, *e.en_alternatives)
             for m in _FOREIGN_WORD.finditer(r)}
    assert {"State Department", "Chancellor", "Congress", "Diet", "Treasury", "Vice Premier", "Premier"} <= found


def test_forms_alternatives_and_deprecated_are_disjoint(shipped: Glossary) -> None:
    clashes = []
    for e in shipped:
        produced, alternatives, deprecated = set(e.renderings), set(e.en_alternatives), set(e.en_deprecated)
        if produced & alternatives or produced & deprecated or alternatives & deprecated:
            clashes.append(where(e))
    assert clashes == []


def test_vietnam_is_an_alternative_never_produced(shipped: Glossary) -> None:
    assert [where(e) for e in shipped if "Vietnam" in e.renderings] == []
    viet_nam = one(shipped, "Việt Nam")
    assert viet_nam.approved == "Viet Nam" and "Vietnamese" in viet_nam.forms
    assert "Vietnam" in viet_nam.en_alternatives


@pytest.mark.parametrize(("vi", "approved", "not_produced", "alternative"), [
    ("Phó Thủ tướng", "Deputy Prime Minister", "Vice Premier", "Deputy PM"),
    ("Thủ tướng", "Prime Minister", "Chancellor", "PM"),
    ("Hàn Quốc", "Republic of Korea", "South Korea", "South Korea"),
    ("Bộ Tài chính", "Ministry of Finance", "Treasury Department", "Finance Ministry"),
    ("Bộ Ngoại giao", "Ministry of Foreign Affairs", "State Department", "Foreign Ministry"),
    ("Hà Nội", "Ha Noi", "Hanoi", "Hanoi"),
    ("Thứ trưởng", "Deputy Minister", "Vice-Minister", "Vice-Minister"),
    ("Hội nghị liên Bộ trưởng Ngoại giao - Kinh tế APEC lần thứ 32", "32nd APEC Ministerial Meeting", "AMM 32", ""),
])
def test_the_issues_examples(shipped: Glossary, vi: str, approved: str, not_produced: str, alternative: str) -> None:
    entry = one(shipped, vi)
    assert entry.approved == approved and not_produced not in entry.renderings
    assert alternative in entry.en_alternatives if alternative else not_produced not in entry.accepted


def test_grammatical_forms_are_produced(shipped: Glossary) -> None:
    assert {"Ministers", "minister", "ministers"} <= set(one(shipped, "Bộ trưởng").renderings)
    assert "Chairwoman" in one(shipped, "Chủ tịch").renderings
    assert "Korean" in one(shipped, "Hàn Quốc").renderings
    assert "U.S." in one(shipped, "Hoa Kỳ").renderings and "US" not in one(shipped, "Hoa Kỳ").renderings


@pytest.mark.parametrize(("form", "approved", "generic"), CONTEXTS, ids=[c[0] for c in CONTEXTS])
def test_a_context_entry_wins_by_longest_match(shipped: Glossary, form: str, approved: str, generic: str) -> None:
    prefix = "Hôm qua, "
    sentence = f"{prefix}{form} Nguyễn Văn Nam phát biểu tại Hà Nội."
    matches = shipped.matcher(at=TODAY).find(sentence)
    first = matches[0]
    assert (first.start, first.end, first.entry.approved) == (len(prefix), len(prefix) + len(form), approved)
    # Without the context entry its words fall apart into the generic entry (the reason it exists).
    rest = Glossary(e for e in shipped if e is not first.entry)
    assert generic in [m.text for m in rest.matcher(at=TODAY).find(sentence)]


def test_every_foreign_entry_is_found_whole_in_a_sentence(shipped: Glossary) -> None:
    """Each form of each context entry is one match of that entry, with its own offsets."""
    wrong = []
    for entry in entries_of(shipped, FOREIGN):
        day = entry.valid_from or entry.valid_to or TODAY
        for form in entry.vi_forms:
            sentence = f"Theo {form}, hai bên đã ký."
            found = [(m.start, m.end, m.entry) for m in shipped.matcher(at=day).find(sentence)]
            if (5, 5 + len(form), entry) not in found:
                wrong.append(f"{where(entry)} form {form!r}: {[(s, e, x.vi) for s, e, x in found]}")
    assert wrong == []


def test_the_brief_example_sentence(shipped: Glossary) -> None:
    text = "Ngoại trưởng Mỹ Antony Blinken đã điện đàm với Bộ trưởng Bộ Ngoại giao Bùi Thanh Sơn."
    found = [(m.text, m.entry.approved) for m in shipped.matcher(at=TODAY).find(text)]
    assert found[:2] == [("Ngoại trưởng Mỹ", "U.S. Secretary of State"),
                         ("Bộ trưởng Bộ Ngoại giao", "Minister of Foreign Affairs")]


@pytest.mark.parametrize(("vi", "approved"), EU_BODIES)
def test_eu_bodies(shipped: Glossary, vi: str, approved: str) -> None:
    assert one(shipped, vi).approved == approved


@pytest.mark.parametrize(("vi", "day", "approved"), [
    ("Bộ Ngoại giao Anh", date(2020, 9, 1), "Foreign and Commonwealth Office"),
    ("Bộ Ngoại giao Anh", date(2020, 9, 2), "Foreign, Commonwealth and Development Office"),
    ("Bộ Kế hoạch và Đầu tư", date(2025, 2, 28), "Ministry of Planning and Investment"),
    ("Bộ Kế hoạch và Đầu tư", date(2025, 3, 1), None),
    ("Bộ Nông nghiệp và Môi trường", date(2025, 3, 1), "Ministry of Agriculture and Environment"),
    ("Bộ Nông nghiệp và Môi trường", date(2025, 2, 28), None),
    ("Bình Dương", date(2025, 6, 30), "Binh Duong"),
    ("Bình Dương", date(2025, 7, 1), None),
])
def test_validity_of_renamed_and_merged_bodies(shipped: Glossary, vi: str, day: date, approved: str | None) -> None:
    found = [m.entry.approved for m in shipped.matcher(at=day).find(vi) if m.text == vi]
    assert found == ([approved] if approved else [])


def one(glossary: Glossary, vi: str) -> Entry:
    (entry,) = [e for e in glossary if e.vi == vi and e.is_valid_at(TODAY)]
    return entry

