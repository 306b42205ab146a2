"""Plain WSGI around Flask: request id, security headers, one log line and the metrics per
request, and the body checks (flask_impl/body.py). Reading the environ directly costs a fraction
of what the same work costs in Flask's request hooks, and a request without a body skips the
body checks altogether."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from werkzeug.routing import Map

from core import sqlcount
from core.http.context import REQUEST_ID_HEADER, request_id, security_headers
from core.logs import log_request
from core.metrics import NO_ROUTE, OTHER_ROUTE, Metrics
from core.sqlcount import SQL_STATEMENTS_HEADER
from flask_impl import body
from flask_impl.deps import REQUEST_ID_KEY

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class RequestContextMiddleware:
    def __init__(
        self,
        app: WSGIApplication,
        url_map: Map,
        max_body_bytes: int,
        count_sql: bool,
        metrics: Metrics | None,
        operations: dict[str, str],
    ) -> None:
        self.app = app
        self.url_map = url_map
        self.max_body_bytes = max_body_bytes
        self.count_sql = count_sql
        self.metrics = metrics
        self.operations = operations  # endpoint name -> OpenAPI operationId

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        environ[REQUEST_ID_KEY] = rid
        # WSGI hands the path over as latin-1; decode it as Werkzeug does for `request.path`.
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        extra_headers = [(REQUEST_ID_HEADER, rid), *security_headers(path)]
        metrics = self.metrics
        if metrics is not None:
            metrics.started()
        if self.count_sql or metrics is not None:
            sqlcount.start()

        def start_with_headers(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> Callable[[bytes], object]:
            seconds = time.perf_counter() - started
            code = int(status[:3])
            log_request(environ["REQUEST_METHOD"], path, code, seconds * 1000, rid)
            if metrics is not None:
                metrics.finished(self._operation(environ), environ["REQUEST_METHOD"], code, seconds)
            if self.count_sql:
                extra_headers.append((SQL_STATEMENTS_HEADER, str(sqlcount.statements())))
            return start_response(status, [*headers, *extra_headers], exc_info)

        if body.needs_check(environ):
            answer, keep_alive = body.check_body(environ, self.url_map, self.max_body_bytes)
            if not keep_alive:
                extra_headers.append(("Connection", "close"))
            if answer is not None:
                return answer(environ, start_with_headers)
        return self.app(environ, start_with_headers)

    def _operation(self, environ: WSGIEnvironment) -> str:
        endpoint = environ.get(body.MATCHED_ENDPOINT_KEY)
        if endpoint is None:
            request = environ.get("werkzeug.request")  # Flask's request, once it matched the URL
            rule = request.url_rule if request is not None else None
            if rule is None:
                return NO_ROUTE
            endpoint = rule.endpoint
        return self.operations.get(endpoint, OTHER_ROUTE)
