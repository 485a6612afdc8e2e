"""Safe batch runs: atomic outputs, resuming after an interruption, retranslation when anything changed.

The central test kills a real ``vi2en translate`` process with SIGKILL as soon as its first outputs appear,
reruns the same command and requires the final folder to be byte-identical to an uninterrupted run's, with
no temporary or half-written file anywhere.  The in-process tests pin down what a rerun skips and redoes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from translate import journal as journal_module
from translate.journal import JOURNAL_NAME, atomic_write_text, temp_path

ROOT = Path(__file__).resolve().parents[1]
FLORES_VI = ROOT / "corpus" / "flores200-devtest" / "flores200.devtest.vi"
SUMMARY = re.compile(r"documents: (\d+) \((\d+) translated, (\d+) already done, (\d+) failed\)")

# The installed command, with the output length pinned as the ``vi2en`` fixture pins it (random-weight
# models never stop by themselves); everything else is the real entry point.
PINNED_CLI = """\
import functools, sys
import translate.decoding.beam_search as beam_search
beam_search.SearchOptions = functools.partial(beam_search.SearchOptions, max_new_tokens=int(sys.argv[1]))
from translate.cli import main
sys.exit(main(sys.argv[2:]))
"""
KILL_MAX_NEW_TOKENS = 16


def counts(stderr: str) -> tuple[int, int, int, int]:
    """(documents, translated, already done, failed) from a run's summary."""
    match = SUMMARY.search(stderr)
    assert match is not None, f"no summary in: {stderr}"
    return tuple(int(g) for g in match.groups())  # type: ignore[return-value]


def outputs(folder: Path) -> dict[str, bytes]:
    """Every visible file below ``folder`` (relative path → bytes)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def hidden_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*") if p.name != JOURNAL_NAME)


def flores_documents(folder: Path, documents: int, lines_each: int) -> Path:
    lines = FLORES_VI.read_text(encoding="utf-8").splitlines()
    folder.mkdir(parents=True)
    for i in range(documents):
        chunk = lines[i * lines_each : (i + 1) * lines_each]
        (folder / f"doc{i:02d}.txt").write_text("\n\n".join(chunk) + "\n", encoding="utf-8")
    return folder


# -- atomic writes ----------------------------------------------------------------------------------


def test_atomic_write_failure_keeps_the_old_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "a.txt"
    atomic_write_text(target, "old translation\n")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_module.os, "fsync", disk_full)
    with pytest.raises(OSError):
        atomic_write_text(target, "new translation that never fully reached the disk\n")
    assert target.read_text(encoding="utf-8") == "old translation\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.txt"], "the temporary file must be removed"


def test_stale_temp_files_of_dead_writers_are_removed(tmp_path: Path) -> None:
    """A SIGKILLed writer cannot clean up; the next run must, without touching a live writer's file."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = temp_path(tmp_path / "sub" / "a.txt", dead.pid)
    live = temp_path(tmp_path / "b.txt", os.getpid())
    users_own = tmp_path / "sub" / f".notes.txt.{dead.pid}.tmp"  # the old cleanup's pattern: not vi2en's file
    stale.parent.mkdir()
    stale.write_text("half a transl", encoding="utf-8")
    live.write_text("being written", encoding="utf-8")
    users_own.write_text("mine", encoding="utf-8")
    journal_module.Journal(tmp_path)
    assert not stale.exists()
    assert live.exists()
    assert users_own.read_text(encoding="utf-8") == "mine"


# -- rerun semantics (in-process) -----------------------------------------------------------------


@pytest.fixture
def small_folder(tmp_path: Path) -> Path:
    return flores_documents(tmp_path / "in", documents=3, lines_each=2)


def test_rerun_skips_finished_documents_and_redoes_changed_ones(
    small_folder: Path, tmp_path: Path, tiny_model_dir: Callable[[str], Path], vi2en: Callable
) -> None:
    out = tmp_path / "out"
    model = tiny_model_dir("marian")
    glossary = tmp_path / "terms.tsv"
    glossary.write_text(
        "vi\ten\ttype\tvi_variants\ten_alternatives\tacronym\tvalid_from\tvalid_to\tsource\tnote\n"
        "Bộ Công Thương\tMinistry of Industry and Trade\torganization\t\t\t\t\t\tproject: test\t\n",
        encoding="utf-8",
    )
    command = ("translate", small_folder, "-o", out, "--model", model, "--threads", "1", "--beams", "2",
               "--glossary", glossary)

    first = vi2en(*command)
    assert first.code == 0 and counts(first.err) == (3, 3, 0, 0), first.err
    before = outputs(out)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.txt")}

    again = vi2en(*command)
    assert again.code == 0 and counts(again.err) == (3, 0, 3, 0), again.err
    assert "loading model" in first.err and "loading model" not in again.err, "nothing left: no model loaded"
    assert outputs(out) == before
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.txt")} == mtimes, "finished outputs must not be rewritten"

    # A changed source: only that document is redone.
    changed = small_folder / "doc01.txt"
    changed.write_text("Bộ Công Thương chủ trì hội nghị.\n", encoding="utf-8")
    edited = vi2en(*command)
    assert counts(edited.err) == (3, 1, 2, 0), edited.err
    assert "loading model" in edited.err, "a document left: the model is loaded for it"
    assert (out / "doc01.txt").read_bytes() != before["doc01.txt"]
    assert {k: v for k, v in outputs(out).items() if k != "doc01.txt"} == {
        k: v for k, v in before.items() if k != "doc01.txt"
    }

    # An output deleted by hand is redone; one edited by hand is kept (and said so) unless --force.
    (out / "doc00.txt").write_text("hand-edited\n", encoding="utf-8")
    (out / "doc02.txt").unlink()
    repaired = vi2en(*command)
    assert counts(repaired.err) == (3, 1, 1, 0), repaired.err
    assert "1 kept as edited" in repaired.err and "kept: doc00.txt" in repaired.err, repaired.err
    assert outputs(out)["doc00.txt"] == b"hand-edited\n" and outputs(out)["doc02.txt"] == before["doc02.txt"]
    forced = vi2en(*command, "--force")
    assert counts(forced.err) == (3, 1, 2, 0), forced.err
    assert outputs(out)["doc00.txt"] == before["doc00.txt"]

    # A changed glossary file (same path, new content) changes every document's identity.
    with glossary.open("a", encoding="utf-8") as handle:
        handle.write("hội nghị\tconference\tevent\t\t\t\t\t\tproject: test\t\n")
    assert counts(vi2en(*command).err) == (3, 3, 0, 0)


@pytest.mark.parametrize(
    "changed",
    [("--beams", "3"), ("--glossary-mode", "soft"), ("--acronyms", "first-expand"), ("--lines",),
     ("--glossary-date", "2020-01-01"), ("--model", "mbart")],
    ids=lambda changed: changed[0],
)
def test_a_changed_option_retranslates_everything(
    changed: tuple[str, ...], small_folder: Path, tmp_path: Path, tiny_model_dir: Callable[[str], Path],
    vi2en: Callable,
) -> None:
    out = tmp_path / "out"
    base = ("translate", small_folder, "-o", out, "--threads", "1", "--model", tiny_model_dir("marian"), "--beams", "2")
    assert counts(vi2en(*base).err) == (3, 3, 0, 0)
    # A repeated option overrides the earlier one, so ``changed`` only needs appending.
    option = (changed[0], str(tiny_model_dir(changed[1]))) if changed[0] == "--model" else changed
    rerun = vi2en(*base, *option)
    assert counts(rerun.err) == (3, 3, 0, 0), rerun.err


def test_a_torn_journal_line_only_costs_that_document(
    small_folder: Path, tmp_path: Path, tiny_model_dir: Callable[[str], Path], vi2en: Callable
) -> None:
    out = tmp_path / "out"
    command = ("translate", small_folder, "-o", out, "--model", tiny_model_dir("marian"), "--threads", "1",
               "--beams", "2", "--glossary-mode", "off")
    assert vi2en(*command).code == 0
    journal = out / JOURNAL_NAME
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    # As if the process died while appending the last line.
    journal.write_text("\n".join(lines[:2]) + "\n" + lines[2][: len(lines[2]) // 2], encoding="utf-8")
    rerun = vi2en(*command)
    assert rerun.code == 0 and counts(rerun.err) == (3, 1, 2, 0), rerun.err


# -- kill -9 and resume (real processes) -------------------------------------------------------------


def _run_command(outdir: Path, model: Path, source: Path) -> list[str]:
    return ["translate", str(source), "-o", str(outdir), "--model", str(model), "--threads", "1", "--beams", "2",
            "--glossary-mode", "off"]


def test_sigkill_midway_then_rerun_equals_an_uninterrupted_run(
    tmp_path: Path, tiny_model_dir: Callable[[str], Path], vi2en: Callable
) -> None:
    # 12 documents, ~1,100 segments: more than one decoding group (512 segments), so outputs appear in
    # bursts while later documents are still being decoded.
    source = flores_documents(tmp_path / "in", documents=12, lines_each=80)
    model = tiny_model_dir("marian")
    reference_dir = tmp_path / "reference"
    reference = vi2en(*_run_command(reference_dir, model, source), max_new_tokens=KILL_MAX_NEW_TOKENS)
    assert reference.code == 0, reference.err
    expected = outputs(reference_dir)
    assert len(expected) == 12

    out = tmp_path / "out"
    command = [sys.executable, "-c", PINNED_CLI, str(KILL_MAX_NEW_TOKENS), *_run_command(out, model, source)]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    journal = out / JOURNAL_NAME
    # Kill once the journal records a finished document: an output is renamed into place just before its
    # journal line is written, so killing on the output alone could land between the two (then nothing is
    # recorded, and the rerun rightly redoes that document, but the skip below would go untested).
    while not (journal.is_file() and any(line.endswith("}") for line in journal.read_text(encoding="utf-8").splitlines())):
        assert process.poll() is None, f"the run ended before any output appeared: {process.stderr.read()!r}"
        assert time.monotonic() < deadline, "no output appeared within 2 minutes"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be interrupted"

    # What the killed run left: only complete outputs (each exactly the reference), fewer than all of them.
    partial = outputs(out)
    assert 1 <= len(partial) < 12, f"{len(partial)} outputs after the kill: it was not interrupted midway"
    assert all(content == expected[name] for name, content in partial.items()), "a half-written output was left"
    recorded = {
        json.loads(line)["output"]
        for line in journal.read_text(encoding="utf-8").splitlines()
        if line.strip().endswith("}")
    }
    # A temporary file of the killed writer, as SIGKILL during a write leaves it (made certain here).
    temp_path(out / "doc11.txt", process.pid).write_text("half a transl", encoding="utf-8")

    rerun = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    documents, translated, skipped, failed = counts(rerun.stderr)
    assert (documents, failed) == (12, 0)
    assert skipped == len(recorded) >= 1, "every document the killed run finished must be skipped"
    assert translated == 12 - skipped

    assert outputs(out) == expected, "the resumed run must give exactly the uninterrupted run's outputs"
    assert hidden_files(out) == [], f"temporary files remain: {hidden_files(out)}"
