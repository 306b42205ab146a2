"""The users resource."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from core.bridge import call
from core.schemas import Page, PageQuery, UserPublic, UserUpdate
from core.services import users
from fastapi_async_impl.deps import AdminDep, PrincipalDep
from fastapi_impl.deps import PathId, json_response, runtime
from fastapi_impl.routing import ContractRoute

router = APIRouter(prefix="/v1/users", tags=["users"], route_class=ContractRoute)


@router.get("/me", response_model=UserPublic)
async def read_me(actor: PrincipalDep, request: Request) -> Response:
    return json_response(await call(users.read_user, actor.user_id, db=runtime(request).db, actor=actor))


@router.get("", response_model=Page[UserPublic])
async def list_users(_: AdminDep, query: Annotated[PageQuery, Query()], request: Request) -> Response:
    return json_response(await call(users.list_users, query, db=runtime(request).db))


@router.get("/{user_id:id}", response_model=UserPublic)
async def read_user(user_id: PathId, actor: PrincipalDep, request: Request) -> Response:
    return json_response(await call(users.read_user, user_id, db=runtime(request).db, actor=actor))


@router.patch("/{user_id:id}", response_model=UserPublic)
async def update_user(user_id: PathId, data: UserUpdate, actor: PrincipalDep, request: Request) -> Response:
    rt = runtime(request)
    return json_response(
        await call(users.update_user, user_id, data, db=rt.db, actor=actor, passwords=rt.passwords)
    )


@router.delete("/{user_id:id}", status_code=204, response_class=Response)
async def delete_user(user_id: PathId, actor: PrincipalDep, request: Request) -> None:
    await call(users.deactivate_user, user_id, db=runtime(request).db, actor=actor)
