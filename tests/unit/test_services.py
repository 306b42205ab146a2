"""Business rules of the services, without HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.auth import Passwords, Principal, Tokens
from core.db import Database
from core.errors import (
    EmailTaken,
    Forbidden,
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidCredentials,
    InvalidInput,
    InvalidStatusTransition,
    NotFound,
    PreconditionFailed,
    ProductInUse,
    Unauthorized,
)
from core.etags import IfMatch
from core.models import IdempotencyRecord, Order
from core.schemas import (
    OrderCreate,
    OrderQuery,
    OrderStatusUpdate,
    PageQuery,
    ProductCreate,
    ProductQuery,
    ProductUpdate,
    TokenRequest,
    UserRegister,
    UserUpdate,
)
from core.services import orders, products, users


def _customer(db: Database, passwords: Passwords, email: str = "Buyer@Example.com ") -> Principal:
    data = UserRegister.model_validate({"email": email, "password": "password123", "name": "  Buyer "})
    user = users.register_user(data, db=db, passwords=passwords)
    return Principal(user_id=user.id, role=user.role)


def _product(db: Database, stock: int = 10, price_cents: int = 250, name: str = "Widget") -> int:
    data = ProductCreate(name=name, price_cents=price_cents, stock=stock)
    return products.create_product(data, db=db).id


def _order(*items: tuple[int, int]) -> OrderCreate:
    return OrderCreate.model_validate({"items": [{"product_id": p, "quantity": q} for p, q in items]})


def _count(db: Database, model: type[Order] | type[IdempotencyRecord]) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_registration_trims_and_lowercases_and_rejects_a_taken_email(
    db: Database, passwords: Passwords
) -> None:
    actor = _customer(db, passwords)
    me = users.read_user(actor.user_id, db=db, actor=actor)
    assert (me.email, me.name, me.role) == ("buyer@example.com", "Buyer", "customer")
    with pytest.raises(EmailTaken):
        _customer(db, passwords, email="BUYER@example.com")


def test_login_gives_one_answer_for_every_failure(db: Database, passwords: Passwords, tokens: Tokens) -> None:
    actor = _customer(db, passwords)
    good = TokenRequest(email="buyer@example.com", password="password123")
    token = users.issue_token(good, db=db, passwords=passwords, tokens=tokens)
    assert (
        users.authenticate(f"Bearer {token.access_token}", operation_id="read_me", db=db, tokens=tokens)
        == actor
    )
    for bad in (
        TokenRequest(email="buyer@example.com", password="wrong-password"),
        TokenRequest(email="nobody@example.com", password="password123"),
    ):
        with pytest.raises(InvalidCredentials):
            users.issue_token(bad, db=db, passwords=passwords, tokens=tokens)
    users.deactivate_user(actor.user_id, db=db, actor=actor)
    with pytest.raises(InvalidCredentials):
        users.issue_token(good, db=db, passwords=passwords, tokens=tokens)
    with pytest.raises(Unauthorized):
        users.authenticate(f"Bearer {token.access_token}", operation_id="read_me", db=db, tokens=tokens)


def test_only_an_admin_may_change_a_role(db: Database, passwords: Passwords, admin: Principal) -> None:
    actor = _customer(db, passwords)
    with pytest.raises(Forbidden):
        users.update_user(actor.user_id, UserUpdate(role="admin"), db=db, actor=actor, passwords=passwords)
    other = _customer(db, passwords, email="other@example.com")
    with pytest.raises(NotFound):
        users.update_user(other.user_id, UserUpdate(name="x"), db=db, actor=actor, passwords=passwords)
    promoted = users.update_user(
        actor.user_id, UserUpdate(role="admin"), db=db, actor=admin, passwords=passwords
    )
    assert promoted.role == "admin"


def test_ensure_admin_creates_the_admin_once(db: Database, passwords: Passwords) -> None:
    for _ in range(2):
        users.ensure_admin(" Boss@Example.com", "admin-password", "Admin", db=db, passwords=passwords)
    page = users.list_users(PageQuery(), db=db)
    assert [(u.email, u.role) for u in page.items] == [("boss@example.com", "admin")]


def test_every_product_write_bumps_the_version_and_if_match_guards_it(db: Database) -> None:
    product_id = _product(db)
    assert products.read_product(product_id, db=db).version == 1
    same = ProductUpdate()
    assert products.update_product(product_id, same, db=db, if_match=IfMatch(frozenset({'"1"'}))).version == 2
    with pytest.raises(PreconditionFailed):
        products.update_product(
            product_id, ProductUpdate(stock=1), db=db, if_match=IfMatch(frozenset({'"1"'}))
        )
    assert products.read_product(product_id, db=db).stock == 10


def test_product_search_treats_wildcards_as_literals(db: Database) -> None:
    _product(db, name="100% cotton")
    _product(db, name="1000 cotton")
    _product(db, name="snake_case")
    _product(db, name="snakeXcase")
    names = [p.name for p in products.list_products(ProductQuery(q="0%"), db=db).items]
    assert names == ["100% cotton"]
    names = [p.name for p in products.list_products(ProductQuery(q="E_C"), db=db).items]
    assert names == ["snake_case"]


def test_pages_cover_every_item_once(db: Database) -> None:
    ids = [_product(db, name=f"P{i}") for i in range(7)]
    seen: list[int] = []
    cursor = None
    while True:
        page = products.list_products(ProductQuery(limit=3, cursor=cursor), db=db)
        seen += [p.id for p in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ids


def test_an_order_takes_stock_and_snapshots_prices(db: Database, passwords: Passwords) -> None:
    actor = _customer(db, passwords)
    first, second = _product(db, stock=5, price_cents=300), _product(db, stock=5, price_cents=70)
    order = orders.place_order(_order((second, 2), (first, 1)), db=db, actor=actor)
    assert [(i.product_id, i.quantity, i.unit_price_cents) for i in order.items] == [
        (second, 2, 70),
        (first, 1, 300),
    ]
    assert order.total_cents == 440 and order.status == "pending"
    assert products.read_product(first, db=db).stock == 4
    assert products.read_product(second, db=db).version == 2


def test_a_short_item_fails_the_whole_order_and_changes_nothing(db: Database, passwords: Passwords) -> None:
    actor = _customer(db, passwords)
    plenty, scarce = _product(db, stock=50), _product(db, stock=1)
    with pytest.raises(InsufficientStock) as caught:
        orders.place_order(_order((plenty, 5), (scarce, 2)), db=db, actor=actor, idempotency_key="k")
    assert caught.value.details == [{"field": "items.1.quantity", "message": "not enough stock"}]
    assert products.read_product(plenty, db=db).stock == 50
    assert products.read_product(plenty, db=db).version == 1
    assert _count(db, Order) == 0 and _count(db, IdempotencyRecord) == 0


def test_unknown_and_repeated_products_are_named_together(db: Database, passwords: Passwords) -> None:
    actor = _customer(db, passwords)
    known = _product(db)
    with pytest.raises(InvalidInput) as caught:
        orders.place_order(_order((known, 1), (999, 1), (known, 2)), db=db, actor=actor)
    assert [d["field"] for d in caught.value.details or []] == ["items.1.product_id", "items.2.product_id"]


def test_an_idempotent_retry_replays_the_first_answer(db: Database, passwords: Passwords) -> None:
    actor = _customer(db, passwords)
    product_id = _product(db)
    first = orders.place_order(_order((product_id, 2)), db=db, actor=actor, idempotency_key="abc")
    again = orders.place_order(_order((product_id, 2)), db=db, actor=actor, idempotency_key="abc")
    assert again == first
    assert _count(db, Order) == 1 and products.read_product(product_id, db=db).stock == 8
    with pytest.raises(IdempotencyKeyReused):
        orders.place_order(_order((product_id, 3)), db=db, actor=actor, idempotency_key="abc")
    other = _customer(db, passwords, email="other@example.com")
    assert (
        orders.place_order(_order((product_id, 2)), db=db, actor=other, idempotency_key="abc").id != first.id
    )


def test_status_transitions_follow_the_table(db: Database, passwords: Passwords, admin: Principal) -> None:
    owner = _customer(db, passwords)
    product_id = _product(db, stock=10)
    order = orders.place_order(_order((product_id, 4)), db=db, actor=owner)
    paid = orders.change_order_status(order.id, OrderStatusUpdate(status="paid"), db=db, actor=owner)
    assert paid.status == "paid"
    with pytest.raises(Forbidden):
        orders.change_order_status(order.id, OrderStatusUpdate(status="shipped"), db=db, actor=owner)
    with pytest.raises(InvalidStatusTransition):
        orders.change_order_status(order.id, OrderStatusUpdate(status="paid"), db=db, actor=admin)
    cancelled = orders.change_order_status(
        order.id, OrderStatusUpdate(status="cancelled"), db=db, actor=admin
    )
    assert cancelled.status == "cancelled"
    restocked = products.read_product(product_id, db=db)
    assert (restocked.stock, restocked.version) == (10, 3)
    with pytest.raises(InvalidStatusTransition):
        orders.change_order_status(order.id, OrderStatusUpdate(status="pending"), db=db, actor=owner)


def test_orders_are_visible_to_their_owner_and_admins_only(
    db: Database, passwords: Passwords, admin: Principal
) -> None:
    owner = _customer(db, passwords)
    stranger = _customer(db, passwords, email="stranger@example.com")
    order = orders.place_order(_order((_product(db), 1)), db=db, actor=owner)
    assert orders.read_order(order.id, db=db, actor=admin) == order
    with pytest.raises(NotFound):
        orders.read_order(order.id, db=db, actor=stranger)
    assert orders.list_orders(OrderQuery(), db=db, actor=stranger).items == []
    with pytest.raises(Forbidden):
        orders.list_orders(OrderQuery(user_id=owner.user_id), db=db, actor=stranger)
    assert [
        o.id for o in orders.list_orders(OrderQuery(user_id=owner.user_id), db=db, actor=admin).items
    ] == [order.id]


def test_an_ordered_product_cannot_be_deleted(db: Database, passwords: Passwords) -> None:
    product_id = _product(db)
    orders.place_order(_order((product_id, 1)), db=db, actor=_customer(db, passwords))
    with pytest.raises(ProductInUse):
        products.delete_product(product_id, db=db, if_match=None)
    unused = _product(db)
    products.delete_product(unused, db=db, if_match=None)
    with pytest.raises(NotFound):
        products.read_product(unused, db=db)
