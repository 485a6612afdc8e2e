"""Limits and safety of the service: size before parsing, bad input, full queue, timeouts, keys,
disconnecting clients, and the command's start-up failures."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from server_support import HeldTranslator, make_translator
from translate.server import ServerSettings, create_app
from translate.server.app import serving
from translate.server.limits import hash_key, load_api_key_hashes

KEY = "s3cret-newsroom-key"
REQUEST = {"q": "Bộ Công Thương chủ trì.", "source": "vi", "target": "en"}


@pytest.fixture(scope="module")
def translator(tiny_model_dir):
    return make_translator(tiny_model_dir("marian"))


@pytest.fixture
def held(tiny_model_dir):
    """A translator whose model call waits until the test releases it (always released at the end)."""
    translator = make_translator(tiny_model_dir("marian"), HeldTranslator)
    yield translator
    translator.release.set()


def limited(translator, **limits) -> TestClient:
    return TestClient(create_app(translator, ServerSettings(**limits)))


def test_request_too_large_is_refused_before_the_body_is_read(translator):
    with serving(create_app(translator, ServerSettings(max_request_bytes=1000))) as url:
        host, port = urlsplit(url).hostname, urlsplit(url).port
        with socket.create_connection((host, port), timeout=10) as conn:  # announces 1 GB, sends 10 bytes
            conn.sendall(b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000000000\r\n\r\n{\"q\": \"x\"")
            start = time.monotonic()
            answer = _read_response(conn)
        assert answer.startswith("HTTP/1.1 413") and "at most 1,000 bytes" in answer
        assert time.monotonic() - start < 5
        chunked = httpx.post(f"{url}/translate", content=iter([b'{"q": "', b"x" * 2000, b'"}']),
                             headers={"content-type": "application/json"})  # no length: counted while read
        assert chunked.status_code == 413 and "error" in chunked.json()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"content": b'{"q": ', "headers": {"content-type": "application/json"}}, "malformed JSON"),
        ({"content": b"[1, 2]", "headers": {"content-type": "application/json"}}, "expected an object"),
        ({"content": b"\xff\xfe", "headers": {"content-type": "application/json"}}, "not UTF-8"),
        ({"content": b"--x\r\nbroken", "headers": {"content-type": "multipart/form-data"}}, "malformed form"),
        ({"content": b"q=1", "headers": {"content-type": "text/csv"}}, "send JSON"),
        ({"json": {"q": "x", "source": "fr", "target": "en"}}, "fr is not supported"),
        ({"json": {"q": "x", "source": "vi", "target": "de"}}, "de is not supported"),
        ({"json": {"q": "x", "source": "vi", "target": "en", "format": "pdf"}}, "pdf format"),
        ({"json": {"source": "vi", "target": "en"}}, "missing q"),
        ({"json": {"q": ["x", 3], "source": "vi", "target": "en"}}, "q item 2 must be a string"),
        ({"json": {"q": "x", "source": "vi", "target": "en", "alternatives": "many"}}, "alternatives"),
        ({"json": {"q": "x" * 101, "source": "vi", "target": "en"}}, "at most 100 per text"),
        ({"json": {"q": ["x" * 80, "x" * 80], "source": "vi", "target": "en"}}, "at most 150"),
        ({"json": {"q": ["x"] * 4, "source": "vi", "target": "en"}}, "too many texts"),
    ],
)
def test_malformed_requests_get_400_with_a_reason(translator, body, message):
    with limited(translator, max_item_chars=100, max_request_chars=150, max_items=3) as client:
        answer = client.post("/translate", **body)
    assert answer.status_code == 400 and message in answer.json()["error"]


def test_v1_rejects_bad_options_and_glossary_rows(translator):
    with limited(translator) as client:
        cases = [
            ({"text": "x", "glossary_mode": "strict"}, "glossary_mode must be one of"),
            ({"text": "x", "glossary_date": "01/02/2025"}, "glossary_date must be a date YYYY-MM-DD (such as 2025-07-01), not '01/02/2025'"),
            ({"text": "x", "glossary_date": "2025-W23-1"}, "not '2025-W23-1'"),  # ISO, but not the form the CLI takes
            ({"text": "x", "glossary_date": "2025-02-30"}, "(day is out of range for month)"),
            ({"text": "x", "glossary_date": 20250201}, "not 20250201"),
            ({"text": "x", "glossary": [{"vi": "hội nghị"}]}, "request:1: missing en"),
            ({"text": "x", "glossary": [{"vi": "a", "en": "b", "colour": "red"}]}, "unknown column"),
            ({"text": "x", "lines": ["y"]}, "exactly one of"),
            ({"documents": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]}, "every id must be different"),
        ]
        for body, message in cases:
            answer = client.post("/v1/translate", json=body)
            assert answer.status_code == 400 and message in answer.json()["error"], (body, answer.text)


def test_a_bad_lookup_date_is_a_400_naming_at(translator):
    with limited(translator) as client:
        answer = client.get("/v1/glossary/lookup", params={"q": "APEC", "at": "1/6/2025"})
        assert answer.status_code == 400
        assert answer.json()["error"] == "at must be a date YYYY-MM-DD (such as 2025-07-01), not '1/6/2025'"
        assert client.get("/v1/glossary/lookup", params={"q": "APEC", "at": "2025-06-01"}).status_code == 200


def test_full_queue_answers_503_with_retry_after(held):
    app = create_app(held, ServerSettings(queue_limit=1))
    with serving(app) as url, ThreadPoolExecutor(1) as pool:
        first = pool.submit(httpx.post, f"{url}/translate", json=REQUEST, timeout=60)
        assert held.entered.wait(10)
        refused = httpx.post(f"{url}/translate", json=REQUEST, timeout=10)
        assert refused.status_code == 503 and int(refused.headers["retry-after"]) >= 1
        assert "busy" in refused.json()["error"]
        held.release.set()
        assert first.result(timeout=60).status_code == 200
        assert httpx.post(f"{url}/translate", json=REQUEST, timeout=60).status_code == 200  # room again


def test_request_timeout_answers_503_and_the_request_is_dropped(held):
    with TestClient(create_app(held, ServerSettings(request_timeout=0.3))) as client:
        start = time.monotonic()
        answer = client.post("/translate", json=REQUEST)
        assert answer.status_code == 503 and "within 0.3 s" in answer.json()["error"]
        assert answer.headers["retry-after"] == "1" and time.monotonic() - start < 5
        held.release.set()
        assert 'vi2en_requests_abandoned_total{reason="timeout"} 1.0' in client.get("/metrics").text


def test_a_client_that_disconnects_does_not_hold_up_others(held):
    app = create_app(held, ServerSettings())
    service = app.state.service
    with serving(app) as url, ThreadPoolExecutor(2) as pool:
        busy = pool.submit(httpx.post, f"{url}/translate", json={**REQUEST, "q": "Xin chào."}, timeout=60)
        assert held.entered.wait(10)
        body = '{"q": "Hội nghị bị bỏ dở.", "source": "vi", "target": "en"}'.encode()
        with socket.create_connection((urlsplit(url).hostname, urlsplit(url).port), timeout=10) as conn:
            conn.sendall(b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            _wait_for(lambda: service.batcher.pending == 2)
        _wait_for(lambda: service.batcher.pending == 1)  # the server noticed and cancelled the request
        other = pool.submit(httpx.post, f"{url}/translate", json=REQUEST, timeout=60)
        _wait_for(lambda: service.batcher.pending == 2)
        held.release.set()
        assert busy.result(timeout=60).status_code == 200 and other.result(timeout=60).status_code == 200
    assert not any("Hội nghị bị bỏ dở." in call for call in held.calls)  # never decoded
    assert service.metrics.abandoned.labels("disconnect")._value.get() == 1


def test_api_keys_hashed_in_a_file(translator, tmp_path):
    keys = tmp_path / "keys.sha256"
    keys.write_text(f"# newsroom keys\n{hash_key(KEY)}  -\nsha256:{hash_key('other')} backup\n", encoding="utf-8")
    hashes = load_api_key_hashes(keys)
    assert len(hashes) == 2 and KEY not in keys.read_text()
    with limited(translator, api_key_hashes=hashes) as client:
        assert client.post("/translate", json=REQUEST).status_code == 400  # missing, as LibreTranslate
        wrong = client.post("/translate", json={**REQUEST, "api_key": "guess"})
        assert wrong.status_code == 403 and wrong.json() == {"error": "Invalid API key"}
        assert client.post("/translate", json={**REQUEST, "api_key": KEY}).status_code == 200
        assert client.post("/translate", data={**REQUEST, "api_key": KEY}).status_code == 200
        assert client.post("/v1/translate", json={"text": "Xin chào."}, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
        assert client.get("/v1/glossary/lookup", params={"q": "APEC"}, headers={"X-API-Key": "nope"}).status_code == 403
        assert client.get("/languages").status_code == 200 and client.get("/health").status_code == 200
        assert client.get("/frontend/settings").json()["keyRequired"] is True


def test_key_file_holding_a_raw_key_is_refused(tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text(f"{KEY}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"keys.txt:1: not a SHA-256 hex digest"):
        load_api_key_hashes(keys)


def test_serve_command_fails_clearly(vi2en, tiny_model_dir, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        in_use = vi2en("serve", "--model", tiny_model_dir("marian"), "--port", port)
    assert in_use.code == 2 and f"port {port} on 127.0.0.1 is in use" in in_use.err
    assert len(in_use.err.strip().splitlines()) == 1
    missing = vi2en("serve", "--model", tmp_path / "no-model", "--port", _free_port())
    assert missing.code == 2 and "no-model" in missing.err and "Traceback" not in missing.err
    (tmp_path / "keys").write_text("plain-key\n", encoding="utf-8")
    bad_keys = vi2en("serve", "--api-keys", tmp_path / "keys", "--port", _free_port())
    assert bad_keys.code == 2 and "not a SHA-256 hex digest" in bad_keys.err


def test_serve_logs_its_address_without_a_loading_bar(tiny_model_dir):
    """A server's stderr is its log: one 'serving' line, no weight-loading progress bar (as translate hides it)."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "translate", "serve", "--model", str(tiny_model_dir("marian")),
                               "--port", str(port)], stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: _answers(port), timeout=60)
    finally:
        server.terminate()
        err = server.communicate(timeout=30)[1]
    assert f"on http://127.0.0.1:{port}/" in err, err
    assert "Loading weights" not in err and "it/s]" not in err, err


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_serve_help_teaches(capsys):
    from translate.cli import build_parser

    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["serve", "--help"])
    text = capsys.readouterr().out
    assert exit_.value.code == 0
    for taught in ("127.0.0.1", "--api-keys", "sha256sum", "--workers 2", "curl", "Retry-After", "413", "/v1/translate"):
        assert taught in text, taught


def _read_response(conn: socket.socket) -> str:
    """One HTTP response from a raw socket: headers, then as many body bytes as Content-Length says."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += conn.recv(4096)
    return (head + b"\r\n\r\n" + body).decode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(condition, timeout: float = 10.0) -> None:
    stop = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > stop:
            raise AssertionError("condition not reached")
        threading.Event().wait(0.01)
