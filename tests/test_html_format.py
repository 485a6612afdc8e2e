"""Web pages in, the same page in English out; ``--extract`` for the article alone.

The pages are written in the test and the outputs parsed back with lxml.  A random-weight model's words
are noise, so the checks are on structure, on what must stay untouched (scripts, styles, code, URLs)
and on the glossary renderings and the inline markup placed on them.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from pathlib import Path
from typing import Callable

import lxml.html
import pytest

from glossary import load_glossary
from translate.decoding.beam_search import SearchOptions
from translate.formats import FormatError, read_format
from translate.decoding.model import load_model
from translate.pipeline import Translator

MOIT, MOFA = "Ministry of Industry and Trade", "Ministry of Foreign Affairs"
SCRIPT = 'var label = "Bộ Công Thương"; if (a < b) { go("https://example.vn/?q=1&r=2"); }'
PAGE = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Bộ Công Thương họp báo</title>
<meta name="description" content="Tin của Bộ Ngoại giao hôm nay">
<style>p {{ color: #333; }}</style><script>{SCRIPT}</script></head>
<body><h1>Bộ Công Thương chủ trì hội nghị</h1>
<p>Hôm nay, <strong>Bộ Công Thương</strong> và <a href="https://mofa.gov.vn/tin?id=7&amp;l=vi" title="Trang của Bộ Ngoại giao">Bộ Ngoại giao</a>
đã tổ chức <em>một cuộc họp quan trọng</em> tại Hà Nội. Lệnh <code>vi2en --help</code> in hướng dẫn.</p>
<figure><img src="hoi-nghi.jpg" alt="Toàn cảnh hội nghị của Bộ Công Thương"><figcaption>Toàn cảnh hội nghị.</figcaption></figure>
<table><tr><td>Cơ quan</td><td>Bộ Ngoại giao</td></tr></table>
<pre>giữ nguyên văn bản này</pre>
</body></html>
"""


@pytest.fixture(scope="module")
def glossary_file(ministries_glossary: Path) -> Path:
    return ministries_glossary


def test_page_in_english_with_markup_kept_and_code_untouched(
    tmp_path: Path, tiny_model_dir: Callable[[str], Path], glossary_file: Path, vi2en: Callable
) -> None:
    page = tmp_path / "in" / "tin.html"
    page.parent.mkdir()
    page.write_text(PAGE, encoding="utf-8")
    out = tmp_path / "out"
    run = vi2en("translate", page, "-o", out, "--model", tiny_model_dir("marian"), "--glossary", glossary_file,
                "--beams", "2", "--threads", "1")
    assert run.code == 0, run.err
    written = (out / "tin.html").read_text(encoding="utf-8")
    assert written.startswith("<!DOCTYPE html>")
    before, after = lxml.html.fromstring(PAGE), lxml.html.fromstring(written)
    assert after.get("lang") == "en"
    # The same elements (inline ones in the English word order).
    assert sorted(e.tag for e in after.iter()) == sorted(e.tag for e in before.iter())
    assert after.findtext(".//title") != before.findtext(".//title") and MOIT in after.findtext(".//title")
    assert MOFA in after.find(".//meta[@name='description']").get("content")
    assert after.findtext(".//script") == SCRIPT and after.findtext(".//style") == "p { color: #333; }"
    assert after.findtext(".//code") == "vi2en --help" and after.findtext(".//pre") == "giữ nguyên văn bản này"
    assert after.findtext(".//strong") == MOIT  # the bold term, bold in English
    link = after.find(".//a")
    assert link.text == MOFA and link.get("href") == "https://mofa.gov.vn/tin?id=7&l=vi"
    assert MOFA in link.get("title") and "Trang" not in link.get("title")
    assert MOIT in after.find(".//img").get("alt") and after.find(".//img").get("src") == "hoi-nghi.jpg"
    assert after.findtext(".//figcaption") != "Toàn cảnh hội nghị."
    assert MOFA in after.findall(".//td")[1].text_content()
    # The italic phrase, neither a term nor a whole sentence, is italic on its own translation.
    assert after.findtext(".//em").strip() and "cuộc họp" not in after.findtext(".//em")
    assert "could not be placed" not in run.err
    assert "/html/body/p: <code> moved to the end of its sentence" in run.err


def test_page_errors_are_clear(tmp_path: Path) -> None:
    legacy = tmp_path / "cu.html"
    # windows-1258 writes tones as combining marks: the text is encodable in its decomposed form.
    legacy.write_bytes(unicodedata.normalize("NFD", "<html><body><p>Đà Lạt</p></body></html>").encode("cp1258"))
    with pytest.raises(FormatError, match=r"not valid UTF-8 .* no charset declared.*iconv -f cp1258"):
        read_format(legacy, legacy.read_bytes())
    declared = tmp_path / "khai-bao.html"
    declared.write_bytes(unicodedata.normalize(
        "NFD", '<html><head><meta charset="windows-1258"></head><body><p>Đà Lạt</p></body></html>').encode("cp1258"))
    assert read_format(declared, declared.read_bytes()).text == "Đà Lạt"  # decoded as declared, made NFC
    for name, content, message in (("trong.html", b"  \n", "empty"), ("rong.html", b"<html><body><script>x</script></body></html>", "no text")):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(FormatError, match=message):
            read_format(path, content)


def test_inline_chain_and_attributes_through_the_api(tmp_path: Path, tiny_model_dir: Callable[[str], Path], glossary_file: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text('<html><body><p><a href="/x"><b>Bộ Công Thương</b> họp</a> sáng nay.</p></body></html>', encoding="utf-8")
    layout = read_format(page, page.read_bytes())
    translator = Translator(load_model(str(tiny_model_dir("marian"))), load_glossary(glossary_file),
                            search=SearchOptions(beams=2, max_new_tokens=8))
    rendered = layout.render(translator.translate_document("p", layout.text), lines=False)
    after = lxml.html.fromstring(rendered.data)
    bold = after.find(".//a/b")  # the bold term inside the link: both kept, nested as before
    assert bold is not None and bold.text == MOIT and after.find(".//a").get("href") == "/x"
    assert rendered.term_locations and all(w.startswith("/html/body/p") for w in rendered.term_locations.values())


@pytest.mark.skipif(importlib.util.find_spec("trafilatura") is None, reason="trafilatura not installed (pip install 'vi2en[extract]')")
def test_extract_takes_the_article_with_title_date_and_author(
    tmp_path: Path, tiny_model_dir: Callable[[str], Path], glossary_file: Path, vi2en: Callable
) -> None:
    sentence = "Bộ Công Thương đã tổ chức hội nghị về thương mại và đầu tư với các đối tác trong khu vực."
    first, second = f"{sentence} {sentence}", f"Hôm qua, {sentence} Các bên cũng bàn về chuỗi cung ứng bền vững."
    page = tmp_path / "trang.html"
    page.write_text(
        '<html><head><title>Hội nghị thương mại</title><meta name="author" content="Nguyễn Văn An">'
        '<meta property="article:published_time" content="2021-11-09"></head><body>'
        '<nav><a href="/">Trang chủ</a> <a href="/tg">Thế giới</a> <a href="/kt">Kinh tế</a></nav>'
        f"<article><h1>Hội nghị thương mại</h1><p>{first}</p><p>{second}</p></article>"
        "<footer>Bản quyền thuộc về tòa soạn</footer></body></html>",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    run = vi2en("translate", page, "--extract", "-o", out, "--model", tiny_model_dir("marian"), "--glossary", glossary_file,
                "--beams", "2", "--threads", "1")
    assert run.code == 0, run.err
    blocks = (out / "trang.md").read_text(encoding="utf-8").strip().split("\n\n")
    assert blocks[0].startswith("# ") and blocks[1] == "*2021-11-09 · Nguyen Van An*"
    assert len(blocks) == 4 and all(MOIT in block for block in blocks[2:])  # two paragraphs, no menu, no footer


@pytest.mark.skipif(importlib.util.find_spec("trafilatura") is None, reason="trafilatura not installed (pip install 'vi2en[extract]')")
@pytest.mark.parametrize("shown", ['<p class="date">12/6/2024</p>', "<p>12/6/2024 08:30</p>"])
def test_extract_gives_a_date_printed_in_the_page_once(
    shown: str, tmp_path: Path, tiny_model_dir: Callable[[str], Path], glossary_file: Path, vi2en: Callable
) -> None:
    """Many pages print their date as a paragraph of its own; the byline already holds it."""
    sentence = "Bộ Công Thương đã tổ chức hội nghị về thương mại và đầu tư với các đối tác trong khu vực."
    page = tmp_path / "trang.html"
    page.write_text(
        '<html><head><title>Hội nghị thương mại</title><meta name="author" content="Nguyễn Văn An">'
        '<meta property="article:published_time" content="2024-06-12"></head><body>'
        f"<article><h1>Hội nghị thương mại</h1>{shown}<p>{sentence} {sentence}</p><p>Hôm qua, {sentence}</p>"
        "<p>13/6/2024</p></article></body></html>",  # another day: not the byline's, so kept
        encoding="utf-8",
    )
    layout = read_format(page, page.read_bytes(), extract=True)
    translator = Translator(load_model(str(tiny_model_dir("marian"))), load_glossary(glossary_file),
                            search=SearchOptions(beams=1, max_new_tokens=4))
    assert translator.translate_document("trang", layout.text).date.isoformat() == "2024-06-12", "the glossary's date"
    out = tmp_path / "out"
    run = vi2en("translate", page, "--extract", "-o", out, "--model", tiny_model_dir("marian"), "--glossary", glossary_file,
                "--beams", "1", "--threads", "1")
    assert run.code == 0, run.err
    blocks = (out / "trang.md").read_text(encoding="utf-8").strip().split("\n\n")
    assert blocks[1] == "*2024-06-12 · Nguyen Van An*"
    assert not any("12/6/2024" in block for block in blocks), blocks
    assert blocks[-1] == "13/6/2024" and len(blocks) == 5  # title, byline, two paragraphs, the other date
