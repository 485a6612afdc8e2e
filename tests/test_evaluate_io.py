"""Reading and aligning evaluation inputs: every mismatch is an error naming both counts and files."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_evaluate_support import write_lines as write

from translate.evaluate.io import (
    Document,
    EvalInputs,
    EvaluationInputError,
    document_name,
    documents_from_names,
    read_inputs,
    read_lines,
)


def test_hypothesis_reference_count_mismatch_names_both_counts_and_files(tmp_path: Path) -> None:
    hyp = write(tmp_path / "hyp.en", ["a", "b"])
    ref = write(tmp_path / "ref.en", ["a", "b", "c"])
    with pytest.raises(EvaluationInputError) as error:
        read_inputs([hyp], [ref])
    message = str(error.value)
    assert "2 lines" in message and "3 lines" in message
    assert str(hyp) in message and str(ref) in message


def test_second_reference_and_source_counts_are_checked(tmp_path: Path) -> None:
    hyp = write(tmp_path / "hyp.en", ["a", "b"])
    ref = write(tmp_path / "ref.en", ["a", "b"])
    short_ref = write(tmp_path / "ref2.en", ["a"])
    long_src = write(tmp_path / "src.vi", ["x", "y", "z", "w"])
    with pytest.raises(EvaluationInputError, match=r"ref2\.en has 1 lines but reference .*ref\.en has 2 lines"):
        read_inputs([hyp], [ref, short_ref])
    with pytest.raises(EvaluationInputError, match=r"src\.vi has 4 lines but reference .*ref\.en has 2 lines"):
        read_inputs([hyp], [ref], long_src)


def test_second_system_count_is_checked(tmp_path: Path) -> None:
    ref = write(tmp_path / "ref.en", ["a", "b"])
    good = write(tmp_path / "a.en", ["a", "b"])
    bad = write(tmp_path / "b.en", ["a", "b", "c"])
    with pytest.raises(EvaluationInputError, match=r"b\.en has 3 lines"):
        read_inputs([good, bad], [ref])


def test_multi_reference_streams_and_sources_are_aligned(tmp_path: Path) -> None:
    hyp = write(tmp_path / "hyp.en", ["h1", "h2"])
    refs = [write(tmp_path / "r1.en", ["a1", "a2"]), write(tmp_path / "r2.en", ["b1", "b2"])]
    src = write(tmp_path / "src.vi", ["s1", "s2"])
    inputs = read_inputs([hyp], refs, src)
    assert inputs.references == [["a1", "a2"], ["b1", "b2"]]
    assert inputs.hypotheses == {str(hyp): ["h1", "h2"]}
    assert inputs.sources == ["s1", "s2"]
    assert inputs.documents == (Document("all", 0, 2),)


def test_lines_are_read_like_sacrebleu(tmp_path: Path) -> None:
    """Only \\n separates segments; trailing whitespace (and \\r) is stripped, as the CLI does."""
    path = tmp_path / "x.txt"
    path.write_bytes("one  \r\ntwo\u2028still two\nthree\t\n".encode())
    assert read_lines(path) == ["one", "two\u2028still two", "three"]


def test_folders_align_documents_by_name_and_check_each_document(tmp_path: Path) -> None:
    write(tmp_path / "ref" / "b.en", ["b1"])
    write(tmp_path / "ref" / "a.en", ["a1", "a2"])
    write(tmp_path / "hyp" / "a.en.txt", ["A1", "A2"])
    write(tmp_path / "hyp" / "b.txt", ["B1"])
    write(tmp_path / "src" / "a.vi.txt", ["sa1", "sa2"])
    write(tmp_path / "src" / "b.vi", ["sb1"])
    inputs = read_inputs([tmp_path / "hyp"], [tmp_path / "ref"], tmp_path / "src")
    assert inputs.documents == (Document("a", 0, 2), Document("b", 2, 3))
    assert inputs.hypotheses[str(tmp_path / "hyp")] == ["A1", "A2", "B1"]
    assert inputs.sources == ["sa1", "sa2", "sb1"]

    # Same total (3 lines) but split differently: still an error, naming the document files.
    write(tmp_path / "hyp" / "a.en.txt", ["A1"])
    write(tmp_path / "hyp" / "b.txt", ["B1", "B2"])
    with pytest.raises(EvaluationInputError, match=r"a\.en\.txt has 1 lines but reference .*a\.en has 2 lines"):
        read_inputs([tmp_path / "hyp"], [tmp_path / "ref"])


def test_document_names_ignore_extension_and_language_tag() -> None:
    names = ["2021-apec.txt", "2021-apec.en.txt", "2021-apec.vi", "2021-apec.en"]
    assert {document_name(Path(name)) for name in names} == {"2021-apec"}
    assert document_name(Path("report.v2.txt")) == "report.v2"


def test_same_document_twice_in_a_folder(tmp_path: Path) -> None:
    write(tmp_path / "ref" / "a.en", ["a"])
    write(tmp_path / "ref" / "a.en.txt", ["a"])
    with pytest.raises(EvaluationInputError, match="are the same document 'a'"):
        read_inputs([tmp_path / "ref"], [tmp_path / "ref"])


def test_folder_with_missing_or_extra_documents(tmp_path: Path) -> None:
    write(tmp_path / "ref" / "a.en", ["a"])
    write(tmp_path / "ref" / "b.en", ["b"])
    write(tmp_path / "hyp" / "a.en", ["a"])
    write(tmp_path / "hyp" / "c.en", ["c"])
    with pytest.raises(EvaluationInputError, match=r"missing \['b'\], unexpected \['c'\]"):
        read_inputs([tmp_path / "hyp"], [tmp_path / "ref"])


def test_bad_input_kinds(tmp_path: Path) -> None:
    ref = write(tmp_path / "ref.en", ["a"])
    write(tmp_path / "folder" / "a.en", ["a"])
    with pytest.raises(EvaluationInputError, match="mix of files and folders"):
        read_inputs([tmp_path / "folder"], [ref])
    with pytest.raises(EvaluationInputError, match="does not exist"):
        read_inputs([tmp_path / "nope.en"], [ref])
    with pytest.raises(EvaluationInputError, match="is empty"):
        read_inputs([ref], [write(tmp_path / "empty.en", [])])
    with pytest.raises(EvaluationInputError, match="given twice"):
        read_inputs([ref, ref], [ref])


def test_documents_from_names_groups_runs_and_rejects_split_documents() -> None:
    assert documents_from_names(["u1", "u1", "u2"]) == (Document("u1", 0, 2), Document("u2", 2, 3))
    with pytest.raises(EvaluationInputError, match="not contiguous"):
        documents_from_names(["u1", "u2", "u1"])


def test_inputs_built_in_code_are_checked_too() -> None:
    """A translation run hands its output over directly; a short output must not shorten the score."""
    documents = (Document("all", 0, 3),)
    EvalInputs({"sys": ["a", "b", "c"]}, [["a", "b", "c"]], ["x", "y", "z"], documents)
    with pytest.raises(EvaluationInputError, match="hypothesis sys has 2 segments but reference 1 has 3"):
        EvalInputs({"sys": ["a", "b"]}, [["a", "b", "c"]], None, documents)
    with pytest.raises(EvaluationInputError, match="source has 4 segments but reference 1 has 3"):
        EvalInputs({"sys": ["a", "b", "c"]}, [["a", "b", "c"]], ["w", "x", "y", "z"], documents)
    with pytest.raises(EvaluationInputError, match="documents do not cover"):
        EvalInputs({"sys": ["a", "b", "c"]}, [["a", "b", "c"]], None, (Document("a", 0, 2),))
    with pytest.raises(EvaluationInputError, match="each non-empty"):
        EvalInputs({"sys": ["a"]}, [["a"]], None, (Document("a", 0, 0), Document("b", 0, 1)))


def test_a_folder_with_text_and_tsv_reads_text_and_the_source_reads_the_vi_column(tmp_path: Path) -> None:
    """corpus/references holds NAME.en.txt (whole article) beside NAME.tsv (aligned segments)."""
    refs = tmp_path / "references"
    write(refs / "a.en.txt", ["Title", "", "Body."])
    write(refs / "a.tsv", ["vi\ten", "Tựa\tTitle", "Thân.\tBody."])
    write(tmp_path / "out" / "a.txt", ["Title", "", "Body!"])
    inputs = read_inputs([tmp_path / "out"], [refs])
    assert inputs.references == [["Title", "", "Body."]] and inputs.documents == (Document("a", 0, 3),)
    assert inputs.notes == (f"reference folder {refs}: read its .en.txt files, not its 1 .tsv file(s)",)
    # segment-level: a .tsv alone is read by column, and the source never reads an .en file
    write(tmp_path / "segments" / "a.tsv", ["vi\ten", "Tựa\tTitle", "Thân.\tBody."])
    write(tmp_path / "hyp" / "a.en", ["Title", "Body"])
    inputs = read_inputs([tmp_path / "hyp"], [tmp_path / "segments"], refs)
    assert inputs.sources == ["Tựa", "Thân."] and inputs.references == [["Title", "Body."]]
    assert inputs.documents == (Document("a", 0, 2, header_lines=1),) and inputs.documents[0].line(1) == 3
    with pytest.raises(EvaluationInputError, match=r"a\.txt has 3 lines but reference .*a\.tsv has 2 segments; a \.tsv"):
        read_inputs([tmp_path / "out"], [tmp_path / "segments"])
    write(tmp_path / "bad" / "a.tsv", ["en\tvi", "Title\tTựa"])
    with pytest.raises(EvaluationInputError, match=r"a\.tsv:1: header must be 'vi<TAB>en'"):
        read_inputs([tmp_path / "hyp"], [tmp_path / "bad"])
