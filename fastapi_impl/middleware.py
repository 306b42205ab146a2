"""Pure ASGI around the app: request id, security headers, one log line and the metrics per
request, and the 500 for anything unexpected (fastapi_impl/errors.py) with those headers too."""

from __future__ import annotations

import time
from functools import cache

from fastapi.routing import APIRoute
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import sqlcount
from core.http.context import (
    REQUEST_ID_HEADER,
    Headers,
    combine_repeated_fields,
    request_id,
    security_headers,
)
from core.logs import log_request
from core.metrics import NO_ROUTE, OTHER_ROUTE, Metrics
from core.sqlcount import SQL_STATEMENTS_HEADER
from core.tracing import tag_request
from fastapi_impl.deps import REQUEST_ID_KEY
from fastapi_impl.errors import send_unexpected_error
from fastapi_impl.openapi import operation_id

_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode()
_SQL_STATEMENTS_NAME = SQL_STATEMENTS_HEADER.lower().encode()


@cache
def _asgi_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    """Encoded once per header set (ASGI headers are lower-case bytes), not once per request."""
    return [(name.lower().encode(), value.encode()) for name, value in headers]


class RequestContextMiddleware:
    def __init__(
        self, app: ASGIApp, count_sql: bool = False, metrics: Metrics | None = None, traced: bool = False
    ) -> None:
        self.app = app
        self.count_sql = count_sql
        self.metrics = metrics
        self.traced = traced  # fastapi_impl/tracing.py: a server span is current here

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        fields = dict(scope["headers"])  # costs what finding the request id in the list did
        if len(fields) < len(scope["headers"]):  # a repeated line
            scope["headers"] = combine_repeated_fields(scope["headers"])
            fields = dict(scope["headers"])
        rid = request_id(fields.get(_REQUEST_ID_NAME, b"").decode("latin-1"))
        scope[REQUEST_ID_KEY] = rid
        extra_headers = [(_REQUEST_ID_NAME, rid.encode()), *_asgi_headers(security_headers(scope["path"]))]
        status = 500
        response_started = False
        if self.traced:
            tag_request(trace.get_current_span(), rid)
        metrics = self.metrics
        if metrics is not None:
            metrics.started()
        if self.count_sql or metrics is not None:
            sqlcount.start()

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                message["headers"] = [*message.get("headers", []), *extra_headers]
                if self.count_sql:
                    message["headers"].append((_SQL_STATEMENTS_NAME, str(sqlcount.statements()).encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as error:
            if response_started:
                raise  # too late to answer; the server closes the connection
            await send_unexpected_error(error, scope, rid, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            log_request(scope["method"], scope["path"], status, seconds * 1000, rid)
            if metrics is not None:
                metrics.finished(_operation(scope), scope["method"], status, seconds)


def _operation(scope: Scope) -> str:
    """The OpenAPI operationId of the route that answered: FastAPI's routes put themselves in the
    scope, other routes (/docs, /metrics) only their endpoint."""
    route = scope.get("route")
    if isinstance(route, APIRoute) and scope["method"] in (route.methods or ()):
        return operation_id(route)
    if route is None and "endpoint" in scope:
        return OTHER_ROUTE
    return NO_ROUTE  # no route, or a 405: the path is known but no operation answers
