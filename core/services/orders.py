"""Orders: placement in one transaction, idempotent retries, status transitions."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import exc, select
from sqlalchemy.orm import Session

from core.auth import Principal, forbidden
from core.db import Database
from core.errors import (
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidStatusTransition,
    NotFound,
    invalid_fields,
)
from core.models import IdempotencyRecord, Order, OrderItem, Product
from core.pagination import decode_cursor, make_page
from core.schemas import OrderCreate, OrderPublic, OrderQuery, OrderStatusUpdate, Page

# (from, to) -> may the owner make it? An admin may make every listed transition.
TRANSITIONS: dict[tuple[str, str], bool] = {
    ("pending", "paid"): True,
    ("pending", "cancelled"): True,
    ("paid", "shipped"): False,
    ("paid", "cancelled"): False,
}


def place_order(
    data: OrderCreate, *, db: Database, actor: Principal, idempotency_key: str | None = None
) -> OrderPublic:
    """Check and take stock for every item, snapshot prices and total, all or nothing.

    With an Idempotency-Key, a repeat of a successful request returns the first answer; the
    record is written in the same transaction, so only a committed order is remembered.
    """
    product_ids = [item.product_id for item in data.items]
    with db.write() as session:
        _check_products_exist(session, product_ids)
        record = None
        if idempotency_key is not None:
            replay, record = _claim_idempotency_key(session, actor.user_id, idempotency_key, data)
            if replay is not None:
                return replay
        # Lock rows in id order so concurrent orders cannot deadlock each other.
        statement = select(Product).where(Product.id.in_(product_ids)).order_by(Product.id)
        products = {product.id: product for product in session.scalars(statement.with_for_update())}
        short = [
            f"items.{index}.quantity"
            for index, item in enumerate(data.items)
            if products[item.product_id].stock < item.quantity
        ]
        if short:
            raise InsufficientStock(
                details=[{"field": field, "message": "not enough stock"} for field in short]
            )
        order = Order(user_id=actor.user_id, status="pending", total_cents=0)
        for position, item in enumerate(data.items):
            product = products[item.product_id]
            product.stock -= item.quantity
            product.version += 1
            order.items.append(
                OrderItem(
                    position=position,
                    product_id=product.id,
                    quantity=item.quantity,
                    unit_price_cents=product.price_cents,
                )
            )
            order.total_cents += item.quantity * product.price_cents
        session.add(order)
        session.flush()
        placed = OrderPublic.model_validate(order)
        if record is not None:
            record.response_body = placed.model_dump_json()
        return placed


def read_order(order_id: int, *, db: Database, actor: Principal) -> OrderPublic:
    with db.read() as session:
        return OrderPublic.model_validate(_visible_order(session, order_id, actor))


def list_orders(query: OrderQuery, *, db: Database, actor: Principal) -> Page[OrderPublic]:
    """Newest first. Customers see their own orders; an admin sees all and may filter by user."""
    after = decode_cursor(query.cursor)
    if query.user_id is not None and not actor.is_admin:
        raise forbidden(actor, "Only an admin may filter by user_id")
    statement = select(Order).order_by(Order.id.desc()).limit(query.limit + 1)
    if after is not None:
        statement = statement.where(Order.id < after)
    owner = actor.user_id if not actor.is_admin else query.user_id
    if owner is not None:
        statement = statement.where(Order.user_id == owner)
    if query.status is not None:
        statement = statement.where(Order.status == query.status)
    with db.read() as session:
        orders = [OrderPublic.model_validate(order) for order in session.scalars(statement)]
    return make_page(orders, query.limit)


def change_order_status(
    order_id: int, data: OrderStatusUpdate, *, db: Database, actor: Principal
) -> OrderPublic:
    """Move an order along its lifecycle; cancelling puts the stock back."""
    with db.write() as session:
        order = _visible_order(session, order_id, actor, lock=True)
        owner_may = TRANSITIONS.get((order.status, data.status))
        if owner_may is None:
            raise InvalidStatusTransition(f"An order cannot go from {order.status} to {data.status}")
        if not owner_may and not actor.is_admin:
            raise forbidden(actor, f"Only an admin may move an order from {order.status} to {data.status}")
        if data.status == "cancelled":
            _restock(session, order)
        order.status = data.status
        session.flush()
        return OrderPublic.model_validate(order)


def _check_products_exist(session: Session, product_ids: list[int]) -> None:
    """422 naming each repeated product after its first use, and each unknown product."""
    seen: set[int] = set()
    bad: list[str] = []
    existing = set(session.scalars(select(Product.id).where(Product.id.in_(product_ids))))
    for index, product_id in enumerate(product_ids):
        if product_id in seen or product_id not in existing:
            bad.append(f"items.{index}.product_id")
        seen.add(product_id)
    if bad:
        raise invalid_fields(bad, "unknown or repeated product")


def _claim_idempotency_key(
    session: Session, user_id: int, key: str, data: OrderCreate
) -> tuple[OrderPublic | None, IdempotencyRecord | None]:
    """Return (first answer, None) for a replay, or (None, new record) for a first use.

    The insert runs in a savepoint: when a concurrent request holds the same key, PostgreSQL
    makes this insert wait for it, and a unique violation then means it committed first.
    """
    request_hash = _request_hash(data)
    existing = _find_record(session, user_id, key)
    if existing is None:
        record = IdempotencyRecord(user_id=user_id, key=key, request_hash=request_hash)
        try:
            with session.begin_nested():
                session.add(record)
            return None, record
        except exc.IntegrityError:
            existing = _find_record(session, user_id, key)
            if existing is None:
                raise
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return OrderPublic.model_validate_json(existing.response_body), None


def _find_record(session: Session, user_id: int, key: str) -> IdempotencyRecord | None:
    statement = select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
    )
    return session.scalars(statement).one_or_none()


def _request_hash(data: OrderCreate) -> str:
    """Same JSON value, same hash: key order and spacing of the request do not matter."""
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _restock(session: Session, order: Order) -> None:
    product_ids = sorted(item.product_id for item in order.items)
    statement = select(Product).where(Product.id.in_(product_ids)).order_by(Product.id).with_for_update()
    products = {product.id: product for product in session.scalars(statement)}
    for item in order.items:
        products[item.product_id].stock += item.quantity
        products[item.product_id].version += 1


def _visible_order(session: Session, order_id: int, actor: Principal, *, lock: bool = False) -> Order:
    """Owner or admin; anyone else gets 404, so ids of others' orders reveal nothing."""
    order = session.get(Order, order_id, with_for_update=lock)
    if order is None or (order.user_id != actor.user_id and not actor.is_admin):
        raise NotFound()
    return order
