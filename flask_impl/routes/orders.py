"""Orders: placement with idempotent retries, listing, status changes."""

from __future__ import annotations

from flask import Blueprint, Response

from core.auth import Principal
from core.schemas import IdempotencyKey, OrderCreate, OrderPublic, OrderQuery, OrderStatusUpdate, Page
from core.services import orders
from flask_impl.deps import IDEMPOTENCY_KEY, endpoint, json_response, runtime

bp = Blueprint("orders", __name__, url_prefix="/v1/orders")


@bp.post("")
@endpoint(
    "customer",
    body=OrderCreate,
    headers={"idempotency_key": IDEMPOTENCY_KEY},
    response=OrderPublic,
    status=201,
)
def place_order(data: OrderCreate, actor: Principal, idempotency_key: IdempotencyKey | None) -> Response:
    order = orders.place_order(data, db=runtime().db, actor=actor, idempotency_key=idempotency_key)
    return json_response(order, 201, {"Location": f"/v1/orders/{order.id}"})


@bp.get("")
@endpoint("customer", query=OrderQuery, response=Page[OrderPublic])
def list_orders(query: OrderQuery, actor: Principal) -> Response:
    return json_response(orders.list_orders(query, db=runtime().db, actor=actor))


@bp.get("/<id:order_id>")
@endpoint("customer", response=OrderPublic)
def read_order(order_id: int, actor: Principal) -> Response:
    return json_response(orders.read_order(order_id, db=runtime().db, actor=actor))


@bp.patch("/<id:order_id>")
@endpoint("customer", body=OrderStatusUpdate, response=OrderPublic)
def change_order_status(order_id: int, data: OrderStatusUpdate, actor: Principal) -> Response:
    return json_response(orders.change_order_status(order_id, data, db=runtime().db, actor=actor))
