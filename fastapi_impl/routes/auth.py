"""Registration and tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response

from core.schemas import TokenPublic, TokenRequest, UserPublic, UserRegister
from core.services import users
from fastapi_impl.deps import ContractRoute, RuntimeDep

router = APIRouter(prefix="/v1/auth", tags=["auth"], route_class=ContractRoute)


@router.post("/register", status_code=201)
def register_user(data: UserRegister, rt: RuntimeDep, response: Response) -> UserPublic:
    user = users.register_user(data, db=rt.db, passwords=rt.passwords)
    response.headers["Location"] = f"/v1/users/{user.id}"
    return user


@router.post("/token")
def issue_token(data: TokenRequest, rt: RuntimeDep) -> TokenPublic:
    return users.issue_token(data, db=rt.db, passwords=rt.passwords, tokens=rt.tokens)
