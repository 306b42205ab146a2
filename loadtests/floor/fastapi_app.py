"""Floor app for FastAPI: GET /hello and GET /products/{id} (see loadtests/floor/__init__.py).

The routes are FastAPI routes (a bare Starlette route would measure Starlette, not FastAPI), but
take only the `Request`: the path id comes from Starlette's `int` convertor, with no parameter
validation. `/hello` is `async def` (no threadpool hop), the product read a sync `def` in the
threadpool, sized from THREADPOOL_LIMIT as the implementation sizes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request, Response

from loadtests.floor import HELLO, JSON, NOT_FOUND, database, read_product_json, threadpool_limit


def create_app() -> FastAPI:
    db = database()
    limit = threadpool_limit()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = limit
        yield

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/hello")
    async def hello() -> Response:
        return Response(HELLO, media_type=JSON)

    @app.get("/products/{product_id:int}")
    def read_product(request: Request) -> Response:
        body = read_product_json(db, request.path_params["product_id"])
        if body is None:
            return Response(NOT_FOUND, 404, media_type=JSON)
        return Response(body, media_type=JSON)

    return app
