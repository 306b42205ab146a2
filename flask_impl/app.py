"""The Flask application factory (served by gunicorn: `flask_impl.app:create_app()`)."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.routing import BaseConverter

from core.errors import PayloadTooLarge
from core.ids import ID_PATTERN
from core.logs import log_request
from core.runtime import build_runtime
from core.settings import Settings, get_settings
from core.web import REQUEST_ID_HEADER, parse_json_body, request_id, security_headers
from flask_impl import openapi
from flask_impl.deps import EXTENSION_KEY, runtime
from flask_impl.errors import register_error_handlers
from flask_impl.routes import auth, orders, products, service, users

DISCARD_LIMIT = 1 << 20


class IdConverter(BaseConverter):
    """Only canonical positive 64-bit ids match; anything else is an unknown route (404)."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(value)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    app = Flask(__name__)
    app.url_map.converters["id"] = IdConverter
    app.url_map.strict_slashes = True
    app.extensions[EXTENSION_KEY] = build_runtime(settings)

    app.before_request(_start_request)
    app.after_request(_finish_request)
    register_error_handlers(app)
    for blueprint in (service.bp, auth.bp, users.bp, products.bp, orders.bp, openapi.bp):
        app.register_blueprint(blueprint)
    return app


def _start_request() -> None:
    g.started = time.perf_counter()
    g.request_id = request_id(request.headers.get(REQUEST_ID_HEADER))
    if request.routing_exception is not None:
        return  # 404/405 come first; Flask raises them when it dispatches
    max_bytes = runtime().settings.max_body_bytes
    g.json_body = parse_json_body(request.method, request.content_type, _read_body(max_bytes), max_bytes)


def _read_body(max_bytes: int) -> bytes:
    """Up to one byte more than allowed, so that a chunked body (no Content-Length) that is too
    large is a 413 too; Werkzeug's own limit would silently cut it short."""
    if (request.content_length or 0) > max_bytes:
        raise PayloadTooLarge()
    body: bytes = request.stream.read(max_bytes + 1)
    g.body_read = len(body) <= max_bytes
    return body


def _discard_rest_of_body() -> bool:
    """Read and drop what is left of a body we answered without reading (404, 405, 413).

    Closing a connection with unread data on it makes TCP reset it, and the client can lose
    the answer; reading the rest lets the connection stay open. Past DISCARD_LIMIT we stop and
    close instead. False when something is left unread.
    """
    discarded = 0
    while discarded <= DISCARD_LIMIT:
        chunk = request.stream.read(65536)
        if not chunk:
            return True
        discarded += len(chunk)
    return False


def _finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.request_id
    response.headers.update(security_headers(request.path))
    sent_body = request.content_length or "chunked" in request.headers.get("Transfer-Encoding", "")
    if sent_body and not g.get("body_read") and not _discard_rest_of_body():
        response.headers["Connection"] = "close"
    duration_ms = (time.perf_counter() - g.started) * 1000
    log_request(request.method, request.path, response.status_code, duration_ms, g.request_id)
    return response
