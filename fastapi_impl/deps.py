"""What a route gets besides its validated inputs: the runtime, the caller, and the types of its
path ids and headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel

from core.auth import Principal
from core.ids import MAX_ID
from core.runtime import Runtime
from core.schemas import IdempotencyKey
from core.services import users
from fastapi_impl.openapi import operation_id

REQUEST_ID_KEY = "shop.request_id"  # the request's id in the ASGI scope, set by the middleware

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
    return users.authenticate(
        request.headers.get("Authorization"),
        operation_id=operation_id(request.scope["route"]),
        db=rt.db,
        tokens=rt.tokens,
    )


def admin_principal(actor: Annotated[Principal, Depends(current_principal)]) -> Principal:
    return users.require_admin(actor)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
AdminDep = Annotated[Principal, Depends(admin_principal)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
IfMatchHeader = Annotated[str | None, Header(alias="If-Match")]
IfNoneMatchHeader = Annotated[str | None, Header(alias="If-None-Match")]
IdempotencyKeyHeader = Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")]


def json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """The core's already-validated model as JSON. Returning a model instead would make FastAPI
    validate it again against `response_model`, in one more threadpool hop for a sync endpoint
    (about 15% of a product read); the route's `response_model` still documents it."""
    return Response(model.model_dump_json(), status, headers, media_type="application/json")
