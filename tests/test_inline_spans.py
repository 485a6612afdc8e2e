"""Formatting inside a sentence survives translation: a bold phrase and a link that are neither glossary
terms, nor whole sentences, nor copied text.

Each test builds its .docx (python-docx) or .html page, translates it with a tiny random-weight model
and reads the output back with python-docx or lxml.  The sentence is one segment; each formatted span is
translated on its own and that translation is required in the sentence, so the checks are exact: the
formatting covers the span's translation (the same text as translating the span alone), where the
segment's span record says it stands, and the sentence's text is the segment's translation, whole.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

import docx
import lxml.html
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from glossary import load_glossary
from translate.decoding.beam_search import SearchOptions
from translate.decoding.model import load_model
from translate.document import parse_document
from translate.formats import read_format
from translate.pipeline import DocumentResult, SegmentRecord, Translator
from translate.span_plan import SpanRecord

MOIT, MOFA = "Ministry of Industry and Trade", "Ministry of Foreign Affairs"
LINK = "https://moit.gov.vn/doanh-nghiep"
BOLD, LINKED = "một cuộc họp quan trọng", "các doanh nghiệp của Bộ Ngoại giao"
#: One sentence: a plain glossary term, a bold phrase, a link holding a glossary term, plain words.
BEFORE, BETWEEN, AFTER = "Hôm nay, Bộ Công Thương đã tổ chức ", " với ", " tại Hà Nội."


@pytest.fixture(scope="module")
def translator(tiny_model_dir: Callable[[str], Path], ministries_glossary: Path) -> Translator:
    return Translator(load_model(str(tiny_model_dir("marian"))), load_glossary(ministries_glossary),
                      search=SearchOptions(beams=2, max_new_tokens=8))


def translate(translator: Translator, path: Path, content: bytes) -> tuple[DocumentResult, object]:
    """The file translated as the batch run does it: parsed, its formatted spans marked, then rendered."""
    path.write_bytes(content)
    layout = read_format(path, content)
    result = next(translator.translate_documents([(path.name, layout.mark(parse_document(layout.text)))]))
    return result, layout.render(result, lines=False)


def span(record: SegmentRecord, source: str) -> SpanRecord:
    return next(s for s in record.spans if s.source == source)


def placed(record: SegmentRecord, source: str) -> str:
    """Where the span record says the span's translation stands in the segment's translation."""
    found = span(record, source)
    assert found.met and found.target_start is not None and found.target_end is not None, found
    return record.target[found.target_start:found.target_end]


def alone(translator: Translator, source: str) -> str:
    """The span translated on its own, as it is required in the sentence (no closing period, since the
    span has none; the lower-case initial is an alternative the decoder may take)."""
    return translator.translate_text(source).rstrip(".!?…;:, ")


def check_sentence(translator: Translator, result: DocumentResult, bold: str, link: str) -> None:
    """One segment, every term met, each span's formatting on exactly its own translation."""
    sentence = [r for r in result.segments if r.source.startswith(BEFORE.strip())]
    assert len(sentence) == 1  # the sentence is decoded whole, never run by run
    record = sentence[0]
    assert record.source == BEFORE + BOLD + BETWEEN + LINKED + AFTER
    assert [t.source for t in record.terms] == ["Bộ Công Thương", "Bộ Ngoại giao"] and all(t.met for t in record.terms)
    assert [s.source for s in record.spans] == [BOLD, LINKED]
    assert bold == placed(record, BOLD) and bold.casefold() == alone(translator, BOLD).casefold()
    assert link == placed(record, LINKED) and link.casefold() == alone(translator, LINKED).casefold()
    assert MOFA in link  # the term inside the link is rendered inside it, and only once in the sentence
    assert record.target.count(MOFA) == 1 and MOIT in record.target


def test_docx_bold_phrase_and_link_inside_a_sentence(tmp_path: Path, translator: Translator) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph(BEFORE)
    paragraph.add_run(BOLD).bold = True
    paragraph.add_run(BETWEEN)
    rid = document.part.relate_to(LINK, RT.HYPERLINK, is_external=True)
    paragraph._p.append(parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{rid}"><w:r><w:t>{LINKED}</w:t></w:r></w:hyperlink>'))
    paragraph.add_run(AFTER)
    content = io.BytesIO()
    document.save(content)
    result, rendered = translate(translator, tmp_path / "release.docx", content.getvalue())

    out = docx.Document(io.BytesIO(rendered.data)).paragraphs[0]
    bold = [r.text for r in out.runs if r.bold]
    links = out._p.findall(qn("w:hyperlink"))
    assert len(bold) == 1 and len(links) == 1
    assert out.part.rels[links[0].get(qn("r:id"))].target_ref == LINK
    check_sentence(translator, result, bold[0], "".join(t.text for t in links[0].iter(qn("w:t"))))
    assert "".join(t.text for t in out._p.iter(qn("w:t"))) == result.segments[0].target  # nothing lost
    assert rendered.notes == []


def test_html_bold_phrase_and_link_inside_a_sentence(tmp_path: Path, translator: Translator) -> None:
    page = (f'<html><body><p>{BEFORE}<b>{BOLD}</b>{BETWEEN}<a href="{LINK}" title="Doanh nghiệp">{LINKED}</a>'
            f"{AFTER}</p></body></html>")
    result, rendered = translate(translator, tmp_path / "tin.html", page.encode())

    p = lxml.html.fromstring(rendered.data).find(".//p")
    assert [e.tag for e in p.iter()] == ["p", "b", "a"]
    check_sentence(translator, result, p.findtext("b"), p.findtext("a"))
    assert p.find("a").get("href") == LINK and p.find("a").get("title") == result.segments[0].target
    assert [r.source for r in result.segments][0] == "Doanh nghiệp"  # the link's title, a unit of its own
    assert p.text_content() == result.segments[1].target  # nothing lost
    assert rendered.notes == []


def test_nested_spans_come_out_well_formed(tmp_path: Path, translator: Translator) -> None:
    """A bold phrase inside a link, then more linked words: each stretch of one formatting is a span of
    its own; in .html the bold stays inside a link to the same page, in .docx inside a hyperlink.
    (A glossary term in the second keeps a random model's translations of the two apart.)"""
    inner, rest = "cuộc họp", "của Bộ Ngoại giao"
    page = f'<html><body><p>Hôm nay <a href="{LINK}"><b>{inner}</b> {rest}</a> đã diễn ra ở Hà Nội.</p></body></html>'
    result, rendered = translate(translator, tmp_path / "tin.html", page.encode())
    record = result.segments[0]
    p = lxml.html.fromstring(rendered.data).find(".//p")
    assert [b.text for b in p.findall(".//a/b")] == [placed(record, inner)]
    assert all(a.get("href") == LINK for a in p.iter("a")) and p.find("b") is None  # no bold outside a link
    assert placed(record, rest) in "".join(a.text_content() for a in p.iter("a"))
    assert p.text_content() == record.target

    document = docx.Document()
    paragraph = document.add_paragraph("Hôm nay ")
    rid = document.part.relate_to(LINK, RT.HYPERLINK, is_external=True)
    paragraph._p.append(parse_xml(
        f'<w:hyperlink {nsdecls("w", "r")} r:id="{rid}"><w:r><w:rPr><w:b/></w:rPr><w:t>{inner}</w:t></w:r>'
        f'<w:r><w:t xml:space="preserve"> {rest}</w:t></w:r></w:hyperlink>'
    ))
    paragraph.add_run(" đã diễn ra ở Hà Nội.")
    content = io.BytesIO()
    document.save(content)
    result, rendered = translate(translator, tmp_path / "release.docx", content.getvalue())
    record = result.segments[0]
    out = docx.Document(io.BytesIO(rendered.data)).paragraphs[0]
    links = out._p.findall(qn("w:hyperlink"))
    assert links and all(out.part.rels[link.get(qn("r:id"))].target_ref == LINK for link in links)
    assert all(child.tag == qn("w:r") for link in links for child in link)
    bold = [r for link in links for r in link.iter(qn("w:r")) if r.find(f"{qn('w:rPr')}/{qn('w:b')}") is not None]
    assert ["".join(t.text for t in r.iter(qn("w:t"))) for r in bold] == [placed(record, inner)]
    assert not [r for r in out.runs if r.bold]  # every bold run is inside a hyperlink
    assert "".join(t.text for t in out._p.iter(qn("w:t"))) == record.target


def test_span_that_cannot_be_required_is_reported_and_the_text_kept(tmp_path: Path, translator: Translator) -> None:
    """The same phrase bold and then italic: its one translation can stand for only one of them in the
    output, so the second is not required; the report names it and says why."""
    page = ("<html><body><p>Bộ Công Thương nói rằng <b>cuộc họp</b> và <i>cuộc họp</i> đều diễn ra hôm nay.</p>"
            "</body></html>")
    result, rendered = translate(translator, tmp_path / "tin.html", page.encode())
    record = result.segments[0]
    first, second = record.spans
    assert first.met and not second.met and second.required == []
    assert "contain one another" in second.note
    p = lxml.html.fromstring(rendered.data).find(".//p")
    assert p.findtext("b") == placed(record, "cuộc họp") and p.find("i") is None
    assert p.text_content() == record.target and MOIT in record.target and all(t.met for t in record.terms)
    assert rendered.notes == [
        f"/html/body/p: <i> on 'cuộc họp' could not be placed in the translation ({second.note}); "
        "text kept, formatting dropped"
    ]


def test_a_span_in_a_sentence_too_long_for_the_model_is_kept_in_one_piece(tmp_path: Path, translator: Translator) -> None:
    """A sentence longer than the model's input is translated in pieces; its cuts fall at clause
    boundaries but never inside a formatted span (here one with a comma at the sentence's middle, where
    the cut would go), so the span's translation can still be required and the bold put on it."""
    clauses = ["các doanh nghiệp xuất khẩu hàng hóa sang thị trường châu Âu và Hoa Kỳ trong những tháng đầu năm"] * 26
    bold = "Bộ Ngoại giao đã hỗ trợ, các doanh nghiệp nhỏ"
    document = docx.Document()
    paragraph = document.add_paragraph("Theo báo cáo, " + ", ".join(clauses[:13]) + ", ")
    paragraph.add_run(bold).bold = True
    paragraph.add_run(", " + ", ".join(clauses[13:]) + ".")
    content = io.BytesIO()
    document.save(content)
    result, rendered = translate(translator, tmp_path / "long.docx", content.getvalue())

    [record] = result.segments
    assert translator.decoder.count_source_tokens(record.source) > translator.decoder.max_source_tokens
    out = docx.Document(io.BytesIO(rendered.data)).paragraphs[0]
    assert [r.text for r in out.runs if r.bold] == [placed(record, bold)]
    assert MOFA in placed(record, bold) and all(t.met for t in record.terms)
    assert "".join(t.text for t in out._p.iter(qn("w:t"))) == record.target and rendered.notes == []


def test_a_span_cutting_a_glossary_term_goes_on_the_term_and_the_note_says_why(tmp_path: Path, translator: Translator) -> None:
    page = "<html><body><p>Hôm nay, Bộ <b>Công Thương đã họp</b> với các doanh nghiệp.</p></body></html>"
    result, rendered = translate(translator, tmp_path / "tin.html", page.encode())
    [record] = result.segments
    assert [(s.source, s.required, s.note) for s in record.spans] == [("Công Thương đã họp", [], "it cuts a glossary term")]
    p = lxml.html.fromstring(rendered.data).find(".//p")
    assert p.findtext("b") == MOIT and p.text_content() == record.target
    assert rendered.notes == ["/html/body/p: <b> on 'Công Thương đã họp' placed on its glossary term(s) only "
                              "(it cuts a glossary term)"]
