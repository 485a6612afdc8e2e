"""The web page in a real headless browser (Debian's chromium + chromium-driver through Selenium).

Pastes an article, submits with the keyboard, waits for the English and checks the highlighted
glossary terms, their details on focus, the summary, the downloads and the glossary lookup.
Screenshots are saved as test artifacts (``$VI2EN_TEST_ARTIFACTS``, else the test's tmp dir).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from server_support import ARTICLE, MINISTRY, make_translator
from translate.server import ServerSettings, create_app
from translate.server.app import serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver packages (apt-get install chromium chromium-driver)",
)
WAIT_SECONDS = 60


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1100,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)  # no Selenium Manager download
    yield driver
    driver.quit()


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("VI2EN_TEST_ARTIFACTS", tmp_path / "artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_paste_translate_and_inspect_terms(tiny_model_dir, browser, artifacts):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    app = create_app(make_translator(tiny_model_dir("marian")), ServerSettings())
    wait = WebDriverWait(browser, WAIT_SECONDS)
    with serving(app) as url:
        browser.get(url + "/")
        assert not browser.find_element(By.ID, "api-key").is_displayed()  # no key needed on this server
        source = browser.find_element(By.ID, "source")
        browser.execute_script("arguments[0].value = arguments[1];", source, ARTICLE)  # a paste
        source.send_keys(Keys.CONTROL, Keys.ENTER)  # submit from the keyboard
        wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "Done."))
        browser.save_screenshot(str(artifacts / "web-page-result.png"))

        english = browser.find_element(By.ID, "english").text
        assert MINISTRY in english and "Bui Thanh Son" in english
        marks = browser.find_elements(By.CSS_SELECTOR, "#english mark.term")
        by_source = {mark.get_attribute("data-vi"): mark for mark in marks}
        assert {"Bộ Công Thương", "Bùi Thanh Sơn", "APEC"} <= set(by_source)
        required = int(browser.find_element(By.ID, "count-required").text)
        assert required == len(marks) and int(browser.find_element(By.ID, "count-met").text) == required

        ministry = by_source["Bộ Công Thương"]
        assert ministry.text.startswith(MINISTRY)
        tip = ministry.find_element(By.CSS_SELECTOR, ".tip")
        assert not tip.is_displayed()
        browser.execute_script("arguments[0].focus();", ministry)  # keyboard focus shows the entry
        wait.until(lambda _: tip.is_displayed())
        details = tip.text
        assert "Bộ Công Thương → Ministry of Industry and Trade" in details
        assert "type: organization" in details and "source:" in details and ".tsv:" in details
        browser.save_screenshot(str(artifacts / "web-page-term-details.png"))

        for link in ("download-txt", "download-jsonl"):
            assert browser.find_element(By.ID, link).get_attribute("href").startswith("blob:")

        lookup = browser.find_element(By.ID, "lookup")
        lookup.send_keys("bo cong thuo")  # answers while typing, without diacritics
        wait.until(EC.text_to_be_present_in_element((By.ID, "lookup-results"), "Bộ Công Thương"))
        assert MINISTRY in browser.find_element(By.ID, "lookup-results").text
        browser.save_screenshot(str(artifacts / "web-page-lookup.png"))
    assert (artifacts / "web-page-result.png").stat().st_size > 1000
