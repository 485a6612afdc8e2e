"""Test sets by name: where they are read from, their documents, and IWSLT's detokenisation."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_evaluate_support import SHARED, write_lines

from translate.evaluate.io import Document, EvaluationInputError
from translate.evaluate.testsets import load_testset

PROJECT = Path(__file__).resolve().parents[1]


def needs_shared(folder: str) -> None:
    if not (SHARED / "eval" / folder).is_dir():
        pytest.skip(f"../shared not present: {SHARED / 'eval' / folder}")


def test_flores_documents_are_the_source_articles() -> None:
    needs_shared("flores200-devtest")
    flores = load_testset("flores", PROJECT)
    assert len(flores.sources) == len(flores.references) == 1012
    assert len(flores.documents) == 281  # distinct URLs in metadata_devtest.tsv, each contiguous
    assert flores.documents[0].start == 0 and flores.documents[-1].end == 1012
    assert all(a.end == b.start for a, b in zip(flores.documents, flores.documents[1:]))

    head = flores.head(5)
    assert len(head.sources) == 5 and head.documents[-1].end == 5
    assert all(d.end <= 5 for d in head.documents)
    assert "limited to the first 5 of 1012 segments" in head.notes


def test_tatoeba_is_one_document() -> None:
    needs_shared("tatoeba-vie-eng")
    tatoeba = load_testset("tatoeba", PROJECT)
    assert tatoeba.documents == (Document("tatoeba", 0, 2500),)
    assert tatoeba.references[0] == "Abandon hope, all ye who enter here."


def test_iwslt_is_unescaped_and_detokenised() -> None:
    needs_shared("iwslt15-tst2012")
    iwslt = load_testset("iwslt", PROJECT)
    assert len(iwslt.references) == 1553
    # Raw: "Imagine the first piece : a man burning his life &apos;s work ."
    assert iwslt.references[4] == "Imagine the first piece: a man burning his life's work."
    # Raw: "I don &apos;t remember the pirates ..."
    assert iwslt.references[25].startswith("I don't remember the pirates")
    # Raw: 'chants of &quot; slit-eye &quot; and the occasional graffiti : &quot; Asian , go home . &quot;'
    assert iwslt.references[40].endswith('chants of "slit-eye" and the occasional graffiti: "Asian, go home."')
    assert not any("&apos;" in line or "&quot;" in line for line in iwslt.references + iwslt.sources)
    assert any("sacremoses" in note and "html.unescape" in note for note in iwslt.notes)


def test_domain_concatenates_the_project_references(tmp_path: Path) -> None:
    references = tmp_path / "project" / "corpus" / "references"
    write_lines(references / "b-article.tsv", ["vi\ten", "Câu một.\tSentence one.", "Câu hai.\tSentence two."])
    write_lines(references / "a-article.tsv", ["vi\ten", "Xin chào.\tHello."])
    domain = load_testset("domain", tmp_path / "project")
    assert domain.sources == ["Xin chào.", "Câu một.", "Câu hai."]
    assert domain.references == ["Hello.", "Sentence one.", "Sentence two."]
    assert domain.documents == (Document("a-article", 0, 1, 1), Document("b-article", 1, 3, 1))
    assert domain.documents[1].line(2) == 3  # "Câu hai." is on line 3 of b-article.tsv, below the header

    write_lines(references / "c-article.tsv", ["en\tvi", "Hello.\tXin chào."])
    with pytest.raises(EvaluationInputError, match=r"c-article\.tsv:1: header must be"):
        load_testset("domain", tmp_path / "project")


def test_missing_sets_and_unknown_names_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(EvaluationInputError, match=r"tatoeba\.vie-eng\.vie is missing"):
        load_testset("tatoeba", tmp_path / "project")
    with pytest.raises(EvaluationInputError, match=r"no references in .*corpus/references"):
        load_testset("domain", tmp_path / "project")
    with pytest.raises(EvaluationInputError, match="unknown test set 'wmt'; choose from flores, tatoeba, iwslt, domain"):
        load_testset("wmt", tmp_path / "project")


def test_head_beyond_the_end_is_the_whole_set(tmp_path: Path) -> None:
    write_lines(tmp_path / "project" / "corpus" / "references" / "a.tsv", ["vi\ten", "Một.\tOne.", "Hai.\tTwo."])
    domain = load_testset("domain", tmp_path / "project")
    assert domain.head(5) is domain
    assert domain.head(1).documents == (Document("a", 0, 1, 1),)
