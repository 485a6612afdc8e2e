"""Word files in, Word files out: structure, formatting, glossary terms, reports and bad files.

Each test builds its .docx with python-docx (plus the few XML parts python-docx cannot add: a footnote,
a hyperlink), translates it with a tiny random-weight model and reads the output back with python-docx.
A random model's words are noise, so the checks are on what the pipeline guarantees: structure, the
glossary renderings (forced by the constraints) and where their formatting went.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Callable

import docx
import pytest
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from glossary import load_glossary
from translate.decoding.beam_search import SearchOptions
from translate.formats import read_format, writes_bytes
from translate.decoding.model import load_model
from translate.pipeline import Translator

MOIT, MOFA = "Ministry of Industry and Trade", "Ministry of Foreign Affairs"
LINK = "https://www.moit.gov.vn/tin-tuc"
FOOTNOTES = (
    f"<w:footnotes {nsdecls('w', 'r')}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r>'
    '<w:r><w:t xml:space="preserve"> Nguồn: Bộ Ngoại giao.</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def png(width: int = 4, height: int = 4) -> bytes:
    """A small grey PNG, made here so the test needs no image file."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def make_release(path: Path) -> None:
    """A press release: heading, a paragraph with a bold term, a hyperlinked term and an italic phrase,
    a footnote, a table, an image with alt text, a header and a footer."""
    document = docx.Document()
    document.core_properties.author = "Vụ Thông tin Báo chí"
    document.core_properties.language = "vi-VN"
    document.add_heading("Bộ Công Thương chủ trì hội nghị", level=1)
    paragraph = document.add_paragraph("Hôm nay, ")
    paragraph.add_run("Bộ Công Thương").bold = True
    paragraph.add_run(" và ")
    rid = document.part.relate_to(LINK, RT.HYPERLINK, is_external=True)
    paragraph._p.append(parse_xml(
        f'<w:hyperlink {nsdecls("w", "r")} r:id="{rid}"><w:r><w:rPr><w:u w:val="single"/></w:rPr>'
        "<w:t>Bộ Ngoại giao</w:t></w:r></w:hyperlink>"
    ))
    paragraph.add_run(" đã tổ chức ")
    paragraph.add_run("một cuộc họp quan trọng").italic = True
    paragraph.add_run(" tại Hà Nội.")
    paragraph.add_run()._r.append(parse_xml(f'<w:footnoteReference {nsdecls("w")} w:id="1"/>'))
    footnotes = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, parse_xml(FOOTNOTES), document.part.package)
    document.part.relate_to(footnotes, RT.FOOTNOTES)
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Cơ quan", (0, 1): "Bộ Công Thương", (1, 0): "Đối tác", (1, 1): "Bộ Ngoại giao"}.items():
        table.cell(row, col).text = text
    picture = document.add_paragraph().add_run().add_picture(io.BytesIO(png()))
    picture._inline.docPr.set("descr", "Toàn cảnh hội nghị của Bộ Công Thương")
    document.add_paragraph("Ảnh chụp tại hội nghị.", style="Caption")
    document.sections[0].header.paragraphs[0].text = "Thông cáo báo chí"
    document.sections[0].footer.paragraphs[0].text = "Bộ Công Thương"
    document.save(path)


@pytest.fixture(scope="module")
def glossary_file(ministries_glossary: Path) -> Path:
    return ministries_glossary


def cli_args(model: Path, glossary: Path) -> list[str]:
    return ["--model", str(model), "--glossary", str(glossary), "--beams", "2", "--threads", "1"]


def test_docx_keeps_structure_formatting_and_terms_and_resumes(
    tmp_path: Path, tiny_model_dir: Callable[[str], Path], glossary_file: Path, vi2en: Callable
) -> None:
    source = tmp_path / "in" / "release.docx"
    source.parent.mkdir()
    make_release(source)
    damaged = tmp_path / "in" / "damaged.docx"
    damaged.write_bytes(source.read_bytes()[:300])
    locked = tmp_path / "in" / "locked.docx"
    locked.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504)
    out = tmp_path / "out"
    run = vi2en("translate", source.parent, "-o", out, *cli_args(tiny_model_dir("marian"), glossary_file))

    # The bad files are errors of their own; the good one is translated (exit 1 for the failures).
    assert run.code == 1
    assert "failed: damaged.docx: " in run.err and "not a readable .docx" in run.err
    assert "failed: locked.docx: " in run.err and "password-protected" in run.err
    assert not (out / "damaged.docx").exists() and not (out / "locked.docx").exists()

    before, after = docx.Document(source), docx.Document(out / "release.docx")
    assert [p.style.name for p in after.paragraphs] == [p.style.name for p in before.paragraphs]
    assert after.paragraphs[0].style.name == "Heading 1" and MOIT in after.paragraphs[0].text
    body = after.paragraphs[1]
    assert [r.text for r in body.runs if r.bold] == [MOIT]  # the bold term is bold in English, and only it
    links = body._p.findall(qn("w:hyperlink"))
    assert len(links) == 1 and "".join(t.text for t in links[0].iter(qn("w:t"))) == MOFA
    assert after.part.rels[links[0].get(qn("r:id"))].target_ref == LINK
    assert body._p.findall(".//" + qn("w:footnoteReference"))  # the footnote mark is still there
    # The italic phrase, neither a term nor a whole sentence, is italic on its own translation.
    italic = [r.text for r in body.runs if r.italic]
    assert len(italic) == 1 and italic[0].strip() and "cuộc họp" not in italic[0]
    assert "could not be placed" not in run.err

    cells = [[c.text for c in row.cells] for row in after.tables[0].rows]
    assert len(cells) == 2 and all(len(row) == 2 for row in cells)
    assert MOIT in cells[0][1] and MOFA in cells[1][1]
    assert cells[0][0] != "Cơ quan" and cells[1][0] != "Đối tác"  # every cell translated

    assert len(after.inline_shapes) == 1
    alt = after.inline_shapes[0]._inline.docPr.get("descr")
    assert MOIT in alt and "Toàn cảnh" not in alt
    assert after.sections[0].header.paragraphs[0].text not in ("", "Thông cáo báo chí")
    assert MOIT in after.sections[0].footer.paragraphs[0].text
    footnotes = next(p for p in after.part.package.iter_parts() if p.content_type == CT.WML_FOOTNOTES)
    footnote_text = "".join(t.text for t in parse_xml(footnotes.blob).iter(qn("w:t")))
    assert MOFA in footnote_text and "Nguồn" not in footnote_text
    assert after.core_properties.author == "Vụ Thông tin Báo chí" and after.core_properties.language == "en-US"
    assert "glossary (hard)" in run.err and "unmet term" not in run.err

    again = vi2en("translate", source, "-o", out, *cli_args(tiny_model_dir("marian"), glossary_file))
    assert again.code == 0 and "1 already done" in again.err


def test_docx_reports_term_locations_by_cell_and_run(tmp_path: Path, tiny_model_dir: Callable[[str], Path], glossary_file: Path) -> None:
    source = tmp_path / "release.docx"
    make_release(source)
    layout = read_format(source, source.read_bytes())
    translator = Translator(load_model(str(tiny_model_dir("marian"))), load_glossary(glossary_file),
                            search=SearchOptions(beams=2, max_new_tokens=8))
    result = translator.translate_document("release", layout.text)
    rendered = layout.render(result, lines=False)
    where = set(rendered.term_locations.values())
    assert "paragraph 2, run 2" in where  # the bold term is the paragraph's second run
    assert "paragraph 2, run 4" in where  # the hyperlinked one its fourth
    assert "table 1, row 1, cell 2, paragraph 1, run 1" in where
    assert "footnote 1, paragraph 1, run 1" in where
    assert any(w.startswith("footer") for w in where) and any("alt text" in w for w in where)
    assert all(t.met for s in result.segments for t in s.terms)
    assert len(rendered.segment_locations) == len(result.segments)


def test_docx_without_text_or_without_output_folder_is_a_clear_error(
    tmp_path: Path, tiny_model_dir: Callable[[str], Path], glossary_file: Path, vi2en: Callable
) -> None:
    """Word files found in a folder translated to standard output: each is named with its problem (the
    command line refuses a .docx named on it before any work: test_translate_inputs_cli.py)."""
    folder = tmp_path / "in"
    folder.mkdir()
    empty = folder / "empty.docx"
    docx.Document().save(empty)
    make_release(folder / "release.docx")
    run = vi2en("translate", folder, *cli_args(tiny_model_dir("marian"), glossary_file))
    assert run.code == 1
    assert "empty.docx: no text to translate" in run.err
    assert "release.docx: a .docx translation is a file: give -o OUTDIR" in run.err
    assert run.out == ""


def test_the_suffix_rule_and_the_layouts_agree_on_which_translations_are_bytes() -> None:
    """The command line refuses a Word file to standard output by its suffix (``writes_bytes``), before anything
    is read; the layouts read from the shipped samples must say the same."""
    samples = sorted((Path(__file__).resolve().parents[1] / "corpus" / "formats").glob("*.*"))
    assert {p.suffix for p in samples} >= {".docx", ".html"}
    for path in samples:
        assert read_format(path, path.read_bytes()).binary == writes_bytes(path), path
    assert writes_bytes(Path("Release.DOCX")) and not writes_bytes(Path("notes.txt"))


def test_the_shipped_samples_are_what_their_script_makes(tmp_path: Path) -> None:
    """``scripts/make_format_samples.py`` rebuilds corpus/formats byte for byte (a run leaves the checkout clean)."""
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, str(root / "scripts" / "make_format_samples.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=120)
    for shipped in sorted((root / "corpus" / "formats").glob("2024-06-vcci-rcep-wto-seminar.*")):
        assert (tmp_path / shipped.name).read_bytes() == shipped.read_bytes(), shipped.name
