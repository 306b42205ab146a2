"""Deliberately broken front ends, to show that the runner refuses to measure them.

`BENCH_SABOTAGE=1 make bench` serves these instead of the real apps: GET /v1/products/{id}
answers with the NEXT product. Nothing else changes, so only verification can tell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from fastapi_impl.app import create_app as create_fastapi_app
from flask_impl.app import create_app as create_flask_app

PRODUCT_PATH = re.compile(r"^/v1/products/(\d+)$")


def _next_product(path: str) -> str:
    match = PRODUCT_PATH.match(path)
    return f"/v1/products/{int(match[1]) + 1}" if match else path


def flask_app() -> Any:
    app = create_flask_app()
    wsgi_app = app.wsgi_app

    def off_by_one(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["PATH_INFO"] = _next_product(environ["PATH_INFO"])
        return wsgi_app(environ, start_response)

    app.wsgi_app = off_by_one  # type: ignore[method-assign]
    return app


def fastapi_app() -> ASGIApp:
    app = create_fastapi_app()

    async def off_by_one(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "path": _next_product(scope["path"])}
        await app(scope, receive, send)

    return off_by_one
