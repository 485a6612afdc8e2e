"""Shared fixtures."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """One torch thread: the test models are tiny, so thread start-up and synchronisation cost more
    than they save (on a loaded 2-core machine, ten times more)."""
    import torch

    torch.set_num_threads(1)


def _load_script(name: str) -> ModuleType:
    """Import ``scripts/<name>.py`` (scripts/ is not a package, and tests must not depend on the cwd)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class body runs
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``tiny_model_dir(arch)``: a random-weights model directory of ``arch``, built once per session.

    Archs are those of ``scripts/make_tiny_model.py``: marian, mbart, mbart50, t5, m2m100 (NLLB-style),
    m2m100-original, nllb (m2m100's layout; only its base size differs).
    """
    make_tiny_model = _load_script("make_tiny_model").make_tiny_model
    built: dict[str, Path] = {}

    def build(arch: str) -> Path:
        if arch not in built:
            built[arch] = make_tiny_model(tmp_path_factory.mktemp(f"tiny-{arch}"), arch)
        return built[arch]

    return build


@dataclass(frozen=True)
class CliRun:
    """What one in-process ``vi2en`` run returned and printed."""

    code: int
    out: str
    err: str


@pytest.fixture
def vi2en(monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> Callable[..., CliRun]:
    """``vi2en(*argv, max_new_tokens=8)``: run the ``vi2en`` command in this process.

    Random-weight models never end a sentence, so every output runs to the length limit; the command
    reads that limit from ``$VI2EN_MAX_NEW_TOKENS`` (``translate.cli.MAX_NEW_TOKENS_ENV``, meant for
    tests and benchmarks of such models), which keeps end-to-end runs fast without changing any code
    path; ``max_new_tokens=None`` leaves it unset.  Hard constraints still extend it as needed.
    """
    from translate.cli import MAX_NEW_TOKENS_ENV, main

    def run(*argv: str, max_new_tokens: int | None = 8) -> CliRun:
        if max_new_tokens is None:
            monkeypatch.delenv(MAX_NEW_TOKENS_ENV, raising=False)
        else:
            monkeypatch.setenv(MAX_NEW_TOKENS_ENV, str(max_new_tokens))
        capfd.readouterr()
        code = main([str(a) for a in argv])
        out, err = capfd.readouterr()
        return CliRun(code, out, err)

    return run


@pytest.fixture(scope="session")
def ministries_glossary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-entry glossary (Bộ Công Thương, Bộ Ngoại giao) in the three columns teams keep, for format tests."""
    path = tmp_path_factory.mktemp("ministries") / "terms.tsv"
    path.write_text("vi\ten\ttype\nBộ Công Thương\tMinistry of Industry and Trade\torganization\n"
                    "Bộ Ngoại giao\tMinistry of Foreign Affairs\torganization\n", encoding="utf-8")
    return path
