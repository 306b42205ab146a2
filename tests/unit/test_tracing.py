"""Traces (core/tracing.py): one request's span tree, the same shape on every front end.

The apps are built as in production with OTEL_TRACES_EXPORTER=console; only the exporter is
swapped for an in-memory one, so the spans can be read back.
"""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from core import tracing
from core.db import Database
from core.settings import Settings
from core.sqlcount import SQL_STATEMENTS_HEADER
from devtools.servers import FRONT_ENDS
from tests.unit.test_metrics import client_for

Shape = tuple[str, list[str]]  # the root span's kind, its children's kinds


def span_tree(spans: tuple[ReadableSpan, ...], request_id: str, statements: int) -> Shape:
    [server] = [span for span in spans if span.kind == SpanKind.SERVER]
    assert server.attributes is not None
    assert server.attributes[tracing.REQUEST_ID_ATTRIBUTE] == request_id
    assert server.context is not None and server.parent is None
    children = [span for span in spans if span is not server]
    assert all(span.parent is not None and span.parent.span_id == server.context.span_id for span in children)
    sql = [span for span in children if "db.statement" in (span.attributes or {})]
    assert len(sql) == len(children) == statements
    return server.kind.name, sorted(span.kind.name for span in children)


@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    memory = InMemorySpanExporter()
    monkeypatch.setattr(tracing, "_exporter", lambda _name: memory)
    return memory


def test_a_request_is_a_server_span_with_one_child_per_sql_statement_on_every_front_end(
    settings: Settings, db: Database, exporter: InMemorySpanExporter
) -> None:
    traced = settings.model_copy(update={"otel_traces_exporter": "console", "sql_count_header": True})
    shapes: dict[str, Shape] = {}
    for front_end in FRONT_ENDS:
        exporter.clear()
        with client_for(front_end, traced) as client:
            app: Any = client.application if front_end == "flask" else client.app
            runtime = app.extensions["shop"] if front_end == "flask" else app.state.runtime
            request_id = f"trace-{front_end}"
            response = client.get("/v1/products?limit=5", headers={"X-Request-ID": request_id})
            assert response.status_code == 200
            runtime.tracer_provider.force_flush()
        statements = int(response.headers[SQL_STATEMENTS_HEADER])
        assert statements > 0
        shapes[front_end] = span_tree(exporter.get_finished_spans(), request_id, statements)
    assert len(set(map(str, shapes.values()))) == 1, shapes
