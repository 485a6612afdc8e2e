"""The HTML evaluation report: one self-contained page, checked as text and in headless Debian chromium.

The browser test opens the page from disk (no server), checks that every chart is drawn (SVG bars
with a non-zero size), that tables sort on a click and on Enter, and saves a screenshot as an
artifact (``$VI2EN_TEST_ARTIFACTS``, else the test's tmp dir).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from lxml import html
from test_evaluate_support import write_lines

from glossary import load_glossary
from translate.evaluate import evaluate, read_inputs
from translate.evaluate.html_report import render_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
HEADER = "vi\ten\ttype\tvi_variants\ten_alternatives\tacronym\tvalid_from\tvalid_to\tsource\tnote"
MINISTRY = "Ministry of Industry and Trade"


@pytest.fixture
def page(tmp_path: Path) -> Path:
    """Two documents, two systems (the reference and a worse one), one miss and one inconsistency."""
    glossary = write_lines(tmp_path / "terms.tsv", [
        HEADER, f"Bộ Công Thương\t{MINISTRY}\torganization\t\t\t\t\t\tproject: test\t",
        "Hà Nội\tHa Noi\tplace\t\tHanoi\t\t\t\tproject: test\t"])
    write_lines(tmp_path / "src" / "a.vi", ["Bộ Công Thương họp ở Hà Nội.", "", "Hà Nội đẹp."])
    write_lines(tmp_path / "src" / "b.vi", ["Trời mưa to."])
    write_lines(tmp_path / "ref" / "a.en", [f"The {MINISTRY} met in Ha Noi.", "", "Ha Noi is nice."])
    write_lines(tmp_path / "ref" / "b.en", ["It rained heavily."])
    write_lines(tmp_path / "worse" / "a.txt", ["The Trade Ministry met in Ha Noi.", "", "Hanoi <is> nice & calm."])
    write_lines(tmp_path / "worse" / "b.txt", ["Rain fell."])
    inputs = read_inputs([tmp_path / "ref", tmp_path / "worse"], [tmp_path / "ref"], tmp_path / "src")
    evaluation = evaluate(inputs, load_glossary(glossary).matcher(), n_bootstrap=100,
                          meta={"hypotheses": ["ref", "worse"]})
    path = tmp_path / "report.html"
    path.write_text(render_html(evaluation), encoding="utf-8")
    return path


def test_page_is_self_contained_and_complete(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    tree = html.fromstring(text)
    assert text.startswith("<!DOCTYPE html>")
    # nothing fetched: no external script, stylesheet, image, font or frame
    assert not tree.xpath("//script[@src] | //link | //img | //iframe | //object")
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text) and "@import" not in text
    assert tree.xpath("//style") and tree.xpath("//script")
    # corpus scores with sacreBLEU's bootstrap interval, and its signature saying so
    summary = tree.get_element_by_id("summary").text_content()
    assert len(re.findall(r"\d+\.\d \(μ = \d+\.\d ± \d+\.\d\)", summary)) >= 6  # 3 metrics x 2 systems
    assert "bs:100|seed:12345" in summary
    assert tree.get_element_by_id("summary").xpath(".//svg//path[@class='whisker']")
    # charts: corpus scores, then one per metric per document, each with bars
    charts = tree.xpath("//svg[@class='chart']")
    assert len(charts) == 4 and all(chart.xpath(".//rect") for chart in charts)
    # sortable tables by type and by term
    terms = tree.get_element_by_id("terms-2")
    tables = terms.xpath(".//table[@class='sortable']")
    assert [t.xpath("string(.//th[1])") for t in tables[:2]] == ["type", "term"]
    by_term = tables[1].xpath(".//tbody/tr/td[1]/text()")
    assert by_term == ["Bộ Công Thương → Ministry of Industry and Trade", "Hà Nội → Ha Noi"]
    # every miss with its source line and the hypothesis (escaped, not markup)
    misses = terms.xpath(".//table[.//th//text()='source line']")[0].xpath(".//tbody/tr")
    rows = [[cell.text_content() for cell in row] for row in misses]
    assert ["a:1", f"Bộ Công Thương → {MINISTRY}", "0/1", "Bộ Công Thương họp ở Hà Nội.",
            "The Trade Ministry met in Ha Noi."] in rows
    assert ["a:3", "Hà Nội → Ha Noi", "0/1", "Hà Nội đẹp.", "Hanoi <is> nice & calm."] in rows
    # the inconsistency, with each line that requires the term
    inconsistency = terms.xpath(".//div[@class='inconsistency']")[0]
    assert "Hà Nội → Ha Noi" in inconsistency.text_content()
    assert [row.xpath("string(td[1])") for row in inconsistency.xpath(".//tbody/tr")] == ["1", "3"]


@pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                    reason="needs Debian's chromium and chromium-driver packages (apt-get install chromium chromium-driver)")
def test_page_renders_and_sorts_in_chromium(page: Path, tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1100,1600"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)  # no Selenium Manager download
    artifacts = Path(os.environ.get("VI2EN_TEST_ARTIFACTS", tmp_path / "artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    try:
        browser.get(page.as_uri())
        charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
        assert len(charts) == 4
        for chart in charts:
            assert chart.size["width"] > 100 and chart.size["height"] > 20
            bars = chart.find_elements(By.CSS_SELECTOR, "g.row rect")
            assert bars and all(bar.size["width"] > 0 and bar.size["height"] > 0 for bar in bars)
        browser.save_screenshot(str(artifacts / "evaluation-report.png"))

        table = browser.find_elements(By.CSS_SELECTOR, "#terms-2 table.sortable")[1]  # by term

        def terms() -> list[str]:
            return [row.find_element(By.CSS_SELECTOR, "td").text for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]

        before = terms()
        header, button = (table.find_elements(By.CSS_SELECTOR, "thead th")[0],
                          table.find_elements(By.CSS_SELECTOR, "thead th button")[0])
        button.click()
        assert header.get_attribute("aria-sort") == "ascending" and terms() == sorted(before)
        button.send_keys(Keys.ENTER)  # the keyboard sorts too
        assert header.get_attribute("aria-sort") == "descending" and terms() == sorted(before, reverse=True)
        accuracy = table.find_elements(By.CSS_SELECTOR, "thead th button")[3]
        accuracy.send_keys(Keys.ENTER)
        values = [float(row.find_elements(By.CSS_SELECTOR, "td")[3].get_attribute("data-value"))
                  for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
        assert values == sorted(values) and values[0] < values[-1]
        assert "Sorted by accuracy, ascending" in browser.page_source
        browser.save_screenshot(str(artifacts / "evaluation-report-sorted.png"))
    finally:
        browser.quit()
    assert (artifacts / "evaluation-report.png").stat().st_size > 10_000
