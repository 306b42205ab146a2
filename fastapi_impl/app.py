"""The FastAPI application factory (served by uvicorn: `fastapi_impl.app:create_app --factory`):
wiring only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from core.runtime import Runtime, build_runtime
from core.settings import Settings, get_settings
from fastapi_impl import tracing
from fastapi_impl.errors import register_error_handlers
from fastapi_impl.metrics import add_metrics_route
from fastapi_impl.middleware import RequestContextMiddleware
from fastapi_impl.openapi import APP_DOCUMENT, pages
from fastapi_impl.routes import auth, orders, products, service, users

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The limiter belongs to the event loop, so it can only be sized once the loop runs.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threadpool_limit
        yield

    routers = [module.router for module in (service, auth, users, products, orders)]
    return assemble(build_runtime(settings), routers, lifespan)


def assemble(runtime: Runtime, routers: list[APIRouter], lifespan: Lifespan) -> FastAPI:
    """The app around its routers: shared with fastapi_async_impl, which brings async routers."""
    app = FastAPI(lifespan=lifespan, redirect_slashes=False, **APP_DOCUMENT)
    app.state.runtime = runtime
    register_error_handlers(app)
    app.state.api_routes = [
        route for router in (*routers, pages) for route in router.routes if isinstance(route, APIRoute)
    ]
    # The routers' routes go straight onto the app (each router set their prefix, tags and
    # route class already). `include_router` keeps a node per router since FastAPI 0.137 and
    # resolves through it on every request: 6 µs of a 41 µs /health (fastapi#16159). They go
    # ahead of FastAPI's /openapi.json route, which every API request would otherwise be matched
    # against first (no path is shared, so the order changes no answer). The documentation
    # pages (`pages`) come with them, so that their 405 names their methods in Allow.
    app.router.routes[:0] = app.state.api_routes
    if runtime.metrics is not None:
        add_metrics_route(app, runtime.metrics)
    app.add_middleware(
        RequestContextMiddleware,
        count_sql=runtime.settings.sql_count_header,
        metrics=runtime.metrics,
        traced=runtime.tracer_provider is not None,
    )
    if runtime.tracer_provider is not None:
        tracing.instrument(app, runtime.tracer_provider)
    return app
