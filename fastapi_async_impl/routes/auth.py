"""Registration and tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from core.bridge import call
from core.schemas import TokenPublic, TokenRequest, UserPublic, UserRegister
from core.services import users
from fastapi_impl.deps import json_response, runtime
from fastapi_impl.routing import ContractRoute

router = APIRouter(prefix="/v1/auth", tags=["auth"], route_class=ContractRoute)


@router.post("/register", status_code=201, response_model=UserPublic)
async def register_user(data: UserRegister, request: Request) -> Response:
    rt = runtime(request)
    user = await call(users.register_user, data, db=rt.db, passwords=rt.passwords)
    return json_response(user, 201, {"Location": f"/v1/users/{user.id}"})


@router.post("/token", response_model=TokenPublic)
async def issue_token(data: TokenRequest, request: Request) -> Response:
    rt = runtime(request)
    return json_response(
        await call(users.issue_token, data, db=rt.db, passwords=rt.passwords, tokens=rt.tokens)
    )
