"""Every error becomes the contract's JSON answer here (built by core.http.errors), registered on
the app. FastAPI's own `{"detail": ...}` bodies must not leak, so its validation error and
Starlette's HTTPException get handlers too; the middleware sends the 500 for anything else."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from core.errors import DomainError, InvalidInput, details_from_pydantic
from core.http import errors
from core.http.errors import ErrorAnswer
from fastapi_impl.deps import REQUEST_ID_KEY

# FastAPI prefixes each error location with where the value came from.
LOCATION_HEADS = ("body", "query", "header", "path")


def error_response(error: DomainError, allow: str | None = None) -> Response:
    return _response(errors.answer(error, allow))


def _response(answer: ErrorAnswer) -> Response:
    return Response(answer.body, answer.status, answer.headers, media_type="application/json")


async def handle_domain_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    return error_response(error)


async def handle_validation_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    details = details_from_pydantic(error.errors(), drop_prefix=LOCATION_HEADS)
    return error_response(InvalidInput("Request is invalid", details))


async def handle_http_exception(request: Request, error: Exception) -> Response:
    """What Starlette answers by itself (routing), as the contract's error."""
    assert isinstance(error, StarletteHTTPException)
    domain_error = errors.protocol_error(
        error.status_code,
        method=request.method,
        path=request.url.path,
        request_id=request.scope[REQUEST_ID_KEY],
    )
    allow = _allowed_methods(request) if error.status_code == 405 else None
    return error_response(domain_error, allow)


def _allowed_methods(request: Request) -> str:
    """FastAPI's Allow names only the first route that matched the path; a path served by
    several routes (GET and POST /v1/products) must list the methods of all of them, and a
    route outside the API (/openapi.json, /metrics) its own."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if getattr(route, "methods", None) and route.path_regex.match(request.url.path):
            methods.update(route.methods)
    return ", ".join(sorted(methods))


async def send_unexpected_error(error: Exception, scope: Scope, request_id: str, send: Send) -> None:
    """The 500 for an exception nothing else handled (logged with its trace), sent as raw ASGI
    messages: it is answered in the middleware, outside Starlette's exception handling."""
    answer = errors.unexpected_error(error, method=scope["method"], path=scope["path"], request_id=request_id)
    response = _response(answer)
    await send({"type": "http.response.start", "status": answer.status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, handle_domain_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
