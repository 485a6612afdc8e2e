"""The post-editing loop: translate → XLIFF → an editor's changes (a glossary term, a name, a whole
sentence) → ``vi2en import`` → final text, edit report, glossary corrections, TMX → a second run that
reuses every edited segment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest
from lxml import etree

from glossary import load_glossary
from translate.tmx import read_tmx
from translate.xliff import XLIFF2_NS, XLIFF12_NS

ARTICLE = (
    "Bộ Công Thương tổ chức hội nghị thương mại\n"
    "\n"
    "Bộ Công Thương chủ trì hội nghị. Bộ trưởng Nguyễn Văn Hùng phát biểu khai mạc.\n"
    "\n"
    "Các đại biểu thảo luận về xuất khẩu.\n"
)
APPROVED = "Ministry of Industry and Trade"
CORRECTED = "Ministry of Trade"
NAME, NAME_EDITED = "Nguyen Van Hung", "N. V. Hung"
REWRITTEN = "Delegates discussed exports."


def _edit(path: Path, version: str) -> None:
    """What an editor does in a CAT tool: change the targets of segments s1-s3 and approve them."""
    ns = XLIFF2_NS if version == "2.1" else XLIFF12_NS
    tree = etree.parse(str(path))
    targets = {}
    for target in tree.iter(f"{{{ns}}}target"):
        owner = target.getparent()
        if owner.tag in (f"{{{ns}}}segment", f"{{{ns}}}trans-unit"):
            targets[owner.get("id")] = (owner, target)
    for segment_id, old, new in (("s1", APPROVED, CORRECTED), ("s2", NAME, NAME_EDITED)):
        owner, target = targets[segment_id]
        marks = [m for m in target.iter(f"{{{ns}}}mrk") if m.text == old]
        assert marks, f"{segment_id}: the machine output should carry {old!r} as a marked term"
        marks[0].text = new
    owner, target = targets["s3"]
    for child in list(target):
        target.remove(child)
    target.text = REWRITTEN
    for owner, target in (targets[s] for s in ("s1", "s2", "s3")):
        if version == "2.1":
            owner.set("state", "final")
        else:
            target.set("state", "final")
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)


@pytest.mark.parametrize("fmt, version", [("xliff", "2.1"), ("xliff12", "1.2")])
def test_post_edited_xliff_comes_back_as_final_text_corrections_and_a_reused_memory(
    fmt: str, version: str, tiny_model_dir: Callable[[str], Path], vi2en: Callable, tmp_path: Path
) -> None:
    article = tmp_path / "in" / "article.txt"
    article.parent.mkdir()
    article.write_text(ARTICLE, encoding="utf-8")
    common = ("--model", tiny_model_dir("marian"), "--threads", "1", "--beams", "2", "-q")
    run = vi2en("translate", article, "-o", tmp_path / "xlf", "--format", fmt, *common)
    assert run.code == 0, run.err
    xlf = tmp_path / "xlf" / "article.xlf"
    _edit(xlf, version)

    fixes, memory = tmp_path / "fixes.tsv", tmp_path / "approved.tmx"
    imported = vi2en("import", xlf, "-o", tmp_path / "final", "--tmx", memory, "--corrections", fixes, "--json")
    assert imported.code == 0, imported.err
    (report,) = [json.loads(line) for line in imported.out.splitlines()]
    assert (report["segments"], report["changed"], report["approved"]) == (4, 3, 3)
    assert 0 < report["edit_rate"] <= 100
    corrections = {(c["source"], c["machine"], c["edited"]) for c in report["corrections"]}
    assert ("Bộ Công Thương", APPROVED, CORRECTED) in corrections
    assert ("Nguyễn Văn Hùng", NAME, NAME_EDITED) in corrections
    glossary_fix = next(c for c in report["corrections"] if c["edited"] == CORRECTED)
    assert glossary_fix["line"] == 3 and glossary_fix["in_glossary"] and glossary_fix["entry"].split(":")[0].endswith(".tsv")
    name_fix = next(c for c in report["corrections"] if c["edited"] == NAME_EDITED)
    assert not name_fix["in_glossary"]

    final = (tmp_path / "final" / "article.txt").read_text(encoding="utf-8")
    lines = final.split("\n")
    assert len(lines) == len(ARTICLE.split("\n")) and lines[1] == lines[3] == ""
    assert CORRECTED in lines[2] and NAME_EDITED in lines[2] and lines[4] == REWRITTEN

    rows = load_glossary(fixes).entries  # the candidate rows are a valid glossary file …
    assert {(e.vi, e.en) for e in rows} == {("Bộ Công Thương", CORRECTED), ("Nguyễn Văn Hùng", NAME_EDITED)}
    assert all("article.txt, line 3" in e.source for e in rows)
    assert vi2en("glossary", "check", fixes).code == 0
    builtin = sorted((Path(__file__).resolve().parents[1] / "glossary" / "data").glob("*.tsv"))
    review = vi2en("glossary", "check", *builtin, fixes)  # … whose override of the approved entry is flagged
    assert "'Bộ Công Thương' -> 'Ministry of Trade'" in review.out and f"overrides '{APPROVED}'" in review.out

    assert len(read_tmx(memory)) == 3, "only the approved segments go to the memory"
    broken = tmp_path / "broken.xlf"
    broken.write_text("<xliff", encoding="utf-8")
    partly = vi2en("import", broken, xlf, "-o", tmp_path / "partly")
    assert partly.code == 1 and "failed: " in partly.err and "broken.xlf: not well-formed XML" in partly.err
    assert (tmp_path / "partly" / "article.txt").read_text(encoding="utf-8") == final, "the good file is still imported"
    second = vi2en("translate", article, "-o", tmp_path / "again", "--jsonl", "--tm", memory,
                   "--glossary", "builtin", "--glossary", fixes, *common)
    assert second.code == 0, second.err
    records = [json.loads(line) for line in (tmp_path / "again" / "article.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["memory"] for r in records] == [None, "exact", "exact", "exact"]
    assert CORRECTED in records[1]["target"] and records[3]["target"] == REWRITTEN

    stale = vi2en("translate", article, "-o", tmp_path / "stale", "--jsonl", "--tm", memory, *common)
    records = [json.loads(line) for line in (tmp_path / "stale" / "article.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["memory"] for r in records][1:3] == ["stale", "stale"], (
        "without the corrected glossary, the edited segments lack the approved renderings: flagged, decoded"
    )
    assert stale.code == 0 and "stale memory: article.txt:3:" in stale.err


@pytest.mark.parametrize("name", ["article.txt", "notes.md", "notes.en.txt", "test.vi"])
def test_import_names_each_document_as_translate_names_its_text(
    name: str, tiny_model_dir: Callable[[str], Path], vi2en: Callable, tmp_path: Path
) -> None:
    """The final document of ``test.vi``'s XLIFF is ``test.en``, where ``vi2en translate`` writes its text."""
    source = tmp_path / "in" / name
    source.parent.mkdir()
    source.write_text(ARTICLE, encoding="utf-8")
    common = ("--model", tiny_model_dir("marian"), "--threads", "1", "--beams", "1", "-q")
    assert vi2en("translate", source, "-o", tmp_path / "xlf", "--format", "xliff", *common).code == 0
    assert vi2en("translate", source, "-o", tmp_path / "text", *common).code == 0
    (xlf,) = (tmp_path / "xlf").glob("*.xlf")
    imported = vi2en("import", xlf, "-o", tmp_path / "final")
    assert imported.code == 0, imported.err
    written = [p.name for p in (tmp_path / "text").iterdir() if not p.name.startswith(".")]
    assert [p.name for p in (tmp_path / "final").iterdir()] == written and len(written) == 1
