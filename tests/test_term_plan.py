"""Document-level term policies (acronym expansion, consistency) and their compilation to tokens."""

from __future__ import annotations

from glossary import Entry
from glossary.requirements import TermRequirement
from translate.constraints import ConstraintBuilder
from translate.term_plan import (
    PlannedTerm,
    acronym_expansions,
    document_choices,
    narrow_to,
    plan_document,
    rendering_family,
)

ABAC_ORG = Entry("Hội đồng Tư vấn Kinh doanh APEC", "APEC Business Advisory Council", "organization", acronym="ABAC", source="t")
ABAC = Entry("ABAC", "ABAC", "acronym", source="t")
FM = Entry("Bộ trưởng Ngoại giao", "Minister of Foreign Affairs", "title", en_alternatives=("Foreign Minister",), source="t")


def req(entry: Entry) -> TermRequirement:
    return TermRequirement(0, len(entry.vi), entry.vi, entry, entry.renderings)


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
    key = PlannedTerm(req(FM), FM.renderings).key
    choices = document_choices([(key, "Foreign Minister"), (key, "Minister of Foreign Affairs"), (key, "Foreign Minister")])
    assert choices == {key: "foreign minister"}
    narrowed = narrow_to(PlannedTerm(req(FM), FM.renderings), choices[key])
    assert narrowed.renderings == ("Foreign Minister",)


def test_case_and_plural_are_one_family() -> None:
    assert rendering_family("Ministers") == rendering_family("minister")
    assert rendering_family("FTAs") == rendering_family("FTA")
    assert rendering_family("Foreign Minister") != rendering_family("Minister of Foreign Affairs")


def test_builder_keeps_only_spellable_forms_and_marks_capitals_sentence_initial() -> None:
    vocab = {"▁minister": 1, "▁Minister": 2, "▁of": 3, "▁trade": 4}

    def encode(text: str) -> list[int]:
        return [vocab.get("▁" + w, 0) for w in text.split()]

    def decode(ids: list[int]) -> str:
        inverse = {v: k[1:] for k, v in vocab.items()}
        return " ".join(inverse.get(i, "⁇") for i in ids)

    builder = ConstraintBuilder(encode, decode)
    entry = Entry("bộ trưởng", "minister", "title", en_alternatives=("Minister of Commerce",), source="t")
    constraint = builder.constraint(PlannedTerm(req(entry), entry.renderings))
    assert constraint is not None
    assert constraint.alternatives == ((1,),)  # "Minister of Commerce" cannot be spelled: left out
    assert constraint.initial_alternatives == ((2,),)
    unspellable = Entry("x", "Commerce", "other", source="t")
    assert builder.build([PlannedTerm(req(unspellable), ("Commerce",))]) is None
