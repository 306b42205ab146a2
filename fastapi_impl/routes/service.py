"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Response

from core.schemas import Status
from fastapi_impl.deps import ContractRoute, RuntimeDep, json_response

router = APIRouter(tags=["service"], route_class=ContractRoute)


@router.get("/health", response_model=Status)
async def health() -> Response:
    # async: touches no database, so it needs no threadpool.
    return json_response(Status())


@router.get("/ready", response_model=Status)
def ready(rt: RuntimeDep) -> Response:
    rt.db.ping()
    return json_response(Status())
