"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from core.schemas import Status
from fastapi_impl.deps import ContractRoute, RuntimeDep

router = APIRouter(tags=["service"], route_class=ContractRoute)


@router.get("/health")
async def health() -> Status:
    # async: touches no database, so it needs no threadpool.
    return Status()


@router.get("/ready")
def ready(rt: RuntimeDep) -> Status:
    rt.db.ping()
    return Status()
