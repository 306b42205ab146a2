"""The Flask application factory (served by gunicorn: `flask_impl.app:create_app()`)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any

from flask import Flask, Response
from werkzeug.exceptions import ClientDisconnected, HTTPException
from werkzeug.routing import BaseConverter, Map
from werkzeug.wsgi import get_content_length, get_input_stream

from core.errors import DomainError, MalformedJson, PayloadTooLarge
from core.ids import ID_PATTERN
from core.logs import log_request
from core.runtime import build_runtime
from core.settings import Settings, get_settings
from core.web import BODY_METHODS, REQUEST_ID_HEADER, parse_json_body, request_id, security_headers
from flask_impl import openapi
from flask_impl.deps import EXTENSION_KEY, JSON_BODY_KEY, REQUEST_ID_KEY
from flask_impl.errors import handle_domain_error, register_error_handlers
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

    register_error_handlers(app)
    for blueprint in (service.bp, auth.bp, users.bp, products.bp, orders.bp, openapi.bp):
        app.register_blueprint(blueprint)
    app.wsgi_app = RequestContextMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, app.url_map, settings.max_body_bytes
    )
    return app


class RequestContextMiddleware:
    """Plain WSGI around Flask: request id, security headers, one log line per request, and the
    contract's body checks. Reading the environ directly costs a fraction of what the same work
    costs in Flask's request hooks, and a request without a body (almost every one) skips the
    body checks altogether."""

    def __init__(self, app: WSGIApplication, url_map: Map, max_body_bytes: int) -> None:
        self.app = app
        self.url_map = url_map
        self.max_body_bytes = max_body_bytes

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

        if _has_body(environ) or environ["REQUEST_METHOD"] in BODY_METHODS:
            answer, keep_alive = self._check_body(environ)
            if not keep_alive:
                extra_headers.append(("Connection", "close"))
            if answer is not None:
                return answer(environ, start_with_headers)
        return self.app(environ, start_with_headers)

    def _check_body(self, environ: WSGIEnvironment) -> tuple[Response | None, bool]:
        """The contract's body checks (413, 415, 400) for a request that matches a route, before
        Flask dispatches it (so before authentication); the view finds the parsed body in the
        environ. Returns the error to answer instead, if any, and whether the connection can
        stay open: a body we answer without reading (404, 405, 413) is read and dropped first."""
        stream = get_input_stream(environ)
        try:
            self.url_map.bind_to_environ(environ).match()
        except HTTPException:
            return None, _discard(stream)  # 404/405 come first; Flask answers them
        try:
            if (get_content_length(environ) or 0) > self.max_body_bytes:
                raise PayloadTooLarge()
            # One byte more than allowed, so that a chunked body (no Content-Length) that is too
            # large is a 413 too.
            body: bytes = stream.read(self.max_body_bytes + 1)
            environ[JSON_BODY_KEY] = parse_json_body(
                environ["REQUEST_METHOD"], environ.get("CONTENT_TYPE"), body, self.max_body_bytes
            )
        except DomainError as error:
            return handle_domain_error(error), _discard(stream)
        except ClientDisconnected:
            return handle_domain_error(MalformedJson()), False  # the body ended early
        # Anything in Flask that reads the body after us finds it here.
        environ["wsgi.input"] = io.BytesIO(body)
        return None, True


def _has_body(environ: WSGIEnvironment) -> bool:
    return environ.get("CONTENT_LENGTH", "0") not in ("", "0") or "HTTP_TRANSFER_ENCODING" in environ


def _discard(stream: IO[bytes]) -> bool:
    """Read and drop what is left of a body. Closing a connection with unread data on it makes
    TCP reset it, and the client can lose the answer; reading the rest lets the connection stay
    open. Past DISCARD_LIMIT we stop and close instead. False when something is left unread."""
    discarded = 0
    while discarded <= DISCARD_LIMIT:
        chunk = stream.read(65536)
        if not chunk:
            return True
        discarded += len(chunk)
    return False
