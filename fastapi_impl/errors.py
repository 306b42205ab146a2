"""Every error becomes the contract's JSON body here, in one place, registered on the app.

FastAPI's own `{"detail": ...}` bodies must not leak, so its validation error and Starlette's
HTTPException get handlers too. Unexpected exceptions are answered by the middleware in app.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import (
    DomainError,
    InvalidInput,
    MalformedJson,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    details_from_pydantic,
    internal_error_body,
)

# What Starlette raises itself (routing); anything else from it is a 500 for us.
STARLETTE_ERRORS: dict[int, type[DomainError]] = {
    400: MalformedJson,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}
# FastAPI prefixes each error location with where the value came from.
LOCATION_HEADS = ("body", "query", "header", "path")


def json_error(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


async def handle_domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return json_error(error.status, error.body(), headers)


async def handle_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    details = details_from_pydantic(error.errors(), drop_prefix=LOCATION_HEADS)
    return await handle_domain_error(request, InvalidInput("Request is invalid", details))


async def handle_http_exception(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    domain_error = STARLETTE_ERRORS.get(error.status_code)
    if domain_error is None:
        return json_error(500, internal_error_body())
    headers = {"Allow": _allowed_methods(request)} if error.status_code == 405 else None
    return json_error(domain_error.status, domain_error().body(), headers)


def _allowed_methods(request: Request) -> str:
    """FastAPI's Allow names only the first route that matched the path; a path served by
    several routes (GET and POST /v1/products) must list the methods of all of them."""
    methods: set[str] = set()
    for route in request.app.state.api_routes:
        if route.path_regex.match(request.url.path):
            methods.update(route.methods)
    return ", ".join(sorted(methods))


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, handle_domain_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
