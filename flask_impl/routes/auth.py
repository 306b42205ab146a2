"""Registration and tokens."""

from __future__ import annotations

from flask import Blueprint, Response

from core.schemas import TokenPublic, TokenRequest, UserPublic, UserRegister
from core.services import users
from flask_impl.deps import json_response, parse_body, runtime
from flask_impl.openapi import operation

bp = Blueprint("auth", __name__, url_prefix="/v1/auth")


@bp.post("/register")
@operation(body=UserRegister, response=UserPublic, status=201)
def register_user() -> Response:
    rt = runtime()
    user = users.register_user(parse_body(UserRegister), db=rt.db, passwords=rt.passwords)
    return json_response(user, 201, {"Location": f"/v1/users/{user.id}"})


@bp.post("/token")
@operation(body=TokenRequest, response=TokenPublic)
def issue_token() -> Response:
    rt = runtime()
    token = users.issue_token(parse_body(TokenRequest), db=rt.db, passwords=rt.passwords, tokens=rt.tokens)
    return json_response(token)
