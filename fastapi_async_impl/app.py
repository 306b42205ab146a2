"""The async FastAPI application factory (served by uvicorn:
`fastapi_async_impl.app:create_app --factory`): wiring only.

The same app as fastapi_impl — its middleware, body checks, route class, error handlers and
OpenAPI wiring — with `async def` routes and an asynchronous Database (aiosqlite, asyncpg), whose
services run through `core.bridge.call`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from core.bridge import call
from core.runtime import bootstrap_admin, build_runtime
from core.settings import Settings, get_settings
from fastapi_async_impl.routes import auth, orders, products, service, users
from fastapi_impl.app import assemble


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    runtime = build_runtime(settings, asynchronous=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The asynchronous database can only be used once the event loop runs.
        await call(bootstrap_admin, runtime)
        yield

    return assemble(runtime, [m.router for m in (service, auth, users, products, orders)], lifespan)
