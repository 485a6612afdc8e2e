"""`suggest`: candidate entries mined from text (the corpus run is in test_glossary_cli.py)."""

from __future__ import annotations

from glossary import Entry, Glossary
from glossary.suggest import ACRONYM, ACRONYM_DEFINITION, PERSON, REPEATED_NAME, suggest


def mined(text: str, glossary: Glossary = Glossary(), **options) -> dict[str, list[tuple[str, str, str, int]]]:
    """Suggestions by kind as (vi, en, acronym, count)."""
    by_kind: dict[str, list[tuple[str, str, str, int]]] = {}
    for s in suggest([("a.txt", text)], glossary, **options):
        by_kind.setdefault(s.kind, []).append((s.entry.vi, s.entry.en, s.entry.acronym, s.count))
    return by_kind


def test_acronym_long_form_starts_at_the_head_noun() -> None:
    found = mined("Đại diện Hội đồng tư vấn kinh doanh APEC (ABAC) và Tổ chức Thương mại Thế giới (WTO) dự họp.")
    assert found[ACRONYM_DEFINITION] == [("Hội đồng tư vấn kinh doanh APEC", "", "ABAC", 1),
                                         ("Tổ chức Thương mại Thế giới", "", "WTO", 1)]
    assert found[ACRONYM] == [("ABAC", "ABAC", "", 1), ("WTO", "WTO", "", 1)]


def test_a_title_is_not_a_head_noun() -> None:
    found = mined("Tại Hội nghị Bộ trưởng Kinh tế ASEAN (AEM) lần này")
    assert found[ACRONYM_DEFINITION][0][0] == "Hội nghị Bộ trưởng Kinh tế ASEAN"


def test_without_head_noun_the_nearest_capitalised_run_starts_the_long_form() -> None:
    found = mined("với sự tham gia của Liên hợp quốc (UN) và")
    assert found[ACRONYM_DEFINITION][0][:3] == ("Liên hợp quốc", "", "UN")


def test_type_is_guessed_from_the_head_noun() -> None:
    [result] = suggest([("a.txt", "phê chuẩn Hiệp định Thương mại tự do Việt Nam - EU (EVFTA)")], Glossary())[:1]
    assert result.entry.type.value == "agreement"


def test_repeated_capitalised_names_need_min_repeats() -> None:
    text = "Đoàn đến Quảng Ninh. Sau đó đoàn rời Quảng Ninh và tới Hải Phòng."
    assert mined(text)[REPEATED_NAME] == [("Quảng Ninh", "", "", 2)]
    assert ("Hải Phòng", "", "", 1) in mined(text, min_repeats=1)[REPEATED_NAME]


def test_entries_already_in_the_glossary_are_left_out() -> None:
    glossary = Glossary([
        Entry("Hội đồng Tư vấn Kinh doanh APEC", "APEC Business Advisory Council", "organization", acronym="ABAC",
              source="t"),
        Entry("Quảng Ninh", "Quang Ninh", "place", source="t"),
        Entry("Bùi Thanh Sơn", "", "person", source="t"),
    ])
    text = ("Đại diện Hội đồng tư vấn kinh doanh APEC (ABAC). Bộ trưởng Bùi Thanh Sơn tới Quảng Ninh. "
            "Bộ trưởng Bùi Thanh Sơn rời Quảng Ninh.")
    assert mined(text, glossary) == {}


def test_context_and_first_place_are_kept() -> None:
    (person,) = suggest([("news.txt", "Tin vắn\n\nThủ tướng Phạm Minh Chính đã tiếp đoàn.")], Glossary())
    assert (person.kind, person.where, person.entry.en) == (PERSON, "news.txt:3", "Pham Minh Chinh")
    assert person.context == "Thủ tướng Phạm Minh Chính đã tiếp đoàn."
