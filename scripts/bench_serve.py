"""Throughput and latency of ``vi2en serve`` under concurrent clients, against the batch pipeline.

N clients (default 16) on loopback each send one segment per request (``POST /v1/translate`` with
``lines``, so every answer carries its term report) until all segments are translated, keeping their
connection open like a content system does.  In the same process and run, the batch pipeline (what
``vi2en translate --lines`` calls: ``Translator.translate_documents`` over all segments as one
document) translates the same segments with the same Translator, glossary and pinned length.
Rounds are interleaved (pipeline, server, pipeline, ...) and the best time of each is reported.

Printed: segments/s of both, the server's p50/p95/p99 request latency, its throughput as a share of
the pipeline's, and whether every request was answered and every glossary term met.  Bounded: at most
``--segments`` requests per round and ``--time-limit`` seconds per server round.

    python scripts/bench_serve.py                                  # 16 clients, 48 segments, base-size model
    python scripts/bench_serve.py --segments 16 --clients 4 --new-tokens 8 --repeat 1   # a quick check
    python scripts/bench_serve.py --precision int8                 # vi2en serve --precision int8
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Sequence
from urllib.parse import urlsplit

import benchlib

from translate.settings import PRECISIONS


@dataclass
class Round:
    """One timed run: wall seconds, per-request latencies (server), answers and term counts."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    failed: int = 0
    terms_required: int = 0
    terms_met: int = 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    benchlib.add_common_arguments(parser, repeat=2)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--window-ms", type=float, default=10.0, help="the server's batch window (default 10 ms)")
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds one server round may take (default 600)")
    parser.add_argument("--no-glossary", action="store_true", help="no glossary (default: ~2 generated terms per segment)")
    parser.add_argument("--precision", choices=PRECISIONS, default="float32", help="the model's precision (default float32)")
    args = parser.parse_args(argv)
    args.model = benchlib.ensure_model(args.model, args.arch)
    start_load = benchlib.load_average()

    from translate.pipeline import Translator
    from translate.server import ServerSettings, create_app
    from translate.server.app import serving

    segments = benchlib.load_segments(args.segments, args.corpus)
    glossary = None if args.no_glossary else benchlib.make_glossary(segments)
    translator = Translator(benchlib.load(args, args.precision, product=True), glossary, glossary_mode="off" if glossary is None else "hard",
                            search=benchlib.product_search(args), max_batch_tokens=args.batch_tokens)
    translator.translate_lines(segments[:2])  # warm-up
    settings = ServerSettings(queue_limit=max(64, 2 * args.clients), batch_window=args.window_ms / 1000,
                              request_timeout=args.time_limit)
    app = create_app(translator, settings)
    pipeline_rounds: list[Round] = []
    server_rounds: list[Round] = []
    with serving(app) as url:
        _client_round(url, segments[:2], 1, args.time_limit)  # warm-up of the server path
        for _ in range(args.repeat):
            pipeline_rounds.append(_pipeline_round(translator, segments))
            server_rounds.append(_client_round(url, segments, args.clients, args.time_limit))
    metrics = app.state.service.metrics
    batch_sizes = metrics.batch_requests.collect()[0].samples
    batches = next(s.value for s in batch_sizes if s.name.endswith("_count"))
    requests = next(s.value for s in batch_sizes if s.name.endswith("_sum"))

    pipeline = min(pipeline_rounds, key=lambda r: r.seconds)
    server = min(server_rounds, key=lambda r: r.seconds)
    ratio = pipeline.seconds / server.seconds
    result = {
        "settings": benchlib.settings(args), "load_average_start": start_load, "load_average_end": benchlib.load_average(),
        "pipeline": {"seconds": pipeline.seconds, "segments_per_second": len(segments) / pipeline.seconds,
                     "terms_required": pipeline.terms_required, "terms_met": pipeline.terms_met},
        "server": {"seconds": server.seconds, "segments_per_second": len(segments) / server.seconds,
                   "p50": _percentile(server.latencies, 50), "p95": _percentile(server.latencies, 95),
                   "p99": _percentile(server.latencies, 99), "answered": server.answered, "failed": server.failed,
                   "terms_required": server.terms_required, "terms_met": server.terms_met,
                   "requests_per_model_call": requests / batches if batches else 0.0},
        "ratio": ratio,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(args, result, len(segments), start_load)
    complete = server.answered == len(segments) and server.failed == 0
    return 0 if complete and server.terms_met == server.terms_required else 1


def _pipeline_round(translator, segments: list[str]) -> Round:
    """The batch CLI's path: all segments as one line-aligned document."""
    start = time.perf_counter()
    results = list(translator.translate_documents([("bench", "\n".join(segments))], lines=True))
    seconds = time.perf_counter() - start
    terms = [t for r in results for s in r.segments for t in s.terms]
    return Round(seconds, answered=len(segments), terms_required=len(terms), terms_met=sum(t.met for t in terms))


def _client_round(url: str, segments: list[str], clients: int, time_limit: float) -> Round:
    """``clients`` threads take segments from one queue, one request each, until none is left."""
    work: queue.Queue[str] = queue.Queue()
    for segment in segments:
        work.put(segment)
    lock = threading.Lock()
    round_ = Round(0.0)
    deadline = time.monotonic() + time_limit
    address = urlsplit(url)

    def client() -> None:
        conn = http.client.HTTPConnection(address.hostname, address.port, timeout=time_limit)
        try:
            while time.monotonic() < deadline:
                try:
                    segment = work.get_nowait()
                except queue.Empty:
                    return
                body = json.dumps({"lines": [segment]}).encode()
                sent = time.perf_counter()
                conn.request("POST", "/v1/translate", body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                answer = response.read()
                latency = time.perf_counter() - sent
                with lock:
                    if response.status == 200:
                        summary = json.loads(answer)["summary"]
                        round_.answered += 1
                        round_.latencies.append(latency)
                        round_.terms_required += summary["terms_required"]
                        round_.terms_met += summary["terms_met"]
                    else:
                        round_.failed += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    round_.seconds = time.perf_counter() - start
    return round_


def _percentile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _print(args: argparse.Namespace, result: dict, count: int, start_load: str) -> None:
    benchlib.print_header(f"vi2en serve: {args.clients} concurrent clients vs the batch pipeline", args, start_load,
                          f"{args.repeat} interleaved rounds (best shown); batch window {args.window_ms:g} ms; {args.precision}")
    p, s = result["pipeline"], result["server"]
    rows = [
        ["batch pipeline (translate_documents, --lines)", count, f"{p['seconds']:.2f}", f"{p['segments_per_second']:.2f}",
         "", "", "", f"{p['terms_met']}/{p['terms_required']}", "1.00"],
        [f"vi2en serve, {args.clients} clients, 1 segment/request", s["answered"], f"{s['seconds']:.2f}",
         f"{s['segments_per_second']:.2f}", f"{s['p50']:.2f}", f"{s['p95']:.2f}", f"{s['p99']:.2f}",
         f"{s['terms_met']}/{s['terms_required']}", f"{result['ratio']:.2f}"],
    ]
    print(benchlib.table(["engine", "segments", "seconds", "seg/s", "p50 s", "p95 s", "p99 s", "terms met", "× pipeline"], rows))
    print(f"server: {s['answered']} of {count} requests answered, {s['failed']} failed; "
          f"{s['requests_per_model_call']:.1f} requests per model call on average")
    print(f"throughput ratio (server / pipeline): {result['ratio']:.2f}")
    print(f"load average at end: {result['load_average_end']}")


if __name__ == "__main__":
    sys.exit(main())
