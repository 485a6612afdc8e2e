"""XLIFF 2.1 and 1.2 output: well-formed, namespace-correct, a unit per line and a segment per sentence
equal to the document's segments, every term marked in source and target, the structure recoverable."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from lxml import etree

from glossary import default_paths
from translate.decoding.beam_search import SearchOptions
from translate.memory import MemoryUnit, TranslationMemory
from translate.document import parse_document
from translate.pipeline import DocumentResult, SegmentRecord, TermRecord, Translator
from translate.xliff import GLS_NS, MTC_NS, XLIFF2_NS, XLIFF12_NS, XliffError, read_xliff, xliff12, xliff21

ARTICLE = (
    " date 2024-06 Bộ Công Thương tổ chức hội nghị thương mại\n"
    "24/10/2020\n"
    "\n"
    "Bộ trưởng Nguyễn Văn Hùng phát biểu khai mạc. Hội nghị diễn ra tại Hà Nội.\n"
    "\n"
    "- Các nước ASEAN ủng hộ sáng kiến.\r\n"
    "- Ý kiến thứ hai của đại biểu.\n"
    "\n"
    "## Kết quả\n"
    "\n"
    "Các đại biểu chụp ảnh lưu niệm. (Ảnh: Lâm Khánh/TTXVN)\n"
)
REMEMBERED = "Hội nghị diễn ra tại Hà Nội trong hai ngày."  # similar to one sentence: offered, not used


@pytest.fixture(scope="module")
def translator(tiny_model_dir: Callable[[str], Path]) -> Translator:
    memory = TranslationMemory([MemoryUnit(REMEMBERED, "The meeting took place in Ha Noi over two days.", "old.tmx")])
    return Translator.load(tiny_model_dir("marian"), glossary=default_paths(), threads=1,
                           search=SearchOptions(beams=2, max_new_tokens=8), memory=memory)


@pytest.fixture(scope="module")
def result(translator: Translator) -> DocumentResult:
    return translator.translate_document("article.txt", ARTICLE)


def _text(element: etree._Element) -> str:
    return "".join(element.itertext())


def _translatable_lines(result: DocumentResult) -> list[int]:
    return [i for i, line in enumerate(result.document.lines) if any(s.strip() for s in line.sentences)]


def test_xliff21_units_segments_terms_and_candidates(result: DocumentResult) -> None:
    root = etree.fromstring(xliff21(result).encode("utf-8"))
    x = f"{{{XLIFF2_NS}}}"
    assert root.tag == x + "xliff"
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == ("2.1", "vi", "en")
    (file,) = root.findall(x + "file")
    assert file.get("original") == "article.txt" and file[0].tag == x + "skeleton"
    units = file.findall(x + "unit")
    lines = result.document.lines
    assert [u.get("id") for u in units] == [f"u{i + 1}" for i in _translatable_lines(result)]
    assert [u.get("type") for u in units] == [f"v2e:{lines[i].kind}" for i in _translatable_lines(result)]
    assert {"title", "paragraph", "bullet", "heading", "caption"} <= {lines[i].kind for i in _translatable_lines(result)}
    segments = [s for u in units for s in u.findall(x + "segment")]
    assert [s.get("id") for s in segments] == [f"s{r.index}" for r in result.segments]
    assert [_text(s.find(x + "source")) for s in segments] == [r.source for r in result.segments]
    assert [_text(s.find(x + "target")) for s in segments] == [r.target for r in result.segments]
    assert {s.get("state") for s in segments} == {"translated"}
    for unit in units:  # schema order: extension modules, notes, then segments and ignorables
        names = [etree.QName(child).localname if etree.QName(child).namespace == XLIFF2_NS else "module" for child in unit]
        body = names.index("segment")
        assert set(names[:body]) <= {"module", "notes"} and set(names[body:]) <= {"segment", "ignorable"}
        assert names.count("segment") == names.count("ignorable") + 1
    terms = 0
    for segment, record in zip(segments, result.segments):
        source_marks = list(segment.find(x + "source").iter(x + "mrk"))
        assert sorted(_text(m) for m in source_marks) == sorted(t.source for t in record.terms)
        assert sorted(m.get("value") for m in source_marks) == sorted(t.approved for t in record.terms)
        assert {m.get("type") for m in source_marks} <= {"term"}
        assert all(m.get("{urn:vi2en:xliff:1}entry") for m in source_marks), "each mark names its glossary entry"
        target_marks = list(segment.find(x + "target").iter(x + "mrk"))
        assert len(target_marks) == sum(t.met for t in record.terms)
        by_id = {m.get("id"): m for m in source_marks}
        assert all(_text(m) in by_id[m.get("id")].get("{urn:vi2en:xliff:1}renderings").split(" | ") for m in target_marks)
        terms += len(record.terms)
    assert terms >= 4, "the article has glossary terms and a titled name to mark"
    glossary_terms = root.findall(f".//{{{GLS_NS}}}glossEntry")
    assert len(glossary_terms) == terms
    matches = root.findall(f".//{{{MTC_NS}}}match")
    machine = {m.get("ref"): _text(m.find(x + "target")) for m in matches if m.get("type") == "mt"}
    assert machine == {f"#s{r.index}": r.target for r in result.segments}
    offers = [m for m in matches if m.get("type") == "tm"]
    assert [(m.get("origin"), _text(m.find(x + "source"))) for m in offers] == [("old.tmx", REMEMBERED)]
    assert float(offers[0].get("similarity")) >= 75


def test_xliff12_groups_trans_units_terms_and_alternatives(result: DocumentResult) -> None:
    root = etree.fromstring(xliff12(result).encode("utf-8"))
    x = f"{{{XLIFF12_NS}}}"
    assert root.tag == x + "xliff" and root.get("version") == "1.2"
    (file,) = root.findall(x + "file")
    assert (file.get("source-language"), file.get("target-language"), file.get("datatype")) == ("vi", "en", "plaintext")
    assert [child.tag for child in file] == [x + "header", x + "body"]
    groups = file.findall(f"{x}body/{x}group")
    assert [g.get("id") for g in groups] == [f"u{i + 1}" for i in _translatable_lines(result)]
    assert all(g.get("restype").startswith("x-") for g in groups)
    units = [u for g in groups for u in g.findall(x + "trans-unit")]
    assert [u.get("id") for u in units] == [f"s{r.index}" for r in result.segments]
    for unit, record in zip(units, result.segments):
        assert [etree.QName(c).localname for c in unit][:2] == ["source", "target"]
        assert _text(unit.find(x + "source")) == record.source and _text(unit.find(x + "target")) == record.target
        assert unit.find(x + "target").get("state") == "translated"
        assert sorted(_text(m) for m in unit.find(x + "source").iter(x + "mrk")) == sorted(t.source for t in record.terms)
        assert len(list(unit.find(x + "target").iter(x + "mrk"))) == sum(t.met for t in record.terms)
        alternatives = unit.findall(x + "alt-trans")
        assert _text(alternatives[0].find(x + "target")) == record.target and alternatives[0].get("tool-id") == "vi2en"
        assert len(alternatives) == 1 + len(record.memory_offers)
    assert any(a.get("match-quality") for a in root.iter(x + "alt-trans"))


@pytest.mark.parametrize("writer", [xliff21, xliff12])
def test_reader_rebuilds_the_document_and_keeps_the_machine_output(result: DocumentResult, writer: Callable, tmp_path: Path) -> None:
    path = tmp_path / "article.xlf"
    path.write_text(writer(result), encoding="utf-8")
    document = read_xliff(path)
    assert document.text() == result.text, "structure, credits, datelines, blank lines and CRLF must survive"
    assert "\r\n" in document.text() and "(Photo: Lam Khanh/VNA)" in document.text()
    assert [s.machine for s in document.segments] == [r.target for r in result.segments]
    assert [len(s.terms) for s in document.segments] == [len(r.terms) for r in result.segments]
    assert not any(s.approved for s in document.segments)


@pytest.mark.parametrize("writer", [xliff21, xliff12])
def test_line_aligned_input_keeps_its_empty_lines(translator: Translator, writer: Callable, tmp_path: Path) -> None:
    result = translator.translate_document("test.vi", "Xin chào.\n\nHội nghị APEC.\n", lines=True)
    path = tmp_path / "test.xlf"
    path.write_text(writer(result), encoding="utf-8")
    document = read_xliff(path)
    assert len(document.segments) == 2
    assert document.text() == result.text and document.text().split("\n")[1] == ""


def test_a_term_inside_a_longer_term_is_nested_and_a_crossing_one_left_out() -> None:
    source = "Cộng đồng Kinh tế ASEAN họp."
    target = "The ASEAN Economic Community met."
    def term(text: str, rendering: str, start: int, end: int) -> TermRecord:
        return TermRecord(text, [rendering], rendering, True, source.index(text), source.index(text) + len(text),
                          start, end, rendering, "organization", "intl.tsv:1")
    terms = [term("Cộng đồng Kinh tế ASEAN", "ASEAN Economic Community", 4, 28), term("ASEAN", "ASEAN", 4, 9),
             term("Kinh tế", "ASEAN Economic", 8, 18)]  # crosses the first term's end: cannot be an XML element
    record = SegmentRecord("d", 0, source, target, terms)
    result = DocumentResult("d", target, [record], 1, parse_document(source))
    root = etree.fromstring(xliff21(result).encode("utf-8"))
    x = f"{{{XLIFF2_NS}}}"
    outer = root.find(f".//{x}segment/{x}target/{x}mrk")
    assert _text(outer) == "ASEAN Economic Community" and [_text(m) for m in outer] == ["ASEAN"]
    assert _text(root.find(f".//{x}segment/{x}target")) == target
    assert len(list(root.find(f".//{x}segment/{x}source").iter(x + "mrk"))) == 3, "source terms do not cross"


def test_a_resegmented_or_foreign_file_is_refused_with_a_reason(result: DocumentResult, tmp_path: Path) -> None:
    root = etree.fromstring(xliff21(result).encode("utf-8"))
    x = f"{{{XLIFF2_NS}}}"
    unit = next(u for u in root.iter(x + "unit") if len(u.findall(x + "segment")) == 2)
    for child in unit.findall(x + "ignorable") + unit.findall(x + "segment")[1:]:
        unit.remove(child)
    resegmented = tmp_path / "merged.xlf"
    resegmented.write_bytes(etree.tostring(root))
    with pytest.raises(XliffError, match=r"merged\.xlf: line \d+ was written with 2 segment\(s\) but has 1"):
        read_xliff(resegmented)
    foreign = tmp_path / "foreign.xlf"
    foreign.write_text(f'<xliff xmlns="{XLIFF12_NS}" version="1.2"><file original="x"><body/></file></xliff>', encoding="utf-8")
    with pytest.raises(XliffError, match="no vi2en skeleton"):
        read_xliff(foreign)
    (tmp_path / "html.xlf").write_text("<html/>", encoding="utf-8")
    with pytest.raises(XliffError, match="not an XLIFF 1.2 or 2.x file"):
        read_xliff(tmp_path / "html.xlf")


def test_cli_writes_one_xliff_per_document_and_refuses_xml_to_stdout_for_a_folder(
    tiny_model_dir: Callable[[str], Path], vi2en: Callable, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Bộ Công Thương chủ trì.\n", encoding="utf-8")
    (folder / "b.md").write_text("# Tiêu đề\n\nXin chào.\n", encoding="utf-8")
    common = ("--model", tiny_model_dir("marian"), "--threads", "1", "--beams", "2", "-q")
    for fmt, version in (("xliff", "2.1"), ("xliff12", "1.2")):
        run = vi2en("translate", folder, "-o", tmp_path / fmt, "--format", fmt, *common)
        assert run.code == 0, run.err
        written = sorted(p.name for p in (tmp_path / fmt).iterdir() if not p.name.startswith("."))
        assert len(written) == 2 and "a.xlf" in written and all(n.endswith(".xlf") for n in written)
        assert {read_xliff(tmp_path / fmt / name).version for name in written} == {version}
    single = vi2en("translate", folder / "a.txt", "--format", "xliff", *common)
    assert single.code == 0 and etree.fromstring(single.out.encode("utf-8")).get("version") == "2.1"
    refused = vi2en("translate", folder, "--format", "xliff", *common)
    assert refused.code == 2 and "give -o OUTDIR" in refused.err
