"""The three kinds of English in an entry: what is produced (approved + forms) and what is only recognised."""

from __future__ import annotations

import pytest

from glossary import Entry, Matcher
from glossary.entry import plural
from glossary.requirements import requirements_for


@pytest.mark.parametrize("title, expected", [
    ("Deputy Prime Minister", "Deputy Prime Ministers"),
    ("Minister of Foreign Affairs", "Ministers of Foreign Affairs"),
    ("Minister for Trade and Export Growth", "Ministers for Trade and Export Growth"),
    ("Director General", "Directors General"),
    ("Secretary-General", "Secretaries-General"),
    ("Secretary of State", "Secretaries of State"),
    ("Chairman", "Chairmen"),
    ("Chairwoman", "Chairwomen"),
    ("APEC Trade Ministers", ""),                                   # already plural: no "Ministerses"
    ("Minister, Chairman of the Government Office", ""),            # several roles: no safe rule
    ("Minister of the U.S.", "Ministers of the U.S."),
])
def test_plural_of_titles(title: str, expected: str) -> None:
    assert plural(title) == expected


def test_produced_renderings_are_the_approved_one_and_its_forms() -> None:
    entry = Entry("Việt Nam", "Viet Nam", "place", en_alternatives=("Vietnam",), source="t", en_forms=("Vietnamese",))
    assert entry.renderings == ("Viet Nam", "Vietnamese")
    assert entry.accepted == ("Viet Nam", "Vietnamese", "Vietnam")
    assert entry.renderings_for("any") == entry.accepted
    with pytest.raises(ValueError, match="renderings policy"):
        entry.renderings_for("preferred")


def test_derived_plurals_for_titles_and_generic_documents_only() -> None:
    minister = Entry("Bộ trưởng", "Minister", "title", source="t")
    certificate = Entry("giấy chứng nhận", "investment certificate", "document", source="t")
    named = Entry("Chiến lược Cửa ngõ toàn cầu", "Global Gateway", "document", source="t")
    ministry = Entry("Bộ Công Thương", "Ministry of Industry and Trade", "organization", source="t")
    assert minister.forms == ("Ministers",)
    assert certificate.forms == ("investment certificates",)
    assert named.forms == () and ministry.forms == ()


def test_a_deprecated_rendering_vetoes_a_derived_form() -> None:
    head = Entry("Tổng Giám đốc", "Director General", "title", source="t", en_deprecated=("Directors General",))
    assert head.forms == () and head.renderings == ("Director General",)


MINISTER = Entry("Bộ trưởng", "Minister", "title", en_forms=("minister", "ministers"), source="t")
SON = Entry("Bùi Thanh Sơn", "Bui Thanh Son", "person", source="t")


@pytest.mark.parametrize("text, title_renderings", [
    # Right before one person's name the title is singular: "ministers Bui Thanh Son" is no form of it.
    ("Bộ trưởng Bùi Thanh Sơn phát biểu.", ("Minister", "minister")),
    # A name found by the titled-name rule (not in the glossary) counts the same.
    ("Bộ trưởng Nguyễn Văn Bình phát biểu.", ("Minister", "minister")),
    # After a plural marker, or without a name, the plurals stay.
    ("Các Bộ trưởng Bùi Thanh Sơn và Nguyễn Văn Bình dự họp.", ("Minister", "minister", "ministers", "Ministers")),
    ("Các Bộ trưởng dự họp.", ("Minister", "minister", "ministers", "Ministers")),
])
def test_a_title_before_a_name_requires_a_singular_form(text: str, title_renderings: tuple[str, ...]) -> None:
    required = {r.source_text: r.renderings for r in requirements_for(text, Matcher((MINISTER, SON)))}
    assert required["Bộ trưởng"] == title_renderings
