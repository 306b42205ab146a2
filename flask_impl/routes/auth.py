"""Registration and tokens."""

from __future__ import annotations

from flask import Blueprint, Response

from core.schemas import TokenPublic, TokenRequest, UserPublic, UserRegister
from core.services import users
from flask_impl.deps import endpoint, json_response, runtime

bp = Blueprint("auth", __name__, url_prefix="/v1/auth")


@bp.post("/register")
@endpoint("public", body=UserRegister, response=UserPublic, status=201)
def register_user(data: UserRegister) -> Response:
    rt = runtime()
    user = users.register_user(data, db=rt.db, passwords=rt.passwords)
    return json_response(user, 201, {"Location": f"/v1/users/{user.id}"})


@bp.post("/token")
@endpoint("public", body=TokenRequest, response=TokenPublic)
def issue_token(data: TokenRequest) -> Response:
    rt = runtime()
    return json_response(users.issue_token(data, db=rt.db, passwords=rt.passwords, tokens=rt.tokens))
