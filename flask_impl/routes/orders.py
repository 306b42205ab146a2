"""Orders: placement with idempotent retries, listing, status changes."""

from __future__ import annotations

from flask import Blueprint, Response

from core.schemas import OrderCreate, OrderPublic, OrderQuery, OrderStatusUpdate, Page
from core.services import orders
from flask_impl.deps import Input, current_principal, json_response, parse_body, parse_query, runtime
from flask_impl.openapi import IDEMPOTENCY_KEY, operation

bp = Blueprint("orders", __name__, url_prefix="/v1/orders")


@bp.post("")
@operation(body=OrderCreate, response=OrderPublic, status=201, headers=[IDEMPOTENCY_KEY], auth=True)
def place_order() -> Response:
    actor = current_principal()
    parsed = Input()
    data = parsed.body(OrderCreate)
    key = parsed.header(IDEMPOTENCY_KEY.name, IDEMPOTENCY_KEY.adapter)
    parsed.check()
    order = orders.place_order(data, db=runtime().db, actor=actor, idempotency_key=key)
    return json_response(order, 201, {"Location": f"/v1/orders/{order.id}"})


@bp.get("")
@operation(query=OrderQuery, response=Page[OrderPublic], auth=True)
def list_orders() -> Response:
    actor = current_principal()
    return json_response(orders.list_orders(parse_query(OrderQuery), db=runtime().db, actor=actor))


@bp.get("/<id:order_id>")
@operation(response=OrderPublic, auth=True)
def read_order(order_id: int) -> Response:
    return json_response(orders.read_order(order_id, db=runtime().db, actor=current_principal()))


@bp.patch("/<id:order_id>")
@operation(body=OrderStatusUpdate, response=OrderPublic, auth=True)
def change_order_status(order_id: int) -> Response:
    actor = current_principal()
    data = parse_body(OrderStatusUpdate)
    return json_response(orders.change_order_status(order_id, data, db=runtime().db, actor=actor))
