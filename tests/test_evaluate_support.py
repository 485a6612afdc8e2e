"""Helpers shared by the evaluation tests (no tests here): data, damage, and the two CLIs to compare."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FLORES = SHARED / "eval" / "flores200-devtest"
SACREBLEU = Path(sys.executable).with_name("sacrebleu")
WIDTH = 4  # decimals asked of the sacrebleu CLI, and to which our full-precision scores are rounded


def flores_lines(limit: int, side: str = "en") -> list[str]:
    """The first ``limit`` FLORES devtest lines of one side; skips the test without ../shared."""
    path = FLORES / f"flores200.devtest.{side}"
    if not path.is_file():
        pytest.skip(f"../shared not present: {path}")
    return path.read_text(encoding="utf-8").splitlines()[:limit]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def damage(lines: list[str], seed: int) -> list[str]:
    """A deterministic, varied corruption: dropped, swapped and lower-cased words, emptied lines."""
    rng = random.Random(seed)
    damaged = []
    for line in lines:
        words = line.split()
        action = rng.randrange(5)
        if action == 0 and len(words) > 3:
            del words[rng.randrange(len(words))]
        elif action == 1 and len(words) > 3:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        elif action == 2:
            words = [word.lower() for word in words]
        elif action == 3 and rng.random() < 0.2:
            words = []
        damaged.append(" ".join(words))
    return damaged


def rounded(value: float) -> float:
    """Round the way sacrebleu's JSON output does."""
    return float(f"{value:.{WIDTH}f}")


def sacrebleu_cli(*args: str) -> str:
    """Stdout of the real sacrebleu console script of this venv."""
    if not SACREBLEU.is_file():
        pytest.skip(f"sacrebleu console script not found beside {sys.executable}")
    return subprocess.run([str(SACREBLEU), *args], capture_output=True, text=True, check=True).stdout


def sacrebleu_cli_scores(hyp: Path, refs: list[Path]) -> dict[str, float]:
    """BLEU, chrF++ and TER as printed by the sacrebleu CLI (JSON, WIDTH decimals)."""
    out = sacrebleu_cli(*map(str, refs), "-i", str(hyp), "-m", "bleu", "chrf", "ter",
                        "--chrf-word-order", "2", "-w", str(WIDTH), "-f", "json")
    return {item["name"]: item["score"] for item in json.loads(out)}


def run_evaluate(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``vi2en evaluate ARGV`` in-process through the real ``vi2en`` entry point; (exit code, stdout, stderr)."""
    from translate.cli import main

    code = main(["evaluate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err
