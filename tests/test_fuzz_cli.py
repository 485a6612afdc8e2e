"""Fuzzing ``vi2en translate`` end to end (issue 12): whatever the documents hold, nothing is lost silently.

Hypothesis builds small folders of .txt and .md documents mixing Vietnamese prose and glossary terms with
markup (tags, entities, Markdown code, links, tables), control and invisible characters, stray line
breaks and long tokens, and runs the command line on them with a tiny random-weights model.  Every run
must either write, for each document, an output whose segments are the document's segments with every
required term met — or name the document that failed and exit non-zero.  Never a traceback, never a
changed input file.  Bounded to a few dozen small examples (about a minute on a loaded 2-core machine).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translate.document import parse_document, parse_markdown
from translate.inputs import InputError, decode_text

GLOSSARY = (
    "vi\ten\ttype\tvi_variants\ten_alternatives\tacronym\tvalid_from\tvalid_to\tsource\tnote\n"
    "Bộ Công Thương\tMinistry of Industry and Trade\torganization\t\t\t\t\t\tproject: test\t\n"
    "Bùi Thanh Sơn\tBui Thanh Son\tperson\t\t\t\t\t\tproject: test\t\n"
    "APEC\tAPEC\tacronym\t\t\t\t\t\tproject: test\t\n"
)
WORDS = ["hội", "nghị", "hợp", "tác", "kinh", "tế", "Việt", "Nam", "đã", "diễn", "ra.", "Theo", "đó,", "8-9/11",
         "4,5%", "TP.", "“Tốt.”", "(Ảnh:", "TTXVN)", "Bộ Công Thương", "Bùi Thanh Sơn", "APEC"]
MARKUP = ["<div>", "</p>", "<script>", "&amp;", "&#10;", "`mã`", "[liên kết](http://x.vn/a.html)",
          "![ảnh](a.png)", "**đậm**", "| ô |", "<!-- x -->", "\\|"]
ODD = ["\u200b", "\u00a0", "\u00ad", "\u2060", "\u2028", "\x85", "\x0c", "\r", "\x07", "\t", "\ufeff"]
PREFIXES = ["", "# ", "## ", "- ", "1. ", "> ", "| ", "    ", "```", "---", " date 2021-11 "]

token = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(MARKUP),
    st.sampled_from(ODD),
    st.integers(40, 400).map(lambda n: "data:image/png;base64," + "A" * n),  # a long token without spaces
)
line = st.tuples(st.sampled_from(PREFIXES), st.lists(token, max_size=8)).map(lambda p: p[0] + " ".join(p[1]))
document = st.lists(line, min_size=1, max_size=4).map("\n".join)
folder = st.dictionaries(st.sampled_from(["a.txt", "a.md", "sub/b.txt", "sub/c.md"]), document, min_size=1, max_size=3)


def expected_segments(name: str, raw: bytes) -> list[str] | None:
    """The segments the document must come back with (None: unreadable, it must be reported)."""
    try:
        text, _ = decode_text(raw, name)
    except InputError:
        return None
    return (parse_markdown if name.endswith(".md") else parse_document)(text).segments()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=folder)
def test_every_document_comes_back_whole_or_is_named(
    files: dict[str, str], tiny_model_dir: Callable[[str], Path], vi2en: Callable
) -> None:
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        source = root / "in"
        for name, text in files.items():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes(text.encode("utf-8"))
        (root / "terms.tsv").write_text(GLOSSARY, encoding="utf-8")
        before = {name: (source / name).read_bytes() for name in files}

        run = vi2en("translate", source, "-o", root / "out", "--jsonl", "--model", tiny_model_dir("marian"),
                    "--glossary", root / "terms.tsv", "--threads", "1", "--beams", "2")

        assert "Traceback" not in run.err, run.err
        assert run.code in (0, 1), run.err
        assert {name: (source / name).read_bytes() for name in files} == before, "an input file was changed"
        # The run's summary names a document by its path in the folder; when nothing at all is readable, the
        # run stops before the model loads and names each file by the path it was found at.
        early = "vi2en: nothing to translate" in run.err.splitlines()
        problems = [line for line in run.err.splitlines()
                    if line.startswith(("failed:", "segment mismatch:", "unmet term:", *(("vi2en: /",) if early else ())))]
        named = {name for name in files if any(f" {name}:" in line or f" {name} " in line or f"{source / name}:" in line
                                               for line in problems)}
        if run.code == 1:
            assert problems and named, f"exit 1 must name the failing document:\n{run.err}"
        for name, raw in before.items():
            expected = expected_segments(name, raw)
            output = root / "out" / (name[:-4] + ".jsonl" if name.endswith(".txt") else name + ".jsonl")
            if name in named or expected is None:
                assert name in named, f"{name} was not readable, yet not reported:\n{run.err}"
                continue
            records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
            assert [r["source"] for r in records] == expected, f"{name}: segments lost or changed"
            unmet = [t for r in records for t in r["terms"] if not t["met"]]
            assert not unmet, f"{name}: required terms missing: {unmet}"
