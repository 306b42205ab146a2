"""OpenTelemetry traces, off by default (docs/observability.md, "Traces").

OTEL_TRACES_EXPORTER turns them on, as the OpenTelemetry SDK names it: `console` (spans as JSON
on stdout) or `otlp` (OTLP over HTTP; the exporter reads OTEL_EXPORTER_OTLP_ENDPOINT and the rest
of the OTEL_EXPORTER_OTLP_* variables itself); `discard`, this project's own, makes every span and
drops it, for measuring what tracing costs (loadtests/studies/instrumentation.py). OTEL_SERVICE_NAME
names the service (default shop-api). Each front end instruments its app with the official
instrumentation (flask_impl/tracing.py, fastapi_impl/tracing.py) and core instruments the
engine, so a request gives one server span with a child span per SQL statement, the request id
as an attribute.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import Span
from sqlalchemy import Engine

Exporter = Literal["none", "console", "otlp", "discard"]
REQUEST_ID_ATTRIBUTE = "shop.request_id"


def tracer_provider(exporter: Exporter, service_name: str) -> TracerProvider | None:
    """The process's tracer provider for OTEL_TRACES_EXPORTER, or None when tracing is off."""
    if exporter == "none":
        return None
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    provider.add_span_processor(BatchSpanProcessor(_exporter(exporter)))
    return provider


class DiscardingExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _exporter(exporter: Exporter) -> SpanExporter:
    if exporter == "console":
        return ConsoleSpanExporter()
    if exporter == "discard":
        return DiscardingExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def instrument_engine(engine: Engine, provider: TracerProvider) -> None:
    """A span per SQL statement, a child of the request's span. The official instrumentation's
    `SQLAlchemyInstrumentor().instrument(engine=...)` works once per process and also patches
    `create_engine` everywhere; its EngineTracer instruments just this engine."""
    meter = NoOpMeterProvider().get_meter(__name__)
    usage = meter.create_up_down_counter("db.client.connections.usage")
    EngineTracer(provider.get_tracer(__name__), engine, usage)  # type: ignore[no-untyped-call]


def tag_request(span: Span, request_id: str) -> None:
    span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)
