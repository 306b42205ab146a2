"""Traces (core/tracing.py): the official FastAPI instrumentation makes each request's server
span, outside every middleware; fastapi_impl/middleware.py adds the request id to it. The spans
FastAPI's instrumentation would add per ASGI message (receive, send) are left out, so a request's
tree has the same shape as Flask's: the server span and its SQL statements."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider


def instrument(app: FastAPI, provider: TracerProvider) -> None:
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, exclude_spans=["receive", "send"])
