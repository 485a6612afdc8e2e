"""The service's endpoints: LibreTranslate compatibility (with the real client), /v1, metrics, batching."""

from __future__ import annotations

import dataclasses
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from libretranslatepy import LibreTranslateAPI
from starlette.testclient import TestClient

from server_support import ARTICLE, MINISTRY, FailingTranslator, HeldTranslator, make_translator
from translate.pipeline import SegmentRecord, TermRecord
from translate.server import ServerSettings, create_app
from translate.server.app import serving

PATH_OR_TRACE = re.compile(r"Traceback|File \"|/srv|/tmp|/home|/work|site-packages|\.py\b")


@pytest.fixture(scope="module")
def translator(tiny_model_dir):
    return make_translator(tiny_model_dir("marian"))


@pytest.fixture(scope="module")
def client(translator):
    with TestClient(create_app(translator, ServerSettings())) as client:
        yield client


@pytest.fixture(scope="module")
def server_url(translator):
    with serving(create_app(translator, ServerSettings())) as url:
        yield url


def test_translate_json_string_and_list_keep_order_and_guarantee_terms(client):
    one = client.post("/translate", json={"q": ARTICLE, "source": "vi", "target": "en"})
    assert one.status_code == 200
    assert MINISTRY in one.json()["translatedText"]
    assert one.json()["translatedText"].count("\n") == ARTICLE.count("\n")  # paragraphs keep their places
    items = ["Xin chào.", "Bộ Công Thương chủ trì.", "Bộ trưởng Bùi Thanh Sơn phát biểu."]
    many = client.post("/translate", json={"q": items, "source": "vi", "target": "en", "format": "text"}).json()
    assert len(many["translatedText"]) == 3
    assert MINISTRY in many["translatedText"][1] and "Bui Thanh Son" in many["translatedText"][2]
    assert "detectedLanguage" not in many


def test_translate_form_data_and_auto_detection(client):
    answer = client.post("/translate", data={"q": "Bộ Công Thương chủ trì.", "source": "auto", "target": "en"}).json()
    assert MINISTRY in answer["translatedText"]
    assert answer["detectedLanguage"]["language"] == "vi" and answer["detectedLanguage"]["confidence"] > 50
    listed = client.post("/translate", json={"q": ["Bộ Công Thương.", "hello world"], "source": "auto", "target": "en"}).json()
    assert [d["language"] for d in listed["detectedLanguage"]] == ["vi", "vi"]
    assert listed["detectedLanguage"][1]["confidence"] < 10  # English text does not look Vietnamese
    assert client.post("/translate", json={"q": "Xin chào.", "source": "vi", "target": "en", "alternatives": 2}).json()[
        "alternatives"
    ] == []


def test_form_data_sent_as_raw_utf8_is_read_as_utf8(client):
    """``curl -d q='Bộ Công Thương …'`` sends the bytes unescaped; LibreTranslate reads them as UTF-8."""
    form = {"content-type": "application/x-www-form-urlencoded"}
    raw = "q=Bộ Công Thương chủ trì.&source=auto&target=en".encode("utf-8")
    answer = client.post("/translate", content=raw, headers=form).json()
    assert MINISTRY in answer["translatedText"]
    assert answer["detectedLanguage"] == {"confidence": 100.0, "language": "vi"}
    refused = client.post("/translate", content="q=Bô".encode("latin-1"), headers=form)
    assert refused.status_code == 400 and "not UTF-8" in refused.json()["error"]


def test_translate_html_keeps_markup(client):
    html = '<p class="lead">Bộ Công Thương chủ trì.</p><pre>giữ nguyên</pre><!-- note -->'
    answer = client.post("/translate", json={"q": html, "source": "vi", "target": "en", "format": "html"}).json()
    text = answer["translatedText"]
    assert text.startswith('<p class="lead">') and MINISTRY in text
    assert "<pre>giữ nguyên</pre><!-- note -->" in text


def test_languages_detect_and_frontend_settings(client):
    assert {"code": "vi", "name": "Vietnamese", "targets": ["en"]} in client.get("/languages").json()
    assert client.post("/detect", data={"q": "Bộ Công Thương chủ trì."}).json()[0]["language"] == "vi"
    settings = client.get("/frontend/settings").json()
    assert settings["language"]["source"]["code"] == "vi" and settings["keyRequired"] is False
    assert settings["charLimit"] == ServerSettings().max_item_chars


def test_real_libretranslatepy_client(server_url):
    lt = LibreTranslateAPI(server_url)
    assert [lang["code"] for lang in lt.languages()] == ["vi", "en"]  # a GET with a body
    assert MINISTRY in lt.translate("Bộ Công Thương chủ trì hội nghị.", source="vi", target="en")
    assert lt.detect("Bộ trưởng phát biểu.")[0]["language"] == "vi"


def test_v1_documents_carry_the_jsonl_records_and_inline_entries(client):
    body = {
        "documents": [{"id": "a", "text": ARTICLE}, {"id": "b", "text": "Hội nghị kết thúc."}],
        "glossary": [{"vi": "hội nghị", "en": "conference", "source": "newsroom style sheet"}],
    }
    answer = client.post("/v1/translate", json=body).json()
    assert [d["id"] for d in answer["documents"]] == ["a", "b"]
    first = answer["documents"][0]
    record_fields = {f.name for f in dataclasses.fields(SegmentRecord)}
    term_fields = {f.name for f in dataclasses.fields(TermRecord)}
    assert all(set(segment) == record_fields and segment["doc"] == "a" for segment in first["segments"])
    terms = [t for s in first["segments"] for t in s["terms"]]
    assert all(set(t) == term_fields for t in terms)
    assert {"Bộ Công Thương", "hội nghị", "Bùi Thanh Sơn"} <= {t["source"] for t in terms}
    assert all(t["met"] for t in terms) and "conference" in first["text"].lower()
    assert first["entries"]["hội nghị"]["origin"] == "request:1"
    assert first["entries"]["hội nghị"]["source"] == "newsroom style sheet"
    assert re.fullmatch(r"\w+\.tsv:\d+", first["entries"]["Bộ Công Thương"]["origin"])
    assert not any("/" in t["entry"] for t in terms)  # file names, not the server's directories
    summary = answer["summary"]
    assert summary["documents"] == 2 and summary["terms_required"] == summary["terms_met"] >= 4
    assert summary["unmet"] == []
    for span in first["highlights"]:  # where each rendered term stands in the English text
        term = first["segments"][span["segment"]]["terms"][span["term"]]
        assert first["text"][span["start"] : span["end"]].lower() == term["rendered"].lower()  # capitalised at a start
    assert len(first["highlights"]) == len(terms)


def test_v1_inline_entry_overrides_the_server_glossary(client):
    override = [{"vi": "Bộ Công Thương", "en": "Trade Ministry", "type": "organization"}]
    answer = client.post("/v1/translate", json={"text": "Bộ Công Thương chủ trì.", "glossary": override}).json()
    document = answer["documents"][0]
    assert "Trade Ministry" in document["text"] and MINISTRY not in document["text"]
    assert answer["options"]["inline_entries"] == 1


def test_v1_lines_and_glossary_modes(client):
    lines = ["Bộ Công Thương chủ trì.", "", "Xin chào."]
    answer = client.post("/v1/translate", json={"lines": lines}).json()
    assert len(answer["lines"]) == 3 and answer["lines"][1] == "" and MINISTRY in answer["lines"][0]
    off = client.post("/v1/translate", json={"text": "Bộ Công Thương chủ trì.", "glossary_mode": "off"}).json()
    assert off["summary"]["terms_required"] == 0 and off["options"]["glossary_mode"] == "off"
    soft = client.post("/v1/translate", json={"text": "Bộ Công Thương.", "glossary_mode": "soft", "acronyms": "first-expand"})
    assert soft.status_code == 200 and soft.json()["summary"]["terms_required"] == 1
    dated = client.post("/v1/translate", json={"text": "Bộ Công Thương.", "glossary_date": "2024-01-01"}).json()
    assert dated["documents"][0]["date"] == "2024-01-01"


def test_v1_reads_text_as_the_cli_reads_files(client):
    answer = client.post("/v1/translate", json={"text": "<!doctype html><html><body><p>Bộ Công Thương chủ trì.</p><p>Xin chào.</p></body></html>"}).json()
    document = answer["documents"][0]
    assert "<p>" not in document["segments"][0]["source"] and MINISTRY in document["text"]
    assert any("HTML" in warning for warning in document["warnings"])


def test_glossary_lookup_and_scan(client):
    hits = client.get("/v1/glossary/lookup", params={"q": "bo cong thuong"}).json()["hits"]
    assert hits[0]["vi"] == "Bộ Công Thương" and hits[0]["en"] == MINISTRY
    assert "/" not in hits[0]["origin"]
    text = "Hôm nay Bộ Công Thương và Bộ Ngoại giao họp."
    scan = client.post("/v1/glossary/scan", json={"text": text}).json()
    assert scan["terms"] == len(scan["matches"]) >= 2
    for match in scan["matches"]:
        assert text[match["start"] : match["end"]] == match["text"]
    assert "Bộ Công Thương" in [m["text"] for m in scan["matches"]]
    for limit, status in (("0", 400), ("1", 200), ("50", 200), ("51", 400), ("ten", 400)):
        assert client.get("/v1/glossary/lookup", params={"q": "bo", "limit": limit}).status_code == status, limit
    assert len(client.get("/v1/glossary/lookup", params={"q": "bo", "limit": "1"}).json()["hits"]) == 1


def test_health_and_prometheus_metrics(translator):
    with TestClient(create_app(translator, ServerSettings())) as client:  # its own counts
        client.post("/translate", json={"q": ["Bộ Công Thương chủ trì.", "Xin chào."], "source": "vi", "target": "en"})
        health = client.get("/health").json()
        metrics = client.get("/metrics")
    assert health["status"] == "ok" and health["family"] == "marian" and health["glossary_entries"] > 100
    assert "/" not in health["model"]
    assert metrics.headers["content-type"].startswith("text/plain")
    values = _metrics(metrics.text)
    assert values['vi2en_requests_total{endpoint="/translate",status="200"}'] >= 1
    assert values["vi2en_segments_total"] == 2 and values["vi2en_terms_required_total"] == 1
    assert values["vi2en_terms_met_total"] == 1
    assert values["vi2en_queue_length"] == 0 and values["vi2en_batch_seconds_count"] == 1
    assert values["vi2en_batch_requests_sum"] == 1
    assert any(key.startswith("vi2en_request_seconds_bucket") for key in values)


def test_page_and_static_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and 'id="translate-form"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    assert not re.search(r"https?://", page.text + client.get("/static/app.js").text)  # no CDN
    assert client.get("/static/../settings.py").status_code == 404


def test_concurrent_requests_are_decoded_in_one_batch(tiny_model_dir):
    translator = make_translator(tiny_model_dir("marian"), HeldTranslator)
    app = create_app(translator, ServerSettings(batch_window=0.05))
    texts = [f"Bộ Công Thương họp lần thứ {n}." for n in range(8)]
    with serving(app) as url, ThreadPoolExecutor(9) as pool:
        first = pool.submit(_translate, url, "Xin chào.")
        assert translator.entered.wait(10)  # the model thread is busy: the next requests queue up
        rest = [pool.submit(_translate, url, text) for text in texts]
        _wait_for(lambda: app.state.service.batcher.pending == 9)
        translator.release.set()
        answers = [future.result(timeout=60) for future in [first, *rest]]
    assert all(MINISTRY in answer for answer in answers[1:])
    assert translator.calls[0] == ["Xin chào."]
    assert sorted(translator.calls[1]) == sorted(texts)  # eight clients, one model call
    assert len(translator.calls) == 2


def test_errors_are_json_without_traceback_or_path(tiny_model_dir, client):
    failing = make_translator(tiny_model_dir("marian"), FailingTranslator)
    with TestClient(create_app(failing, ServerSettings()), raise_server_exceptions=False) as broken:
        answer = broken.post("/translate", json={"q": "Xin chào.", "source": "vi", "target": "en"})
    assert answer.status_code == 500 and set(answer.json()) == {"error"}
    responses = [
        answer,
        client.post("/translate", content=b'{"q": "x", ', headers={"content-type": "application/json"}),
        client.post("/translate", json={"q": "x", "source": "vi", "target": "fr"}),
        client.post("/v1/translate", json={"documents": [{"id": "a"}]}),
        client.post("/v1/translate", json={"text": "\x00\x01binary"}),
        client.get("/no/such/path"),
        client.put("/translate"),
    ]
    for response in responses:
        assert response.status_code >= 400 and isinstance(response.json()["error"], str), response.text
        assert not PATH_OR_TRACE.search(response.text), response.text


def _translate(url: str, text: str) -> str:
    response = httpx.post(f"{url}/translate", json={"q": text, "source": "vi", "target": "en"}, timeout=60)
    response.raise_for_status()
    return response.json()["translatedText"]


def _wait_for(condition, timeout: float = 10.0) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("condition not reached")


def _metrics(text: str) -> dict[str, float]:
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values
