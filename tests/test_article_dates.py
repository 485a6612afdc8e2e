"""Each article is rendered with the names of its own date; scan and lookup show those decisions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Callable

import pytest

from glossary import Glossary, load_glossary
from translate.article_date import article_date
from translate.decoding.beam_search import SearchOptions
from translate.decoding.model import load_model
from translate.pipeline import Translator

GLOSSARY = """\
vi\ten\ttype\tvalid_from\tvalid_to\tsource\tnote
Bộ Kế hoạch và Đầu tư\tMinistry of Planning and Investment\torganization\t\t2025-02-28\tt\tmerged into the Ministry of Finance on 2025-03-01
Bộ Tài chính\tMinistry of Finance\torganization\t\t\tt\t
Bộ Lao động\tMinistry of Labour\torganization\t\t2025-02-28\tt\t
Bộ Lao động\tMinistry of Home Affairs and Labour\torganization\t2025-03-01\t\tt\t
"""
BODY = "Bộ Lao động và Bộ Kế hoạch và Đầu tư họp tại Hà Nội."


@pytest.fixture(scope="module")
def glossary_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dates") / "dated.tsv"
    path.write_text(GLOSSARY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def translator(tiny_model_dir: Callable[[str], Path], glossary_file: Path) -> Translator:
    return Translator(load_model(str(tiny_model_dir("marian"))), load_glossary(glossary_file),
                      search=SearchOptions(max_new_tokens=8))


@pytest.mark.parametrize("text, expected", [
    (" date 2021-11 Trong hai ngày 8-9/11, ...", date(2021, 11, 1)),
    ("published: 2025-06-12\nTiêu đề", date(2025, 6, 12)),
    ("Tiêu đề\n\n24/10/2020\n\nNội dung.", date(2020, 10, 24)),
    ("Tiêu đề\n\n31/02/2020\n", None),                        # an impossible date is no date
    ("Không có ngày.\n" + "Dòng.\n" * 10 + "24/10/2020\n", None),  # a date deep in the text is not the article's
])
def test_the_article_date_comes_from_its_header_or_a_date_line(text: str, expected: date | None) -> None:
    assert article_date(text) == expected


def _approved(translator: Translator, text: str) -> dict[str, str]:
    result = translator.translate_document("a", text)
    return {term.source: term.approved for record in result.segments for term in record.terms}


def test_a_renamed_entry_follows_the_article_date(translator: Translator) -> None:
    assert _approved(translator, f" date 2021-11 {BODY}")["Bộ Lao động"] == "Ministry of Labour"
    assert _approved(translator, f" date 2025-06 {BODY}")["Bộ Lao động"] == "Ministry of Home Affairs and Labour"


def test_an_expired_name_is_still_rendered_with_its_historical_name(translator: Translator) -> None:
    terms = _approved(translator, f" date 2025-06 {BODY}")
    assert terms["Bộ Kế hoạch và Đầu tư"] == "Ministry of Planning and Investment"


def test_the_glossary_date_overrides_every_article(tiny_model_dir: Callable[[str], Path], glossary_file: Path) -> None:
    fixed = Translator(load_model(str(tiny_model_dir("marian"))), load_glossary(glossary_file),
                       glossary_date="2021-01-01", search=SearchOptions(max_new_tokens=8))
    result = fixed.translate_document("a", f" date 2025-06 {BODY}")
    assert result.date == date(2021, 1, 1)
    assert {t.approved for r in result.segments for t in r.terms} >= {"Ministry of Labour"}
    with pytest.raises(ValueError, match="glossary_date"):
        Translator(fixed.loaded, Glossary(), glossary_date="June 2025")


def test_scan_lists_entries_with_place_origin_and_validity(glossary_file: Path, tmp_path: Path, vi2en: Callable) -> None:
    article = tmp_path / "bai.txt"
    article.write_text(f"Tiêu đề\n\n date 2025-06\n\n{BODY}\n", encoding="utf-8")
    run = vi2en("glossary", "scan", article, "-g", glossary_file, "--json")
    assert run.code == 0, run.err
    firings = [json.loads(line) for line in run.out.splitlines()]
    labour = next(f for f in firings if f["vi"] == "Bộ Lao động")
    assert (labour["line"], labour["column"]) == (5, 1)
    assert labour["approved"] == "Ministry of Home Affairs and Labour" and labour["entry"] == f"{glossary_file}:5"
    assert labour["valid"] == "2025-03-01 to now"
    planning = next(f for f in firings if f["vi"] == "Bộ Kế hoạch và Đầu tư")
    assert planning["column"] == BODY.index("Bộ Kế hoạch") + 1 and planning["valid"] == "… to 2025-02-28"


def test_lookup_at_a_date_shows_the_successor_instead_of_no_entry(glossary_file: Path, vi2en: Callable) -> None:
    run = vi2en("glossary", "lookup", "bo ke hoach va dau tu", "-g", glossary_file, "--at", "2025-06-01")
    assert run.code == 0, run.err
    assert "not valid on 2025-06-01" in run.out
    assert "on 2025-06-01: Bộ Tài chính  →  Ministry of Finance" in run.out


def _page(head: str, body: str = BODY) -> str:
    return f'<html><head><meta charset="utf-8"><title>Tin</title>{head}</head><body><p>{body}</p></body></html>'


@pytest.mark.parametrize("head, expected", [
    ('<meta property="article:published_time" content="2021-11-09T23:30:00+07:00">', date(2021, 11, 9)),
    ('<meta name="pubdate" itemprop="datePublished" content="2025-06-12T08:00:00+07:00">', date(2025, 6, 12)),
    ('<meta property="article:modified_time" content="2025-06-12">'  # a modified date is not the article's
     '<meta name="dc.date.issued" content="2021-11-09">', date(2021, 11, 9)),
    ('<meta property="article:published_time" content="hôm qua"><meta itemprop="datePublished" content="2021-11-09">',
     date(2021, 11, 9)),  # a value that is no date gives way to the next
    ('<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", '
     '"datePublished": "2021-11-09T10:00:00+07:00"}]}</script>', date(2021, 11, 9)),
    ('<script type="application/ld+json">{not json</script>', None),
    ('<meta property="article:modified_time" content="2025-06-12">', None),
])
def test_a_web_page_dates_itself_in_its_markup(head: str, expected: date | None, tmp_path: Path) -> None:
    from translate.formats import read_format

    page = tmp_path / "tin.html"
    page.write_text(_page(head), encoding="utf-8")
    assert read_format(page, page.read_bytes()).published == expected


def test_a_time_element_marked_as_published_dates_the_page(tmp_path: Path) -> None:
    from translate.formats import read_format

    page = tmp_path / "tin.html"
    page.write_text(_page("", f'<time datetime="2024-01-02">2/1/2024</time> <time pubdate datetime="2021-11-09">9/11</time> '
                              f"{BODY}"), encoding="utf-8")
    assert read_format(page, page.read_bytes()).published == date(2021, 11, 9)  # not the unmarked first one


@pytest.mark.parametrize("published, labour", [("2021-11-09T08:00:00+07:00", "Ministry of Labour"),
                                               ("2025-06-12", "Ministry of Home Affairs and Labour")])
def test_a_page_is_rendered_and_scanned_with_the_names_of_its_markup_date(
    published: str, labour: str, glossary_file: Path, tiny_model_dir: Callable[[str], Path], tmp_path: Path,
    vi2en: Callable,
) -> None:
    """The page's text carries no date; its markup does, and the glossary's names follow it."""
    page = tmp_path / "tin.html"
    page.write_text(_page(f'<meta property="article:published_time" content="{published}">'), encoding="utf-8")
    out = tmp_path / "out"
    run = vi2en("translate", page, "-o", out, "--model", tiny_model_dir("marian"), "--glossary", glossary_file,
                "--beams", "2", "--threads", "1")
    assert run.code == 0, run.err
    assert labour in (out / "tin.html").read_text(encoding="utf-8")
    scan = vi2en("glossary", "scan", page, "-g", glossary_file, "--json")
    assert scan.code == 0, scan.err
    firings = [json.loads(line) for line in scan.out.splitlines()]
    assert next(f for f in firings if f["vi"] == "Bộ Lao động")["approved"] == labour
    listing = vi2en("glossary", "scan", page, "-g", glossary_file)
    assert f"names of {published[:10]}" in listing.out
