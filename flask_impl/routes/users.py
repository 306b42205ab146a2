"""The users resource."""

from __future__ import annotations

from flask import Blueprint, Response

from core.schemas import Page, PageQuery, UserPublic, UserUpdate
from core.services import users
from flask_impl.deps import (
    admin_principal,
    current_principal,
    json_response,
    no_content,
    parse_body,
    parse_query,
    runtime,
)
from flask_impl.openapi import operation

bp = Blueprint("users", __name__, url_prefix="/v1/users")


@bp.get("/me")
@operation(response=UserPublic, auth=True)
def read_me() -> Response:
    actor = current_principal()
    return json_response(users.read_user(actor.user_id, db=runtime().db, actor=actor))


@bp.get("")
@operation(query=PageQuery, response=Page[UserPublic], auth=True)
def list_users() -> Response:
    admin_principal()
    return json_response(users.list_users(parse_query(PageQuery), db=runtime().db))


@bp.get("/<id:user_id>")
@operation(response=UserPublic, auth=True)
def read_user(user_id: int) -> Response:
    return json_response(users.read_user(user_id, db=runtime().db, actor=current_principal()))


@bp.patch("/<id:user_id>")
@operation(body=UserUpdate, response=UserPublic, auth=True)
def update_user(user_id: int) -> Response:
    actor = current_principal()
    rt = runtime()
    user = users.update_user(user_id, parse_body(UserUpdate), db=rt.db, actor=actor, passwords=rt.passwords)
    return json_response(user)


@bp.delete("/<id:user_id>")
@operation(status=204, auth=True)
def delete_user(user_id: int) -> Response:
    users.deactivate_user(user_id, db=runtime().db, actor=current_principal())
    return no_content()
