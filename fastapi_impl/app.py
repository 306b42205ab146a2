"""The FastAPI application factory (served by uvicorn: `fastapi_impl.app:create_app --factory`)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import openapi
from core.errors import internal_error_body
from core.logs import log_request, log_unexpected_error
from core.runtime import build_runtime
from core.settings import Settings, get_settings
from core.web import REQUEST_ID_HEADER, Headers, request_id, security_headers
from fastapi_impl.errors import register_error_handlers
from fastapi_impl.routes import auth, orders, products, service, users

_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode()


@cache
def _asgi_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    """Encoded once per header set (ASGI headers are lower-case bytes), not once per request."""
    return [(name.lower().encode(), value.encode()) for name, value in headers]


class RequestContextMiddleware:
    """Pure ASGI middleware: request id, security headers, one log line per request, and the
    500 answer for anything unexpected (logged with its trace and request id)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = next((v for k, v in scope["headers"] if k == _REQUEST_ID_NAME), b"")
        rid = request_id(incoming.decode("latin-1"))
        extra_headers = [(_REQUEST_ID_NAME, rid.encode()), *_asgi_headers(security_headers(scope["path"]))]
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                message["headers"] = [*message.get("headers", []), *extra_headers]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as error:
            log_unexpected_error(error, scope["method"], scope["path"], rid)
            if response_started:
                raise
            await _send_internal_error(send_with_headers)
        duration_ms = (time.perf_counter() - started) * 1000
        log_request(scope["method"], scope["path"], status, duration_ms, rid)


async def _send_internal_error(send: Send) -> None:
    response = JSONResponse(internal_error_body(), status_code=500)
    await send({"type": "http.response.start", "status": 500, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The limiter belongs to the event loop, so it can only be sized once the loop runs.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threadpool_limit
        yield

    app = FastAPI(
        lifespan=lifespan,
        title=openapi.API_TITLE,
        version=openapi.API_VERSION,
        description=openapi.API_DESCRIPTION,
        redirect_slashes=False,
        redoc_url=None,
    )
    app.state.runtime = build_runtime(settings)
    register_error_handlers(app)
    routers = [module.router for module in (service, auth, users, products, orders)]
    app.state.api_routes = [
        route for router in routers for route in router.routes if isinstance(route, APIRoute)
    ]
    # The routers' routes go straight onto the app (each router set their prefix, tags and
    # route class already). `include_router` keeps a node per router since FastAPI 0.137 and
    # resolves through it on every request: 6 µs of a 41 µs /health (fastapi#16159). They go
    # ahead of FastAPI's /openapi.json and /docs routes, which every API request would otherwise
    # be matched against first (no path is shared, so the order changes no answer).
    app.router.routes[:0] = app.state.api_routes
    app.add_middleware(RequestContextMiddleware)
    return app
