"""TMX 1.4b: what ``--format tmx`` writes and what ``--tm`` reads, checked element by element."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pytest
from lxml import etree

from translate.document import parse_document
from translate.tmx import TmxError, TmxUnit, read_tmx, write_tmx

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


def test_written_memory_has_the_tmx_14b_header_and_one_tu_per_pair(tmp_path: Path) -> None:
    units = [TmxUnit("Bộ Công Thương chủ trì.", "The Ministry of Industry and Trade chaired.", "a.txt"),
             TmxUnit("Xin chào “bạn”.", "Hello “friend”.", "b.txt"),
             TmxUnit("Bỏ trống.", "  ", "a.txt")]  # nothing to reuse: left out
    path = tmp_path / "m.tmx"
    path.write_text(write_tmx(units, created=WHEN), encoding="utf-8")
    root = etree.parse(str(path)).getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    required = {"creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "srclang", "datatype"}
    assert required <= set(header.keys())
    assert header.get("srclang") == "vi" and header.get("creationtool") == "vi2en"
    assert header.get("creationdate") == "20260304T050607Z"
    tus = root.findall("body/tu")
    assert len(tus) == 2
    assert [tuv.get(XML_LANG) for tuv in tus[0].findall("tuv")] == ["vi", "en"]
    assert [p.text for tu in tus for p in tu.findall("prop[@type='x-document']")] == ["a.txt", "b.txt"]
    assert read_tmx(path) == units[:2]


def test_reader_accepts_regional_language_codes_old_lang_attribute_and_inline_codes(tmp_path: Path) -> None:
    path = tmp_path / "other-tool.tmx"
    path.write_text(
        '<?xml version="1.0"?><tmx version="1.4"><header srclang="vi-VN"/><body>'
        '<tu><tuv xml:lang="vi-VN"><seg>Hà <ph x="1">&lt;b&gt;</ph>Nội</seg></tuv>'
        '<tuv xml:lang="EN-US"><seg>Ha <ph x="1">&lt;b&gt;</ph>Noi</seg></tuv></tu>'
        '<tu><tuv lang="vi"><seg>Một</seg></tuv><tuv lang="en"><seg>One</seg></tuv></tu>'
        '<tu><tuv xml:lang="vi"><seg>Chỉ tiếng Việt</seg></tuv><tuv xml:lang="fr"><seg>Seulement</seg></tuv></tu>'
        "</body></tmx>",
        encoding="utf-8",
    )
    assert [(u.source, u.target) for u in read_tmx(path)] == [("Hà Nội", "Ha Noi"), ("Một", "One")]


@pytest.mark.parametrize(
    "content, message",
    [("<tmx><body><tu>", "not well-formed XML (line 1)"), ("<xliff/>", "not a TMX file (root element <xliff>)")],
)
def test_unreadable_memories_are_named_with_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.tmx"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TmxError, match=r"bad\.tmx: " + message.replace("(", r"\(").replace(")", r"\)")):
        read_tmx(path)


def test_format_tmx_writes_every_segment_of_the_document(
    tiny_model_dir: Callable[[str], Path], vi2en: Callable, tmp_path: Path
) -> None:
    article = tmp_path / "doc.txt"
    article.write_text("Tiêu đề ngắn\n\nBộ Công Thương chủ trì hội nghị. Các đại biểu thảo luận.\n\n- Một ý chính.\n", encoding="utf-8")
    run = vi2en("translate", article, "-o", tmp_path / "out", "--format", "tmx", "--model", tiny_model_dir("marian"),
                "--threads", "1", "--beams", "2", "-q")
    assert run.code == 0, run.err
    units = read_tmx(tmp_path / "out" / "doc.tmx")
    assert [u.source for u in units] == parse_document(article.read_text(encoding="utf-8")).segments()
    assert all(u.target.strip() and u.document == "doc.txt" for u in units)
    assert any("Ministry of Industry and Trade" in u.target for u in units)
