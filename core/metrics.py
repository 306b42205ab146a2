"""Prometheus metrics with the same names and labels on every front end (docs/observability.md, "Metrics").

A front end's middleware calls `Metrics.started()` when a request comes in and
`Metrics.finished(...)` when its answer starts, naming the operation (the OpenAPI operationId;
`other` for routes outside the API document such as /docs, `unmatched` for no route). The pool
gauges follow SQLAlchemy's checkout/checkin events.

A server that forks workers runs in prometheus_client's multiprocess mode: with
PROMETHEUS_MULTIPROC_DIR set (devtools/servers.py sets a fresh one per server start), every
worker writes its values there and /metrics, answered by any worker, sums them all. The variable
must be set before the process imports prometheus_client, so it comes from the environment.
"""

from __future__ import annotations

import os
import threading

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine, event
from sqlalchemy.pool import QueuePool

from core import sqlcount

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PATH = "/metrics"
OTHER_ROUTE = "other"
NO_ROUTE = "unmatched"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# The `_created` series (when each label set first appeared) are left out, as multiprocess mode
# always does, so a scrape shows the same series whichever way a server runs.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Seconds: the API answers in well under a millisecond unloaded and within 100 ms at capacity.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Statements: every operation's budget is in contract_tests/sql_statements.py; more is a defect.
STATEMENT_BUCKETS = (0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 50)


class Metrics:
    """One app's metrics; each app owns its registry, so apps in one process stay apart."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.requests = Counter(
            "shop_http_requests",
            "HTTP requests answered, by operation, method and status",
            ["operation", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "shop_http_request_duration_seconds",
            "Time from a request's arrival to the start of its answer",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.statements = Histogram(
            "shop_sql_statements_per_request",
            "SQL statements one request issued",
            ["operation"],
            buckets=STATEMENT_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "shop_http_requests_in_flight",
            "Requests being answered now",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.pool_size = Gauge(
            "shop_db_pool_size", "Connections the pool keeps", multiprocess_mode="livesum", registry=registry
        )
        self.pool_checked_out = Gauge(
            "shop_db_pool_checked_out",
            "Connections in use by a request",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.pool_overflow = Gauge(
            "shop_db_pool_overflow",
            "Connections in use beyond the pool size",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram, Histogram]] = {}

    def watch_pool(self, engine: Engine) -> None:
        pool = engine.pool
        if not isinstance(pool, QueuePool):
            return  # the pools this app makes are QueuePools; others (NullPool…) have no size
        size = pool.size()
        self.pool_size.set(size)
        # Counted from the events rather than read from the pool: the pool updates its own counts
        # only after a checkin event has run.
        # The overflow gauge is written only when it changes: in multiprocess mode every write
        # is one to a shared file, and these run twice a request.
        checked_out = overflow = 0
        lock = threading.Lock()

        def moved(step: int) -> None:
            nonlocal checked_out, overflow
            with lock:
                checked_out += step
                self.pool_checked_out.set(checked_out)
                if overflow != max(0, checked_out - size):
                    overflow = max(0, checked_out - size)
                    self.pool_overflow.set(overflow)

        event.listen(engine, "checkout", lambda *_: moved(+1))
        event.listen(engine, "checkin", lambda *_: moved(-1))

    def started(self) -> None:
        """The middleware also starts the request's SQL count (core/sqlcount.py)."""
        self.in_flight.inc()

    def finished(self, operation: str, method: str, status: int, seconds: float) -> None:
        self.in_flight.dec()
        key = (operation, method, status)
        children = self._children.get(key)
        if children is None:  # a label set's first request: look its series up once
            children = self._children[key] = (
                self.requests.labels(operation, method, str(status)),
                self.latency.labels(operation),
                self.statements.labels(operation),
            )
        requests, latency, statements = children
        requests.inc()
        latency.observe(seconds)
        statements.observe(sqlcount.statements())

    def exposition(self) -> bytes:
        """The text /metrics answers: every worker's values in multiprocess mode, else this app's."""
        if os.environ.get(MULTIPROCESS_DIR_ENV):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)
