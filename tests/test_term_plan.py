"""Document-level term policies (acronym expansion, consistency) and their compilation to tokens."""

from __future__ import annotations

from glossary import Entry
from glossary.requirements import TermRequirement
from translate.decoding.constraints import ConstraintBuilder
from translate.term_plan import (
    PlannedTerm,
    acronym_expansions,
    document_choices,
    narrow_to,
    plan_document,
)
from glossary.requirements import rendering_family

ABAC_ORG = Entry("Hội đồng Tư vấn Kinh doanh APEC", "APEC Business Advisory Council", "organization", acronym="ABAC", source="t")
ABAC = Entry("ABAC", "ABAC", "acronym", source="t")
FM = Entry("Bộ trưởng Ngoại giao", "Minister of Foreign Affairs", "title", en_alternatives=("Foreign Minister",), source="t")


def req(entry: Entry, policy: str = "approved") -> TermRequirement:
    return TermRequirement(0, len(entry.vi), entry.vi, entry, entry.renderings_for(policy))


def test_first_expand_spells_out_the_first_mention_only() -> None:
    plan = plan_document([[req(ABAC)], [req(ABAC)]], "first-expand", acronym_expansions([ABAC_ORG, ABAC]))
    assert plan[0][0].renderings == ("APEC Business Advisory Council (ABAC)",)
    assert plan[1][0].renderings == ("ABAC",)


def test_long_form_in_the_source_counts_as_the_introduction() -> None:
    plan = plan_document([[req(ABAC_ORG), req(ABAC)], [req(ABAC)]], "first-expand", acronym_expansions([ABAC_ORG]))
    assert [t.renderings for t in plan[0]] == [("APEC Business Advisory Council",), ("ABAC",)]
    assert plan[1][0].renderings == ("ABAC",)


def test_keep_mode_leaves_acronyms_alone() -> None:
    plan = plan_document([[req(ABAC)]], "keep", acronym_expansions([ABAC_ORG]))
    assert plan[0][0].renderings == ("ABAC",)


def test_consistency_picks_the_most_frequent_family_and_narrows_to_it() -> None:
    term = PlannedTerm(req(FM, "any"), FM.accepted)
    choices = document_choices([(term, "Foreign Minister"), (term, "Minister of Foreign Affairs"), (term, "Foreign Minister")])
    assert choices == {term.key: "foreign minister"}
    narrowed = narrow_to(term, choices[term.key])
    assert narrowed.renderings == ("Foreign Minister",)


def test_approved_rendering_and_its_forms_are_one_family_alternatives_their_own() -> None:
    viet_nam = Entry("Việt Nam", "Viet Nam", "place", en_forms=("Vietnamese",), en_alternatives=("Vietnam",), source="t")
    assert rendering_family(viet_nam, "Vietnamese") == rendering_family(viet_nam, "Viet Nam") == "Viet Nam"
    assert rendering_family(viet_nam, "Vietnam") != "Viet Nam"
    assert rendering_family(FM, "Ministers of Foreign Affairs") == "Minister of Foreign Affairs"  # derived plural
    assert rendering_family(FM, "foreign ministers") == rendering_family(FM, "Foreign Minister")
    assert rendering_family(FM, "Foreign Minister") != rendering_family(FM, "Minister of Foreign Affairs")


def test_default_policy_never_offers_an_alternative() -> None:
    assert req(FM).renderings == ("Minister of Foreign Affairs", "Ministers of Foreign Affairs")
    assert "Foreign Minister" in req(FM, "any").renderings


def test_builder_keeps_only_spellable_forms_and_marks_capitals_sentence_initial() -> None:
    vocab = {"▁minister": 1, "▁Minister": 2, "▁of": 3, "▁trade": 4}

    def encode(text: str) -> list[int]:
        return [vocab.get("▁" + w, 0) for w in text.split()]

    def decode(ids: list[int]) -> str:
        inverse = {v: k[1:] for k, v in vocab.items()}
        return " ".join(inverse.get(i, "⁇") for i in ids)

    builder = ConstraintBuilder(encode, decode)
    entry = Entry("bộ trưởng", "minister", "title", en_alternatives=("Minister of Commerce",), source="t")
    # With alternatives allowed, "Minister of Commerce" is a candidate: it cannot be spelled, so it is left out
    # (as is the derived plural "ministers", which this vocabulary cannot spell either).
    constraint = builder.constraint(entry.renderings_for("any"))
    assert constraint is not None
    assert constraint.alternatives == ((1,),)
    assert constraint.initial_alternatives == ((2,),)
    assert builder.build([("Commerce",)]) is None  # no spellable form at all: no constraint
