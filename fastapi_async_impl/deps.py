"""The caller, found without a threadpool: the async counterparts of fastapi_impl's principal
dependencies (FastAPI runs a plain `def` dependency in its threadpool). Everything else a route
gets comes from fastapi_impl/deps.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.auth import Principal
from core.bridge import call
from core.services import users
from fastapi_impl.deps import bearer_scheme, runtime
from fastapi_impl.openapi import operation_id


async def current_principal(request: Request, _: Annotated[object, Depends(bearer_scheme)]) -> Principal:
    rt = runtime(request)
    return await call(
        users.authenticate,
        request.headers.get("Authorization"),
        operation_id=operation_id(request.scope["route"]),
        db=rt.db,
        tokens=rt.tokens,
    )


async def admin_principal(actor: Annotated[Principal, Depends(current_principal)]) -> Principal:
    return users.require_admin(actor)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
AdminDep = Annotated[Principal, Depends(admin_principal)]
