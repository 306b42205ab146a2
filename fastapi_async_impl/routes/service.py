"""Liveness and readiness: `/health` is fastapi_impl's own route function (already async, it
touches no database); `/ready` pings the database through the bridge."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from core.bridge import call
from core.schemas import Status
from fastapi_impl.deps import runtime
from fastapi_impl.routes.service import OK, health
from fastapi_impl.routing import ContractRoute

router = APIRouter(tags=["service"], route_class=ContractRoute)
router.get("/health", response_model=Status)(health)


@router.get("/ready", response_model=Status)
async def ready(request: Request) -> Response:
    await call(runtime(request).db.ping)
    return OK
