"""The users resource."""

from __future__ import annotations

from flask import Blueprint, Response

from core.auth import Principal
from core.schemas import Page, PageQuery, UserPublic, UserUpdate
from core.services import users
from flask_impl.deps import endpoint, json_response, no_content, runtime

bp = Blueprint("users", __name__, url_prefix="/v1/users")


@bp.get("/me")
@endpoint("customer", response=UserPublic)
def read_me(actor: Principal) -> Response:
    return json_response(users.read_user(actor.user_id, db=runtime().db, actor=actor))


@bp.get("")
@endpoint("admin", query=PageQuery, response=Page[UserPublic])
def list_users(query: PageQuery) -> Response:
    return json_response(users.list_users(query, db=runtime().db))


@bp.get("/<id:user_id>")
@endpoint("customer", response=UserPublic)
def read_user(user_id: int, actor: Principal) -> Response:
    return json_response(users.read_user(user_id, db=runtime().db, actor=actor))


@bp.patch("/<id:user_id>")
@endpoint("customer", body=UserUpdate, response=UserPublic)
def update_user(user_id: int, data: UserUpdate, actor: Principal) -> Response:
    rt = runtime()
    return json_response(users.update_user(user_id, data, db=rt.db, actor=actor, passwords=rt.passwords))


@bp.delete("/<id:user_id>")
@endpoint("customer", status=204)
def delete_user(user_id: int, actor: Principal) -> Response:
    users.deactivate_user(user_id, db=runtime().db, actor=actor)
    return no_content()
