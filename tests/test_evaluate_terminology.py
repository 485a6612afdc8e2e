"""Terminology metrics on hand-made hypotheses whose expected figures are worked out by hand."""

from __future__ import annotations

import pytest

from glossary import Matcher, load_glossary
from translate.evaluate.io import Document, single_document
from translate.evaluate.terminology import TermCount, TermReport, term_report

HEADER = "vi\ten\ttype\ten_forms\ten_alternatives\tsource"
ROWS = [  # vi, approved, type, forms, alternatives
    ("Bộ Công Thương", "Ministry of Industry and Trade", "organization", "", ""),
    ("Liên Hợp Quốc", "United Nations", "organization", "", ""),
    ("Hà Nội", "Hanoi", "place", "", "Ha Noi"),
    ("Thủ tướng", "Prime Minister", "title", "", ""),
    ("xúc tiến thương mại", "trade promotion", "other", "", ""),
    ("FTA", "FTA", "acronym", "FTAs", ""),
]


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    path = tmp_path_factory.mktemp("glossary") / "test.tsv"
    lines = [HEADER] + [f"{vi}\t{en}\t{kind}\t{forms}\t{alt}\tproject: test" for vi, en, kind, forms, alt in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_glossary(path).matcher()


def report(
    matcher: Matcher,
    sources: list[str],
    hypotheses: list[str],
    documents: tuple[Document, ...] | None = None,
    policy: str = "approved",
) -> TermReport:
    return term_report(sources, hypotheses, documents or single_document(sources), matcher, policy)


def test_three_of_four_terms_is_75_percent_with_breakdown_and_misses(matcher: Matcher) -> None:
    result = report(
        matcher,
        ["Bộ Công Thương họp tại Hà Nội.", "Thủ tướng thăm Liên Hợp Quốc."],
        ["The Ministry of Industry and Trade met in Hanoi.", "The Prime Minister visited the UN."],
    )
    assert (result.found, result.required, result.accuracy) == (3, 4, 0.75)
    assert result.by_type == (
        TermCount("organization", 2, 1), TermCount("place", 1, 1), TermCount("title", 1, 1),
    )
    assert TermCount("Liên Hợp Quốc → United Nations", 1, 0) in result.by_term
    assert TermCount("Bộ Công Thương → Ministry of Industry and Trade", 1, 1) in result.by_term
    [miss] = result.misses
    assert (miss.document, miss.line, miss.term, miss.required, miss.found) == (
        "all", 2, "Liên Hợp Quốc → United Nations", 1, 0)
    assert miss.hypothesis == "The Prime Minister visited the UN."
    assert miss.renderings == ("United Nations",)


def test_repeated_terms_count_per_occurrence(matcher: Matcher) -> None:
    sources = ["Hà Nội mới và Hà Nội cũ."]
    assert report(matcher, sources, ["The new Hanoi and the old city."]).accuracy == 0.5
    # An alternative is recognised, not approved: it satisfies an occurrence only when alternatives count.
    assert report(matcher, sources, ["The new Hanoi and the old Ha Noi."]).accuracy == 0.5
    assert report(matcher, sources, ["The new Hanoi and the old Ha Noi."], policy="any").accuracy == 1.0
    # More renderings than requirements cannot score above 100%.
    assert (report(matcher, sources, ["Hanoi, Hanoi, Hanoi."]).found) == 2
    [miss] = report(matcher, sources, ["The new city and the old city."]).misses
    assert (miss.required, miss.found) == (2, 0)


def test_case_matters_except_a_capitalised_first_letter(matcher: Matcher) -> None:
    sources = ["Thủ tướng nói về xúc tiến thương mại."]
    assert report(matcher, sources, ["The Prime Minister spoke about trade promotion."]).accuracy == 1.0
    assert report(matcher, sources, ["The prime minister spoke about TRADE PROMOTION."]).accuracy == 0.0
    assert report(matcher, ["xúc tiến thương mại"], ["Trade promotion"]).accuracy == 1.0


def test_consistency_per_document(matcher: Matcher) -> None:
    sources = [
        "Hà Nội đẹp.", "Hà Nội lớn.",             # doc a: two renderings → inconsistent
        "Hà Nội đẹp.", "Hà Nội lớn.",             # doc b: same rendering → consistent
        "Hà Nội đẹp.", "Hà Nội lớn.",             # doc c: one occurrence missed → inconsistent
        "Hà Nội đẹp. Thủ tướng tới.",             # doc d: no repeated term → not counted
    ]
    hypotheses = [
        "Hanoi is beautiful.", "Ha Noi is big.",
        "Hanoi is beautiful.", "Hanoi is big.",
        "Hanoi is beautiful.", "The capital is big.",
        "Hanoi is beautiful. The Prime Minister came.",
    ]
    documents = (Document("a", 0, 2), Document("b", 2, 4), Document("c", 4, 6), Document("d", 6, 7))
    result = report(matcher, sources, hypotheses, documents)
    assert (result.consistent_terms, result.repeated_terms, result.consistency) == (1, 3, 1 / 3)
    assert [(i.document, i.used, i.found, i.required) for i in result.inconsistent] == [
        ("a", ("Hanoi",), 1, 2), ("c", ("Hanoi",), 1, 2)]
    assert [(m.document, m.line) for m in result.misses] == [("a", 2), ("c", 2)]
    assert (result.found, result.required) == (6, 8)
    # Counting alternatives, doc a is complete but still renders the term two ways.
    anyway = report(matcher, sources, hypotheses, documents, policy="any")
    assert [(i.document, i.used, i.found) for i in anyway.inconsistent] == [("a", ("Ha Noi", "Hanoi"), 2), ("c", ("Hanoi",), 1)]


def test_case_and_inflected_renderings_are_one_way(matcher: Matcher) -> None:
    """A grammatical form (FTA/FTAs) and a capitalised first word are the same way of rendering a term."""
    result = report(matcher, ["FTA mới và các FTA cũ.", "Xúc tiến thương mại và xúc tiến thương mại."],
                    ["The new FTA and the old FTAs.", "Trade promotion and trade promotion."])
    assert (result.accuracy, result.repeated_terms, result.inconsistent) == (1.0, 2, ())


def test_double_renderings_are_counted(matcher: Matcher) -> None:
    sources = ["Bộ Công Thương họp."]
    clean = report(matcher, sources, ["The Ministry of Industry and Trade met."])
    doubled = report(matcher, sources, ["The Ministry of Industry and Trade Ministry of Industry and Commerce met."])
    assert (clean.double_renderings, doubled.double_renderings) == (0, 1)
    assert doubled.accuracy == 1.0  # accuracy alone would call the doubled output a success


def test_no_terms_means_no_accuracy(matcher: Matcher) -> None:
    result = report(matcher, ["Không có thuật ngữ nào."], ["No terms here."])
    assert (result.required, result.accuracy, result.consistency, result.misses) == (0, None, None, ())
