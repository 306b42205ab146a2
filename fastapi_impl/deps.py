"""Dependencies: the runtime, the caller, and the contract's body checks."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from pydantic import BaseModel
from starlette.convertors import Convertor, register_url_convertor

from core import openapi
from core.auth import Principal
from core.errors import PayloadTooLarge
from core.ids import ID_PATTERN, MAX_ID
from core.runtime import Runtime
from core.schemas import ErrorBody
from core.services import users
from core.web import BODY_METHODS, parse_json_body


class IdConvertor(Convertor[int]):
    """Only canonical positive 64-bit ids match; anything else is an unknown route (404)."""

    regex = ID_PATTERN

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


# Registered before any router is built: routes use it as `{product_id:id}`.
register_url_convertor("id", IdConvertor())

# A request with either header has a body (ASGI header names are lower-case bytes).
_BODY_HEADERS = (b"content-length", b"transfer-encoding")

# Documents the scheme in OpenAPI; the token itself is read and checked by core.
bearer_scheme = HTTPBearer(bearerFormat="JWT", auto_error=False)


def runtime(request: Request) -> Runtime:
    """The app's runtime, as flask_impl's `runtime()`. Routes take the `Request`, which FastAPI
    hands over for free, rather than a dependency: FastAPI solves each dependency on every
    request (a quarter of a product read's cost beyond the floor's)."""
    rt: Runtime = request.app.state.runtime
    return rt


def current_principal(request: Request, _: Annotated[object, Depends(bearer_scheme)]) -> Principal:
    rt = runtime(request)
    return users.authenticate(request.headers.get("Authorization"), db=rt.db, tokens=rt.tokens)


def admin_principal(actor: Annotated[Principal, Depends(current_principal)]) -> Principal:
    return users.require_admin(actor)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
AdminDep = Annotated[Principal, Depends(admin_principal)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ContractRoute(APIRoute):
    """Every route of this front end. It documents the operation's error responses (from
    core.openapi, by the endpoint's name) and runs the contract's body checks (413, 415, 400)
    after routing and before dependencies, so they win over authentication and validation as
    the contract orders them. FastAPI alone would treat a body without Content-Type as JSON
    and answer bad JSON with a 422."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["responses"] = {**documented_responses(endpoint.__name__), **(kwargs.get("responses") or {})}
        kwargs["generate_unique_id_function"] = operation_id
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked_handler(request: Request) -> Response:
            # The raw header list, not `request.headers`: this runs on every request, and
            # almost none has a body.
            if request.method in BODY_METHODS or any(
                name in _BODY_HEADERS for name, _ in request.scope["headers"]
            ):
                max_bytes = runtime(request).settings.max_body_bytes
                body = await read_body(request, max_bytes)
                content_type = request.headers.get("content-type")
                parsed = parse_json_body(request.method, content_type, body, max_bytes)
                if parsed is not None:
                    # Starlette caches the parsed body here; FastAPI then reads it instead of parsing again.
                    request._json = parsed
            return await handler(request)

        return checked_handler


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The body, read no further than one byte past the limit: uvicorn has no limit of its own,
    and `request.body()` would buffer a body of any size before its 413."""
    if int(request.headers.get("content-length", 0)) > max_bytes:
        raise PayloadTooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge()
    # FastAPI reads the body again with request.body(); Starlette caches it here.
    request._body = bytes(body)
    return request._body


def json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """The core's already-validated model as JSON. Returning a model instead would make FastAPI
    validate it again against `response_model`, in one more threadpool hop for a sync endpoint
    (about 15% of a product read); the route's `response_model` still documents it."""
    return Response(model.model_dump_json(), status, headers, media_type="application/json")


def operation_id(route: APIRoute) -> str:
    """The endpoint's name, as Flask's operation ids are its view names."""
    return route.name


def documented_responses(operation_id: str) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"description": openapi.describe(status), **({"model": ErrorBody} if status >= 400 else {})}
        for status in openapi.extra_statuses(operation_id)
    }
