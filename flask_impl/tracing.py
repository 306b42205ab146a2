"""Traces (core/tracing.py): the official Flask instrumentation makes each request's server span;
its request hook adds the request id, which the WSGI middleware has set by then."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Span

from core.tracing import tag_request
from flask_impl.deps import REQUEST_ID_KEY

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment


def _tag_request(span: Span, environ: WSGIEnvironment) -> None:
    tag_request(span, environ[REQUEST_ID_KEY])


def instrument(app: Flask, provider: TracerProvider) -> None:
    FlaskInstrumentor.instrument_app(app, tracer_provider=provider, request_hook=_tag_request)  # type: ignore[no-untyped-call]
