"""The Flask application factory (served by gunicorn: `flask_impl.app:create_app()`)."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.routing import BaseConverter

from core.ids import ID_PATTERN
from core.logs import log_request
from core.runtime import build_runtime
from core.settings import Settings, get_settings
from core.web import REQUEST_ID_HEADER, parse_json_body, request_id, security_headers
from flask_impl import openapi
from flask_impl.deps import EXTENSION_KEY
from flask_impl.errors import register_error_handlers
from flask_impl.routes import auth, orders, products, service, users


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
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
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
    max_bytes = request.max_content_length or 0
    g.json_body = parse_json_body(
        request.method, request.content_type, request.get_data(cache=True), max_bytes
    )


def _finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.request_id
    response.headers.update(security_headers(request.path))
    duration_ms = (time.perf_counter() - g.started) * 1000
    log_request(request.method, request.path, response.status_code, duration_ms, g.request_id)
    return response
