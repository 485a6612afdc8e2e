"""Hostile inputs through the whole ``vi2en translate`` run: nothing crashes the run, nothing is lost.

One folder holds a normal article beside an empty file, a file in the Windows Vietnamese code page, binary
files, HTML, NFD-decomposed text and a single 5,000-word paragraph.  The run must translate every readable
document (repairing HTML and NFD with a warning), name each unusable file in the summary, end with exit 1, and
never drop or truncate a word: the over-long paragraph is split into pieces the model can take whole, and
comes back as one paragraph.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from translate.document import parse_document
from translate.decoding.families import Family
from translate.decoding.model import load_model
from translate.pipeline import Translator

ROOT = Path(__file__).resolve().parents[1]
FLORES_VI = ROOT / "corpus" / "flores200-devtest" / "flores200.devtest.vi"
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # the combining marks windows-1258 writes after a base letter
GOOD = "Bộ Công Thương chủ trì hội nghị.\n\nHai bên nhất trí tăng cường hợp tác. Hội nghị kết thúc.\n"
HTML = (
    "<html><head><title>x</title><style>p {color: red}</style></head><body>"
    "<h1>Hội nghị ASEAN</h1><p>Bộ Công Thương chủ trì <b>hội nghị</b> &amp; họp báo.</p>"
    "<p>Hai bên nhất trí.</p></body></html>\n"
)
HTML_TEXT = "Hội nghị ASEAN\n\nBộ Công Thương chủ trì hội nghị & họp báo.\n\nHai bên nhất trí."
BAD_FILES = ("b-empty.txt", "c-cp1258.txt", "d-binary.txt", "g-controls.txt")
LONG_WORDS = 5000


def cp1258(text: str) -> bytes:
    """``text`` as a legacy Vietnamese Windows editor saves it: base letters plus combining tone marks."""
    encoded = b""
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        encoded += (base + "".join(c for c in decomposed if c in TONE_MARKS)).encode("cp1258")
    return encoded


def long_paragraph() -> str:
    """5,000 words on one line: normal sentences, then a clause run with only commas, then words with no
    punctuation at all, so the splitter has to use every kind of boundary down to a bare word gap."""
    words = " ".join(FLORES_VI.read_text(encoding="utf-8").splitlines()).split()
    sentences = words[:2000]
    commas = [re.sub(r"[.!?;:]+$", ",", w) for w in words[2000:3500]]
    bare = [re.sub(r"[^\w%/-]", "", w) or "và" for w in words[3500:LONG_WORDS]]
    commas[0] = commas[0].capitalize()
    return " ".join(sentences + commas + bare)


@dataclass
class Spied:
    """What the pipeline cut each document into: its segments and the pieces the model was given."""

    segments: list[str]
    pieces: list


@dataclass
class Spy:
    """Every document's pieces (whose ``target`` is filled in by decoding), and how many tokens of each
    source text the encoder actually received."""

    documents: list[Spied] = field(default_factory=list)
    encoded: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    seen = Spy()
    plan_of, encode = Translator._plan, Family.encode_sources

    def plan(self: Translator, job):  # type: ignore[no-untyped-def]
        segments = plan_of(self, job)
        seen.documents.append(Spied(job.document.segments(), [p for segment in segments for p in segment.pieces]))
        return segments

    def encode_sources(self: Family, texts: list[str]):  # type: ignore[no-untyped-def]
        batch = encode(self, texts)
        seen.encoded.update(zip(texts, batch["attention_mask"].sum(dim=1).tolist()))
        return batch

    monkeypatch.setattr(Translator, "_plan", plan)
    monkeypatch.setattr(Family, "encode_sources", encode_sources)
    return seen


@pytest.fixture
def hostile_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b-empty.txt").write_bytes(b"")
    (folder / "c-cp1258.txt").write_bytes(cp1258("Hai bên nhất trí tăng cường hợp tác thương mại.\n"))
    (folder / "d-binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (folder / "e-html.txt").write_text(HTML, encoding="utf-8")
    (folder / "f-nfd.txt").write_text(unicodedata.normalize("NFD", GOOD), encoding="utf-8")
    (folder / "g-controls.txt").write_bytes(bytes(range(1, 9)) * 40)  # valid UTF-8, yet no text: no NUL to spot
    (folder / "h-long.txt").write_text(long_paragraph() + "\n", encoding="utf-8")
    return folder


def test_hostile_folder_translates_the_rest_and_names_the_bad_files(
    hostile_folder: Path, tmp_path: Path, tiny_model_dir: Callable[[str], Path], vi2en: Callable,
    spy: Spy,
) -> None:
    out = tmp_path / "out"
    run = vi2en("translate", hostile_folder, "-o", out, "--model", tiny_model_dir("marian"), "--threads", "1",
                "--beams", "2", "--glossary-mode", "off", max_new_tokens=4)

    # The run went on, and says which files it could not use.
    assert run.code == 1, run.err
    assert "Traceback" not in run.err
    failed = {line.split(":")[1].strip() for line in run.err.splitlines() if line.startswith("failed:")}
    assert failed == set(BAD_FILES), run.err
    assert "documents: 8 (4 translated, 0 already done, 4 failed)" in run.err
    assert "cp1258" in run.err and "iconv" in run.err, "the code-page problem must say how to convert the file"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "a-good.txt", "e-html.txt", "f-nfd.txt", "h-long.txt"
    ], "unusable files get no output; every readable one does"
    warnings = "\n".join(line for line in run.err.splitlines() if line.startswith("warning:"))
    assert "e-html.txt" in warnings and "f-nfd.txt" in warnings, "repairs must be reported"

    by_text = {" ".join(s.segments): s for s in spy.documents}
    good_segments = parse_document(GOOD).segments()

    # HTML: tags and style gone, entities decoded, the text (and only the text) translated.
    html_out = (out / "e-html.txt").read_text(encoding="utf-8")
    assert not re.search(r"<[a-z/]", html_out) and "color" not in html_out
    assert by_text[" ".join(parse_document(HTML_TEXT).segments())].segments == [
        "Hội nghị ASEAN", "Bộ Công Thương chủ trì hội nghị & họp báo.", "Hai bên nhất trí."
    ]
    assert len(html_out.split("\n")) == len((HTML_TEXT + "\n").split("\n"))
    assert all(line.strip() for line in html_out.split("\n")[0:5:2])

    # NFD: the same segments as the NFC article, and the output is NFC text of the same shape.
    nfd_docs = [s for s in spy.documents if s.segments == good_segments]
    assert len(nfd_docs) == 2, "the NFD article must be segmented exactly like its NFC original"
    assert [p.text for p in nfd_docs[0].pieces] == [p.text for p in nfd_docs[1].pieces]
    nfd_out = (out / "f-nfd.txt").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", nfd_out)
    assert [bool(line.strip()) for line in nfd_out.split("\n")] == [bool(line.strip()) for line in GOOD.split("\n")]

    # The 5,000-word paragraph: split into model-sized pieces, every word kept, one paragraph out.
    paragraph = long_paragraph()
    long_doc = by_text[paragraph]
    pieces = [p.text for p in long_doc.pieces]
    assert " ".join(pieces).split() == paragraph.split(), "every source word must reach the model, once, in order"
    assert len(paragraph.split()) == LONG_WORDS
    limits = load_model(str(tiny_model_dir("marian"))).family
    too_long = [p for p in pieces if limits.count_source_tokens(p) > limits.max_source_tokens]
    assert not too_long, f"{len(too_long)} pieces exceed the model's {limits.max_source_tokens} tokens"
    cut = [p for p in pieces if spy.encoded[p] != limits.count_source_tokens(p)]
    assert not cut, f"{len(cut)} pieces reached the model truncated"
    assert max(len(p.split()) for p in pieces) > 100, "the long sentences must be split into pieces, not words"
    long_out = (out / "h-long.txt").read_text(encoding="utf-8")
    assert long_out.endswith("\n") and "\n" not in long_out[:-1], "the paragraph must stay one paragraph"
    flat_out = " ".join(long_out.split())
    missing = [p.text for p in long_doc.pieces if not p.target.strip() or " ".join(p.target.split()) not in flat_out]
    assert not missing, f"{len(missing)} pieces have no translation in the output"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.txt", b"", "empty"),
        ("legacy.txt", cp1258("Bộ Công Thương chủ trì hội nghị.\n"), "iconv -f cp1258"),
        ("binary.txt", bytes(range(256)), "binary"),
    ],
)
def test_a_single_bad_file_exits_1_with_its_name_before_the_model_is_loaded(
    name: str, content: bytes, expected: str, tmp_path: Path, vi2en: Callable
) -> None:
    """Alone on the command line, a bad file is reported at once (never a traceback, never exit 0): the model
    (here one that does not exist, which loading would report as exit 2) is never loaded, nothing is written."""
    path = tmp_path / name
    path.write_bytes(content)
    run = vi2en("translate", path, "-o", tmp_path / "out", "--model", tmp_path / "no-model", "--threads", "1")
    assert run.code == 1, run.err
    assert "Traceback" not in run.err
    problems = [line for line in run.err.splitlines() if line.startswith(f"vi2en: {path}")]
    assert len(problems) == 1 and expected in problems[0], run.err
    assert "nothing to translate" in run.err and "loading model" not in run.err and "no-model" not in run.err
    assert not (tmp_path / "out").exists()


def test_inputs_that_do_not_exist_are_reported_before_the_model_is_loaded(tmp_path: Path, vi2en: Callable) -> None:
    """With no input to read, the run says so at once: the model (here one that does not exist either, which
    loading would report as exit 2) is never loaded, and nothing is written."""
    run = vi2en("translate", tmp_path / "nope.txt", tmp_path / "gone", "-o", tmp_path / "out",
                "--model", tmp_path / "no-model")
    assert run.code == 1, run.err
    assert f"{tmp_path / 'nope.txt'}: no such file or folder" in run.err
    assert f"{tmp_path / 'gone'}: no such file or folder" in run.err
    assert "nothing to translate" in run.err and "loading model" not in run.err and "no-model" not in run.err
    assert not (tmp_path / "out").exists()


def test_an_output_folder_over_unreadable_inputs_is_refused_as_such(tmp_path: Path, vi2en: Callable) -> None:
    """The refusals of the options come before the inputs are read: exit 2 for -o over the input folder, even
    when its only file is empty (which alone would be exit 1, nothing to translate)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    run = vi2en("translate", tmp_path / "in", "-o", tmp_path / "in", "--model", tmp_path / "no-model")
    assert run.code == 2 and "is the input folder" in run.err and "nothing to translate" not in run.err, run.err


def test_a_stream_named_as_a_file_is_read_once(tmp_path: Path, tiny_model_dir: Callable[[str], Path]) -> None:
    """``--lines /dev/stdin`` (or ``<(zcat …)``) can be read only once: the early look for a readable input
    must leave it to the run, which translates its lines."""
    command = [sys.executable, "-m", "translate.cli", "translate", "--lines", "/dev/stdin", "-o", "out",
               "--model", str(tiny_model_dir("marian")), "--threads", "1", "--beams", "1", "--glossary-mode", "off"]
    run = subprocess.run(command, input="Hội nghị kết thúc.\nHai bên nhất trí.\n", cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, env={**os.environ, "VI2EN_MAX_NEW_TOKENS": "4"})
    assert run.returncode == 0, run.stderr
    (output,) = [p for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")]
    assert len(output.read_text(encoding="utf-8").splitlines()) == 2


def test_a_word_file_without_an_output_folder_is_refused_before_the_model_is_loaded(tmp_path: Path,
                                                                                    vi2en: Callable) -> None:
    """A .docx translation is a file, so ``vi2en translate release.docx`` (no -o) cannot run: exit 2 at once,
    before the model (here one that does not exist, which loading would name) is looked for."""
    docx = tmp_path / "release.docx"
    docx.write_bytes((ROOT / "corpus" / "formats" / "2024-06-vcci-rcep-wto-seminar.docx").read_bytes())
    run = vi2en("translate", tmp_path / "notes.txt", docx, "--model", tmp_path / "no-model")
    assert run.code == 2, run.err
    assert f"{docx}: a .docx translation is a file" in run.err and "give -o OUTDIR" in run.err
    assert "loading model" not in run.err and "no-model" not in run.err and run.out == ""


@pytest.mark.parametrize("argv", [
    ["a.txt", "-o", "."],  # the output folder is the input's
    ["release.docx"],  # a Word file to standard output
    ["a.txt", "--model", "no-such-model/dir/"],  # a model path that is no directory
])
def test_refusals_answer_without_importing_torch(argv: list[str], tmp_path: Path) -> None:
    """A command that cannot run says so at once: the refusals come before anything imports torch or
    transformers, whose start-up is the slow part of a command that loads no model."""
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "release.docx").write_bytes((ROOT / "corpus" / "formats" / "2024-06-vcci-rcep-wto-seminar.docx").read_bytes())
    assert exit_code_and_heavy_imports(["translate", *argv], tmp_path) == "2 []"


def exit_code_and_heavy_imports(argv: list[str], cwd: Path) -> str:
    """Run the command in a fresh interpreter: its exit code and which of torch and transformers it imported."""
    probe = ("import sys; from translate.cli import main; code = main(sys.argv[1:]); "
             "print(code, sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", probe, *argv], cwd=cwd, capture_output=True, text=True, timeout=120)
    return run.stdout.split("\n")[-2] if run.stdout.count("\n") else f"no answer: {run.stderr}"


def test_an_unreadable_file_alone_and_a_rerun_with_nothing_left_answer_without_importing_torch(
    tmp_path: Path, tiny_model_dir: Callable[[str], Path], vi2en: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither needs the model: an empty file named alone is reported (exit 1), and a rerun that finds every
    document done checks its options (the model files' fingerprint, the device) without torch (exit 0)."""
    (tmp_path / "empty.txt").write_bytes(b"")
    assert exit_code_and_heavy_imports(["translate", "empty.txt", "-o", "out"], tmp_path) == "1 []"
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    argv = ["translate", "a.txt", "-o", "out", "--model", str(tiny_model_dir("marian")), "--threads", "1"]
    monkeypatch.chdir(tmp_path)
    first = vi2en(*argv)
    assert first.code == 0 and (tmp_path / "out" / "a.txt").is_file(), first.err
    # The same command (the fixture's output length is still in the environment): nothing left to do.
    assert exit_code_and_heavy_imports(argv, tmp_path) == "0 []"


def test_standard_input_given_twice_is_read_once(tiny_model_dir: Callable[[str], Path], vi2en: Callable,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("Hội nghị kết thúc.\n".encode()), encoding="utf-8"))
    run = vi2en("translate", "-", "-", "--model", tiny_model_dir("marian"), "--threads", "1", "--beams", "1",
                "--glossary-mode", "off")
    assert run.code == 0, run.err
    assert "standard input given twice; read once" in run.err and "failed:" not in run.err
    assert len(run.out.splitlines()) == 1


def test_stdin_html_is_stripped_and_translated(tiny_model_dir: Callable[[str], Path], vi2en: Callable,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The same repairs apply to standard input (``-``), and the translation goes to stdout."""
    import io
    import sys

    stdin = io.TextIOWrapper(io.BytesIO(HTML.encode("utf-8")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    run = vi2en("translate", "-", "--model", tiny_model_dir("marian"), "--threads", "1", "--beams", "2",
                "--glossary-mode", "off")
    assert run.code == 0, run.err
    assert not re.search(r"<[a-z/]", run.out)
    assert len(run.out.rstrip("\n").split("\n")) == 5 and all(run.out.split("\n")[i].strip() for i in (0, 2, 4))
    assert "warning: stdin: HTML markup removed" in run.err
