"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from core.bridge import call
from core.schemas import Status
from fastapi_impl.deps import json_response, runtime
from fastapi_impl.routing import ContractRoute

router = APIRouter(tags=["service"], route_class=ContractRoute)

# One response for every call, as in flask_impl: its bytes never change, the middleware adds its
# headers to the outgoing message rather than to the response, and FastAPI only hands a returned
# response the route's background tasks (none here).
OK = json_response(Status())


@router.get("/health", response_model=Status)
async def health() -> Response:
    # async: touches no database, so it needs no threadpool.
    return OK


@router.get("/ready", response_model=Status)
async def ready(request: Request) -> Response:
    await call(runtime(request).db.ping)
    return OK
