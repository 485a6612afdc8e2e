"""Prometheus metrics of one server process (``GET /metrics``).

Each app has its own registry, so several apps in one process (tests, benchmarks) never mix their
counts.  Several worker processes are several scrape targets, as behind any load balancer.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..pipeline import DocumentResult

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


class Metrics:
    """The counters, gauges and histograms the server updates."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("vi2en_requests", "HTTP requests answered", ["endpoint", "status"], registry=r)
        self.latency = Histogram(
            "vi2en_request_seconds", "Time to answer a request", ["endpoint"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.queue_length = Gauge("vi2en_queue_length", "Translation requests queued or being decoded", registry=r)
        self.batch_requests = Histogram(
            "vi2en_batch_requests", "Requests decoded together in one model call", buckets=BATCH_BUCKETS, registry=r
        )
        self.batch_seconds = Histogram(
            "vi2en_batch_seconds", "Time of one batched model call", buckets=LATENCY_BUCKETS, registry=r
        )
        self.segments = Counter("vi2en_segments", "Segments translated", registry=r)
        self.terms_required = Counter("vi2en_terms_required", "Glossary terms required in translated segments", registry=r)
        self.terms_met = Counter("vi2en_terms_met", "Required glossary terms present in the translation", registry=r)
        self.abandoned = Counter(
            "vi2en_requests_abandoned", "Requests dropped before decoding (client gone, timeout)", ["reason"], registry=r
        )

    def record_results(self, results: Iterable[DocumentResult]) -> None:
        for result in results:
            self.segments.inc(len(result.segments))
            terms = [t for s in result.segments for t in s.terms]
            self.terms_required.inc(len(terms))
            self.terms_met.inc(sum(t.met for t in terms))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request; paths outside ``endpoints`` share one label (no cardinality blow-up)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, endpoints: Iterable[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.endpoints = frozenset(endpoints)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        endpoint = path if path in self.endpoints else "static" if path.startswith("/static/") else "other"
        status = 500
        start = time.perf_counter()

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            self.metrics.requests.labels(endpoint, str(status)).inc()
            self.metrics.latency.labels(endpoint).observe(time.perf_counter() - start)
