"""The README's Python API example runs as written, and its parameter table is the real signature.

The example names no model: ``Translator.load`` takes ``$VI2EN_MODEL`` (as the CLI does), which a user
sets to the real model's folder and this test to a tiny random-weight one (issue 17, item 2).  Nothing is
patched: the block is executed from the repository's root with only the environment changed.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Callable

import pytest

import translate
from translate import Translator
from translate.settings import MODEL_ENV

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "articles" / "2021-11-apec-amm32.txt"


def _api_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Python API")
    return readme[start:readme.index("\n#", start + 1)]


def _api_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", _api_section(), flags=re.DOTALL)
    assert len(blocks) == 1, "the Python API section has one example"
    return blocks[0]


def test_the_readme_api_example_runs(tiny_model_dir: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    example = _api_example()
    assert "Translator.load(" in example and "environ" not in example, "the example is the one a user runs"
    monkeypatch.setenv(MODEL_ENV, str(tiny_model_dir("marian")))
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "readme_api_example"}
    exec(compile(example, "README.md (Python API)", "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()

    assert printed[0] == translate.__version__
    assert "Ministry of Industry and Trade" in printed[1] and "Bui Thanh Son" in printed[3], printed[:4]
    result = namespace["result"]
    file_lines = ARTICLE.read_text(encoding="utf-8").split("\n")
    assert result.segments and all(seg.source in file_lines[seg.line - 1] for seg in result.segments), "lines are 1-based"
    assert result.terms and all(term.met for term in result.terms), "the glossary guarantee holds on any model"
    assert printed[-1] == f"{len(result.terms)} of {len(result.terms)} glossary terms met"


def _shown(value: object) -> str:
    """A default as the README writes it: ``"hard"``, ``4``, ``75`` (for 75.0), ``None``, ``()``."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def test_the_readme_lists_every_parameter_of_load_with_its_default() -> None:
    documented: dict[str, str] = {}
    for row in _api_section().splitlines():
        if row.startswith("| `"):
            names, defaults = (cell.strip() for cell in row.split("|")[1:3])
            values = [d.strip() for d in defaults.split(", ")]
            for position, name in enumerate(n.strip().strip("`") for n in names.split(",")):
                documented[name] = values[position].strip("`") if len(values) > position else defaults
    parameters = inspect.signature(Translator.load).parameters
    assert set(documented) == set(parameters), "the README's table and Translator.load's signature differ"
    for name, parameter in parameters.items():
        if name not in ("model", "threads"):  # described in words: $VI2EN_MODEL, all cores
            assert documented[name] == _shown(parameter.default), (name, documented[name], parameter.default)


def test_help_teaches_the_public_api() -> None:
    """Every public class and method states what it takes and returns (``help()`` shows the docstrings)."""
    from glossary import Entry, Glossary, Match, Matcher, load_glossary
    from glossary import requirements
    from translate import DocumentResult, SegmentRecord, TermRecord

    objects: list[object] = [load_glossary, requirements.requirements_for, requirements.find_renderings,
                             requirements.count_rendering, requirements.locate_terms, requirements.rendering_family]
    for cls in (Translator, DocumentResult, SegmentRecord, TermRecord, Glossary, Entry, Match, Matcher):
        objects.append(cls)
        objects += [member for name, member in vars(cls).items() if not name.startswith("_")
                    and (inspect.isfunction(member) or isinstance(member, (property, classmethod)))]
    missing = []
    for obj in objects:
        function = obj.fget if isinstance(obj, property) else getattr(obj, "__func__", obj)
        if len(inspect.getdoc(function) or "") < 40:
            missing.append(getattr(function, "__qualname__", repr(function)))
    assert not missing, f"no docstring worth reading: {missing}"
    documented = inspect.getdoc(Translator.load) + inspect.getdoc(Translator)  # load: "the others are the class's"
    undocumented = [name for name in inspect.signature(Translator.load).parameters if f"``{name}``" not in documented]
    assert not undocumented, f"parameters of Translator.load that help(Translator) does not explain: {undocumented}"
