"""Nothing lost, whatever the input, the output folder or the interruption (issue 12).

One test per class of failure: each one lost data, crashed or misreported before.  They check what a
user would: exit codes, messages naming the document, bytes on disk, line and segment counts.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pytest

from translate.batch import OutputRefused, run_batch
from translate.document import Document
from translate.inputs import InputProblem, InputWarning, SourceDocument, read_documents
from translate.journal import JOURNAL_NAME, Journal, atomic_write_text, temp_path
from translate.pipeline import DocumentResult, Translator

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = "Bộ Công Thương chủ trì hội nghị.\n\nHai bên nhất trí tăng cường hợp tác. Hội nghị kết thúc.\n"
FAST = ("--threads", "1", "--beams", "1", "--glossary-mode", "off")
# The command as installed, with the output length pinned as the ``vi2en`` fixture pins it.
PINNED_CLI = """\
import functools, sys
import translate.decoding.beam_search as beam_search
beam_search.SearchOptions = functools.partial(beam_search.SearchOptions, max_new_tokens=8)
from translate.cli import main
sys.exit(main(sys.argv[1:]))
"""


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative path → bytes), hidden ones included."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def visible(folder: Path) -> dict[str, bytes]:
    return {name: data for name, data in tree(folder).items() if not any(part.startswith(".") for part in name.split("/"))}


@pytest.fixture
def model(tiny_model_dir: Callable[[str], Path]) -> Path:
    return tiny_model_dir("marian")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("Hội nghị APEC lần thứ 32.\n", encoding="utf-8")
    return folder


# -- 1. outputs never touch inputs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "outdir", "expected"),
    [
        (["in"], "in", "is the input folder"),
        (["in/a.txt"], "in", "would be written over the input file"),
        (["in"], "in/a.txt", "existing file"),
        (["in/a.txt"], "in/a.txt/out", "cannot be created or written"),
        (["in"], "in/en", "is inside the input folder"),
        (["in/sub"], "in", "is around the input folder"),
    ],
    ids=["same-folder", "over-an-input-file", "existing-file", "under-a-file", "inside-the-input", "around-the-input"],
)
def test_an_output_folder_that_would_touch_the_inputs_is_refused_before_any_work(
    inputs: list[str], outdir: str, expected: str, source: Path, tmp_path: Path, vi2en: Callable
) -> None:
    before = tree(source)
    # A model that does not exist: the refusal must come first, before any model is looked for.
    run = vi2en("translate", *(tmp_path / i for i in inputs), "-o", tmp_path / outdir, "--model", tmp_path / "no-model")
    assert run.code == 2, run.err
    assert expected in run.err and "Traceback" not in run.err, run.err
    assert tree(source) == before, "the Vietnamese sources must be untouched"


def test_an_output_folder_named_by_a_link_into_the_inputs_is_refused(source: Path, vi2en: Callable) -> None:
    before = tree(source)
    link = source.parent / "lnk"
    link.symlink_to(source / "sub", target_is_directory=True)
    run = vi2en("translate", source, "-o", link, "--model", source.parent / "no-model")
    assert run.code == 2 and "is inside the input folder" in run.err, run.err
    assert tree(source) == before


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no folder can be made")
def test_an_output_folder_that_cannot_be_made_is_one_message_not_a_traceback(
    source: Path, model: Path, vi2en: Callable
) -> None:
    """/proc looks writable to root, so only making the folder tells: exit 2 with the reason, never a traceback."""
    run = vi2en("translate", source, "-o", "/proc/vi2en-cannot-be-made", "--model", model, *FAST)
    assert run.code == 2, run.err
    assert "the output folder cannot be created or written" in run.err and "Traceback" not in run.err, run.err


def test_the_python_api_refuses_an_output_folder_inside_the_inputs_before_any_work(source: Path) -> None:
    before = tree(source)

    def must_not_load() -> Translator:
        raise AssertionError("the refusal must come before the model is made")

    with pytest.raises(OutputRefused, match="is inside the input folder"):
        run_batch(must_not_load, [source], source / "en", options={}, quiet=True)
    assert tree(source) == before and not (source / "en").exists()


def test_the_output_folder_reached_by_a_link_in_the_inputs_is_not_translated_again(
    source: Path, model: Path, vi2en: Callable
) -> None:
    out = source.parent / "out"
    (source / "link").symlink_to(out, target_is_directory=True)  # dangling until the first run makes out/
    for _ in range(2):
        run = vi2en("translate", source, "-o", out, "--model", model, *FAST)
        assert run.code == 0, run.err
        said = [line for line in run.err.splitlines() if not line.startswith("vi2en: loading model")]
        assert said[0].startswith("documents: 2 "), run.err  # no warning before the summary
    assert sorted(visible(out)) == ["a.txt", "sub/b.txt"], "no out/link/…: the outputs are never inputs"


def test_another_output_folder_among_the_inputs_is_skipped_with_one_warning_naming_it_once(
    source: Path, model: Path, vi2en: Callable
) -> None:
    first = vi2en("translate", source, "-o", source.parent / "out1", "--model", model, *FAST)
    assert first.code == 0, first.err
    (source.parent / "out1").rename(source / "out1")  # an earlier run's output, moved among the sources
    run = vi2en("translate", source, "-o", source.parent / "out2", "--model", model, *FAST)
    assert run.code == 0, run.err
    warned = [line for line in run.err.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1 and "a vi2en output folder" in warned[0], run.err
    assert warned[0].count("out1") == 1, warned[0]
    assert sorted(visible(source.parent / "out2")) == ["a.txt", "sub/b.txt"]


def test_a_txt_and_an_md_of_one_name_keep_separate_jsonl_outputs(tmp_path: Path, model: Path, vi2en: Callable) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Hai bên nhất trí.\n", encoding="utf-8")
    (folder / "a.md").write_text("# Tiêu đề\n\nHội nghị kết thúc.\n", encoding="utf-8")
    run = vi2en("translate", folder, "-o", tmp_path / "out", "--jsonl", "--model", model, *FAST)
    assert run.code == 0, run.err
    records = {
        name: [json.loads(line)["doc"] for line in data.decode().splitlines()]
        for name, data in visible(tmp_path / "out").items()
    }
    assert records == {"a.jsonl": ["a.txt"], "a.md.jsonl": ["a.md", "a.md"]}


@pytest.mark.parametrize("lines", [(), ("--lines",)], ids=["article", "lines"])
def test_a_vi_file_is_vietnamese_text_and_its_english_is_the_en_file(
    lines: tuple[str, ...], tmp_path: Path, model: Path, vi2en: Callable
) -> None:
    """Parallel corpora name their sides test.vi/test.en: the English of test.vi goes to test.en, beside it
    too (a run into the source's own folder), and a rerun resumes from the journal."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "test.vi").write_text("Bộ Công Thương chủ trì hội nghị.\n\nHai bên nhất trí. Hội nghị kết thúc.\n", encoding="utf-8")
    run = vi2en("translate", data / "test.vi", *lines, "-o", data, "--model", model, *FAST)
    assert run.code == 0, run.err
    assert sorted(visible(data)) == ["test.en", "test.vi"]
    english = (data / "test.en").read_text(encoding="utf-8")
    assert english.count("\n") == 3 and english.split("\n")[1] == "" and "Bộ" not in english
    again = vi2en("translate", data / "test.vi", *lines, "-o", data, "--model", model, *FAST)
    assert again.code == 0 and "(0 translated, 1 already done, 0 failed)" in again.err, again.err
    assert (data / "test.en").read_text(encoding="utf-8") == english


def test_the_english_side_of_a_pair_is_never_written_over(tmp_path: Path, model: Path, vi2en: Callable) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "test.vi").write_text("Hai bên nhất trí.\n", encoding="utf-8")
    (data / "test.en").write_text("The two sides agreed.\n", encoding="utf-8")  # the reference
    before = tree(data)
    # Refused before any work (a model that does not exist is never looked for), even with --force.
    for force in ((), ("--force",)):
        run = vi2en("translate", data / "test.vi", "-o", data, "--model", tmp_path / "no-model", *force)
        assert run.code == 2, run.err
        assert f"would be written over {data / 'test.en'}, the English side of its pair" in run.err, run.err
        assert tree(data) == before
    # Both sides given as inputs (any name is an input with --lines): the output would replace an input.
    run = vi2en("translate", data / "test.vi", data / "test.en", "--lines", "-o", data, "--model", tmp_path / "no-model")
    assert run.code == 2 and "would be written over the input file" in run.err, run.err
    # Elsewhere, the two would share the output test.en: the second is refused by name, naming the first.
    run = vi2en("translate", data / "test.vi", data / "test.en", "--lines", "-o", tmp_path / "out", "--model", model, *FAST)
    assert run.code == 1, run.err
    assert f"failed: test.en: its output test.en would overwrite that of test.vi ({data / 'test.vi'})" in run.err, run.err
    assert sorted(visible(tmp_path / "out")) == ["test.en"] and "agreed" not in (tmp_path / "out" / "test.en").read_text()
    assert tree(data) == before


def test_messages_name_whole_paths(tmp_path: Path) -> None:
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.txt").write_text("Câu.", encoding="utf-8")
    x, y = tmp_path / "x" / "a.txt", tmp_path / "y" / "a.txt"
    results = list(read_documents([x, y, x]))
    assert [type(r) for r in results] == [SourceDocument, InputProblem, InputWarning]
    assert str(y) in results[1].message and str(x) in results[1].message, results[1].message
    assert str(x) in results[2].message and "given twice" in results[2].message


# -- 2. --lines is exact ---------------------------------------------------------------------------------


def test_lines_mode_gives_one_output_line_per_input_line_whatever_it_holds(
    tmp_path: Path, model: Path, vi2en: Callable
) -> None:
    lines = [
        "Dòng có thẻ <div> và <script>alert(1)</script> ở giữa.",
        "Thực thể &#10; và &amp; không phải xuống dòng.",
        "Một CR\rgiữa dòng.",
        "",
        "Dấu phân dòng\u2028Unicode, NEL\x85, form feed\x0c, tab\tvẫn một dòng.",
        "<html><body>không phải tài liệu HTML</body></html>",
    ]
    test_set = tmp_path / "test.src"  # a test-set name: any suffix is accepted with --lines
    test_set.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    before = test_set.read_bytes()
    run = vi2en("translate", test_set, "--lines", "-o", tmp_path / "out", "--model", model, *FAST)
    assert run.code == 0, run.err
    output = (tmp_path / "out" / "test.src").read_bytes()
    assert output.count(b"\n") == before.count(b"\n") == len(lines)
    assert output.split(b"\n")[3] == b"", "an empty line stays an empty line"
    assert test_set.read_bytes() == before


# -- 3. markup by parsers -------------------------------------------------------------------------------


def test_prose_that_mentions_a_tag_keeps_every_line(tmp_path: Path, model: Path, vi2en: Callable) -> None:
    text = "Thẻ <script> chạy mã.\nThẻ <div> chia khối.\nDòng ba.\nDòng bốn.\nDòng năm.\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    run = vi2en("translate", tmp_path / "a.txt", "--jsonl", "-o", tmp_path / "out", "--model", model, *FAST)
    assert run.code == 0 and "HTML" not in run.err, run.err
    sources = [json.loads(line)["source"] for line in (tmp_path / "out" / "a.jsonl").read_text().splitlines()]
    assert sources == text.splitlines()


MARKDOWN = """---
title: Hội nghị
---
# Hội nghị APEC

Bộ trưởng gọi hàm `tinh_toan(x)` và xem [báo cáo](https://example.org/bao-cao.html) cùng ![ảnh](img/anh-1.png).

| Cột một | Cột hai |
|:--------|--------:|
| Hà Nội | Việt Nam |

- Mục một của danh sách.

> Trích dẫn quan trọng.

```python
print("không dịch")
```
"""


def test_markdown_code_links_images_tables_and_front_matter_pass_through(
    tmp_path: Path, model: Path, vi2en: Callable
) -> None:
    (tmp_path / "a.md").write_text(MARKDOWN, encoding="utf-8")
    run = vi2en("translate", tmp_path / "a.md", "-o", tmp_path / "out", "--model", model, *FAST)
    assert run.code == 0, run.err
    out = (tmp_path / "out" / "a.md").read_text(encoding="utf-8").split("\n")
    source = MARKDOWN.split("\n")
    assert len(out) == len(source)
    kept = [0, 1, 2, 8, 15, 16, 17]  # front matter, table separator, the code fence
    assert [out[i] for i in kept] == [source[i] for i in kept]
    for verbatim in ("`tinh_toan(x)`", "](https://example.org/bao-cao.html)", "![ảnh](img/anh-1.png)"):
        assert verbatim in out[5]
    assert out[3].startswith("# ") and out[11].startswith("- ") and out[13].startswith("> ")
    assert out[9].startswith("| ") and out[9].count(" | ") == 1 and out[9].endswith(" |")
    for translated in (3, 7, 9, 11, 13):
        assert out[translated] != source[translated], f"line {translated} must be translated"


# -- 5. one bad document never stops the others; accounting ---------------------------------------------


class ExplodingTranslator(Translator):
    """A translator whose decoder fails on any document containing BOOM (as a data URI once did)."""

    def translate_documents(self, documents: Iterable[tuple[str, str | Document]], **kwargs) -> Iterator[DocumentResult]:  # type: ignore[override]
        for doc_id, text in documents:
            if "BOOM" in (text.source_text() if isinstance(text, Document) else text):
                raise IndexError("index out of range in self")
            yield from super().translate_documents([(doc_id, text)], **kwargs)


class LosingTranslator(Translator):
    """A translator that loses the last segment of every document."""

    def translate_documents(self, documents: Iterable[tuple[str, str | Document]], **kwargs) -> Iterator[DocumentResult]:  # type: ignore[override]
        for result in super().translate_documents(documents, **kwargs):
            yield replace(result, segments=result.segments[:-1])


def _translator(cls: type[Translator], model: Path) -> Translator:
    from translate.decoding.beam_search import SearchOptions

    return cls.load(str(model), threads=1, glossary_mode="off", search=SearchOptions(beams=1, max_new_tokens=8))


def test_a_document_that_breaks_the_translator_is_reported_and_the_others_translated(
    tmp_path: Path, model: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in {"a.txt": ARTICLE, "b.txt": "Câu BOOM hỏng.\n", "c.txt": "Hội nghị kết thúc.\n"}.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = run_batch(_translator(ExplodingTranslator, model), [folder], tmp_path / "out", options={}, quiet=True)
    assert report.exit_code == 1
    assert [doc for doc, _ in report.failed] == ["b.txt"] and "IndexError" in report.failed[0][1]
    assert sorted(visible(tmp_path / "out")) == ["a.txt", "c.txt"]


def test_a_lost_segment_is_reported_by_name_and_nothing_written(tmp_path: Path, model: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    report = run_batch(_translator(LosingTranslator, model), [tmp_path / "a.txt"], tmp_path / "out", options={}, quiet=True)
    assert report.exit_code == 1
    assert report.failed == [("a.txt", f"{tmp_path / 'a.txt'}: 3 segments in, 2 translations out; nothing written")]
    assert visible(tmp_path / "out") == {}



def test_run_batch_makes_its_translator_only_when_a_document_is_left(tmp_path: Path, model: Path) -> None:
    """Given a function instead of a translator, a rerun with every document done never calls it; a run with
    one left calls it once, translates that one, and closes what it made."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt"):
        (folder / name).write_text(ARTICLE, encoding="utf-8")
    made: list[Translator] = []
    closed: list[Translator] = []

    class Tracked(Translator):
        def close(self) -> None:
            closed.append(self)
            super().close()

    def make() -> Translator:
        made.append(_translator(Tracked, model))
        return made[-1]

    first = run_batch(make, [folder], tmp_path / "out", options={}, quiet=True)
    assert (first.translated, len(made)) == (2, 1) and closed == made, "made once, and closed by the run"

    def must_not_load() -> Translator:
        raise AssertionError("the model was loaded although every document was done")

    again = run_batch(must_not_load, [folder], tmp_path / "out", options={}, quiet=True)
    assert (again.translated, again.skipped, again.exit_code) == (0, 2, 0)
    (folder / "b.txt").write_text("Hội nghị kết thúc.\n", encoding="utf-8")
    changed = run_batch(make, [folder], tmp_path / "out", options={}, quiet=True)
    assert (changed.translated, changed.skipped, len(made)) == (1, 1, 2)


# -- 6. the journal ---------------------------------------------------------------------------------------


def test_any_file_name_is_journaled_and_resumed(tmp_path: Path, model: Path, vi2en: Callable) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(b"bai-\xff\xfe.txt")  # not UTF-8: kept as surrogate escapes
    (folder / name).write_text(ARTICLE, encoding="utf-8")
    first = vi2en("translate", folder, "-o", tmp_path / "out", "--model", model, *FAST)
    assert first.code == 0 and "Traceback" not in first.err, first.err
    again = vi2en("translate", folder, "-o", tmp_path / "out", "--model", model, *FAST)
    assert again.code == 0 and "(0 translated, 1 already done, 0 failed)" in again.err, again.err


def test_a_journal_line_torn_inside_a_character_is_skipped_with_a_warning(tmp_path: Path) -> None:
    out = tmp_path / "a.txt"
    atomic_write_text(out, "x")
    Journal(tmp_path).record(out, "k", "x")
    with open(tmp_path / JOURNAL_NAME, "ab") as handle:
        handle.write('{"output": "bài'.encode("utf-8")[:-1])  # cut inside the two bytes of "à"
    journal = Journal(tmp_path)
    assert journal.is_done(out, "k")
    assert len(journal.warnings) == 1 and "line 2 is torn" in journal.warnings[0]
    atomic_write_text(tmp_path / "b.txt", "y")
    journal.record(tmp_path / "b.txt", "k2", "y")  # appended on a line of its own, not glued to the torn one
    assert Journal(tmp_path).is_done(tmp_path / "b.txt", "k2")


def test_new_weights_at_the_same_model_path_are_retranslated(
    source: Path, model: Path, tmp_path: Path, vi2en: Callable
) -> None:
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(model, copy)
    command = ("translate", source, "-o", tmp_path / "out", "--model", copy, *FAST)
    assert vi2en(*command).code == 0
    weights = copy / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))  # new weights, same path
    rerun = vi2en(*command)
    assert "(2 translated, 0 already done, 0 failed)" in rerun.err, rerun.err


def test_an_output_edited_since_it_was_written_is_kept_unless_force(
    tmp_path: Path, model: Path, vi2en: Callable
) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out" / "a.txt"
    command = ("translate", tmp_path / "a.txt", "-o", tmp_path / "out", "--model", model, *FAST)
    assert vi2en(*command).code == 0
    out.write_text("Bản dịch đã sửa tay.\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text(ARTICLE + "\nCâu mới.\n", encoding="utf-8")  # even a changed source
    kept = vi2en(*command)
    assert kept.code == 0 and "kept: a.txt" in kept.err and "--force" in kept.err, kept.err
    assert out.read_text(encoding="utf-8") == "Bản dịch đã sửa tay.\n"
    forced = vi2en(*command, "--force")
    assert forced.code == 0 and "(1 translated" in forced.err
    assert out.read_text(encoding="utf-8") != "Bản dịch đã sửa tay.\n"


def test_an_unrecorded_file_at_an_output_path_is_kept(tmp_path: Path, model: Path, vi2en: Callable) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.txt").write_text("someone else's file\n", encoding="utf-8")
    run = vi2en("translate", tmp_path / "a.txt", "-o", tmp_path / "out", "--model", model, *FAST)
    assert "kept: a.txt" in run.err, run.err
    assert (tmp_path / "out" / "a.txt").read_text(encoding="utf-8") == "someone else's file\n"


def test_cleanup_deletes_only_vi2en_temporary_files_of_dead_processes(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    users = [tmp_path / f".notes.txt.{dead.pid}.tmp", tmp_path / ".draft.1.tmp", tmp_path / "sub" / f".x.{dead.pid}.tmp"]
    ours = temp_path(tmp_path / "sub" / "a.txt", dead.pid)
    live = temp_path(tmp_path / "b.txt", os.getpid())
    for path in (*users, ours, live):
        path.parent.mkdir(exist_ok=True)
        path.write_text("data", encoding="utf-8")
    Journal(tmp_path)
    assert all(path.exists() for path in (*users, live)) and not ours.exists()


def test_a_second_run_on_the_same_output_folder_exits_2(source: Path, model: Path, tmp_path: Path, vi2en: Callable) -> None:
    with Journal(tmp_path / "out", lock=True):
        run = vi2en("translate", source, "-o", tmp_path / "out", "--model", model, *FAST)
    assert run.code == 2 and "another vi2en run is writing to this output folder" in run.err, run.err
    assert visible(tmp_path / "out") == {}


def test_symlinked_subfolders_are_followed_and_loops_reported(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c.txt").write_text("Câu.", encoding="utf-8")
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_text("Câu.", encoding="utf-8")
    (root / "linked").symlink_to(elsewhere, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    results = list(read_documents([root]))
    documents = [r.doc_id for r in results if isinstance(r, SourceDocument)]
    warnings = [r.message for r in results if isinstance(r, InputWarning)]
    assert documents == ["a.txt", "linked/c.txt"]
    assert len(warnings) == 1 and "loop" in warnings[0] and "not read again" in warnings[0]


# -- 7. clear errors, never tracebacks ---------------------------------------------------------------------


def test_a_full_disk_stops_the_run_saying_what_was_kept_and_how_to_resume(tmp_path: Path, model: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(ARTICLE, encoding="utf-8")
    written: list[str] = []

    def disk_fills_up(journal: Journal, target: Path, key: str, data: str | bytes) -> None:
        if written:
            raise OSError(28, "No space left on device")
        journal.write(target, key, data)
        written.append(target.name)

    report = run_batch(_translator(Translator, model), [folder], tmp_path / "out", options={}, quiet=True,
                       write=disk_fills_up)
    assert report.exit_code == 1 and report.stopped is not None
    assert "No space left on device" in report.stopped and "rerun the same command to resume" in report.stopped
    assert "The 1 outputs written before are complete" in report.stopped
    assert sorted(visible(tmp_path / "out")) == ["a.txt"]


def test_truncated_weights_give_a_message_naming_the_file(model: Path, tmp_path: Path, vi2en: Callable) -> None:
    import shutil

    broken = tmp_path / "model"
    shutil.copytree(model, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    run = vi2en("translate", tmp_path / "a.txt", "--model", broken, *FAST)
    assert run.code == 2 and str(weights) in run.err and "damaged or incomplete" in run.err, run.err
    assert "Traceback" not in run.err


def test_a_non_utf8_evaluation_file_gives_a_clear_error(tmp_path: Path, vi2en: Callable) -> None:
    (tmp_path / "hyp.en").write_bytes(b"one\nt\xf4i\n")
    (tmp_path / "ref.en").write_text("one\ntwo\n", encoding="utf-8")
    run = vi2en("evaluate", "--hyp", tmp_path / "hyp.en", "--ref", tmp_path / "ref.en")
    assert run.code == 2, run.err
    assert f"{tmp_path / 'hyp.en'}: not valid UTF-8: byte 0xF4 at byte offset 5 (line 2)" in run.err


def test_a_bad_count_is_refused_by_the_option_parser(vi2en: Callable) -> None:
    with pytest.raises(SystemExit) as exit_:
        vi2en("glossary", "lookup", "ABAC", "--limit", "0")
    assert exit_.value.code == 2


def _subprocess(*argv: object) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", PINNED_CLI, *map(str, argv)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)


def test_a_closed_pipe_gives_a_message_not_a_traceback() -> None:
    process = _subprocess("glossary", "lookup", "Bộ", "--limit", "20")
    process.stdout.close()  # like `| head -1` exiting before vi2en writes
    err = process.stderr.read().decode()
    process.wait(timeout=120)
    assert process.returncode == 1 and "broken pipe" in err and "Traceback" not in err, err


def test_sigterm_is_handled_like_ctrl_c(tmp_path: Path, model: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    flores = (ROOT / "corpus" / "flores200-devtest" / "flores200.devtest.vi").read_text(encoding="utf-8").splitlines()
    for i in range(8):
        (folder / f"doc{i}.txt").write_text("\n\n".join(flores[i * 60 : (i + 1) * 60]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    process = _subprocess("translate", folder, "-o", out, "--model", model, *FAST)
    deadline = time.monotonic() + 120
    while not (out / JOURNAL_NAME).is_file() or not (out / JOURNAL_NAME).read_bytes().strip():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted" in err and "rerun the same command to resume" in err and "Traceback" not in err
    assert not [p for p in out.rglob(".vi2en-tmp-*")], "the temporary file of the interrupted write must be gone"
