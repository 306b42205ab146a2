"""The Flask application factory (served by gunicorn: `flask_impl.app:create_app()`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, g, request
from werkzeug.routing import BaseConverter

from core.errors import PayloadTooLarge
from core.ids import ID_PATTERN
from core.logs import log_request
from core.runtime import build_runtime
from core.settings import Settings, get_settings
from core.web import BODY_METHODS, REQUEST_ID_HEADER, parse_json_body, request_id, security_headers
from flask_impl import openapi
from flask_impl.deps import EXTENSION_KEY, REQUEST_ID_KEY, runtime
from flask_impl.errors import register_error_handlers
from flask_impl.routes import auth, orders, products, service, users

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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

    app.before_request(_check_body)
    app.after_request(_close_on_unread_body)
    register_error_handlers(app)
    for blueprint in (service.bp, auth.bp, users.bp, products.bp, orders.bp, openapi.bp):
        app.register_blueprint(blueprint)
    app.wsgi_app = RequestContextMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app


class RequestContextMiddleware:
    """Plain WSGI around Flask: request id, security headers and one log line per request (the
    same job as fastapi_impl's ASGI middleware). Reading the environ directly costs a fraction
    of what the same work costs in Flask's request hooks."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        environ[REQUEST_ID_KEY] = rid
        # WSGI hands the path over as latin-1; decode it as Werkzeug does for `request.path`.
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        extra_headers = [(REQUEST_ID_HEADER, rid), *security_headers(path)]

        def start_with_headers(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> Callable[[bytes], object]:
            duration_ms = (time.perf_counter() - started) * 1000
            log_request(environ["REQUEST_METHOD"], path, int(status[:3]), duration_ms, rid)
            return start_response(status, [*headers, *extra_headers], exc_info)

        return self.app(environ, start_with_headers)


def _check_body() -> None:
    """The contract's body checks (413, 415, 400) for every matched route, before its handler."""
    environ = request.environ
    has_body = _has_body(environ)
    if not has_body and environ["REQUEST_METHOD"] not in BODY_METHODS:
        return  # nothing to check (most requests: this hook runs on every one)
    if request.routing_exception is not None:
        return  # 404/405 come first; Flask raises them when it dispatches
    max_bytes = runtime().settings.max_body_bytes
    body = _read_body(max_bytes) if has_body else b""
    g.json_body = parse_json_body(request.method, request.content_type, body, max_bytes)


def _has_body(environ: WSGIEnvironment) -> bool:
    return environ.get("CONTENT_LENGTH", "0") not in ("", "0") or "HTTP_TRANSFER_ENCODING" in environ


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


def _close_on_unread_body(response: Response) -> Response:
    if _has_body(request.environ) and not g.get("body_read") and not _discard_rest_of_body():
        response.headers["Connection"] = "close"
    return response
