"""Deterministic benchmark data: the same seed gives the same rows, on SQLite or PostgreSQL.

Rows are bulk-inserted with SQLAlchemy Core (the services would take minutes for 20,000
orders); products are generated in batches, and on PostgreSQL sent with COPY, so a million of
them (`make scale`) take seconds and little memory. Every user shares one password, hashed once
with the servers' Argon2 settings.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from core.db import Database
from core.models import Order, OrderItem, Product, User
from loadtests.config.dataset import SeedSpec

ADMIN_EMAIL = "bench-admin@example.com"
PASSWORD = "bench-password"
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
ADJECTIVES = ["red", "blue", "green", "small", "large", "steel", "wooden", "organic", "classic", "smart"]
NOUNS = ["mug", "kettle", "grinder", "filter", "lamp", "chair", "table", "bottle", "notebook", "backpack"]
STATUSES = ["pending", "paid", "shipped", "cancelled"]
STOCK = 10**8  # ample: ordering scenarios never run out
BATCH = 2000


def customer_email(index: int) -> str:
    return f"customer{index:05d}@bench.example"


def product_price(rng: random.Random) -> int:
    return rng.randrange(100, 50_000)


def seed(db: Database, spec: SeedSpec, password_hash: str) -> None:
    """Fill an empty, migrated database; user 1 is the admin, users 2.. are customers."""
    rng = random.Random(spec.seed)
    users = [_user(1, ADMIN_EMAIL, "admin", password_hash)] + [
        _user(i, customer_email(i), "customer", password_hash) for i in range(2, spec.users + 1)
    ]
    prices = [product_price(rng) for _ in range(spec.products)]
    products = _products(spec, rng, prices)  # lazily: draws from rng as the rows are written
    with db.write() as session:
        _insert(session, User, iter(users))
        _insert_products(session, products)
        orders, items = _orders(spec, rng, prices)
        _insert(session, Order, iter(orders))
        _insert(session, OrderItem, iter(items))
        if db.dialect == "postgresql":
            # Ids were given explicitly; move the sequences past them.
            for table in ("users", "products", "orders"):
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )


def _products(spec: SeedSpec, rng: random.Random, prices: list[int]) -> Iterator[dict[str, Any]]:
    for i in range(1, spec.products + 1):
        yield {
            "id": i,
            "name": f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {i}",
            "description": f"Benchmark product {i}",
            "price_cents": prices[i - 1],
            "stock": STOCK,
            "version": 1,
            "created_at": EPOCH + timedelta(seconds=i),
            "updated_at": EPOCH + timedelta(seconds=i),
        }


def _orders(
    spec: SeedSpec, rng: random.Random, prices: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    orders, items = [], []
    for order_id in range(1, spec.orders + 1):
        chosen = rng.sample(range(1, spec.products + 1), rng.randint(1, 3))
        quantities = [rng.randint(1, 3) for _ in chosen]
        created = EPOCH + timedelta(minutes=order_id)
        orders.append(
            {
                "id": order_id,
                "user_id": rng.randint(2, spec.users),
                "status": rng.choice(STATUSES),
                "total_cents": sum(q * prices[p - 1] for p, q in zip(chosen, quantities, strict=True)),
                "created_at": created,
                "updated_at": created,
            }
        )
        for position, (product_id, quantity) in enumerate(zip(chosen, quantities, strict=True)):
            items.append(
                {
                    "order_id": order_id,
                    "position": position,
                    "product_id": product_id,
                    "quantity": quantity,
                    "unit_price_cents": prices[product_id - 1],
                }
            )
    return orders, items


def _insert(session: Session, model: type[Any], rows: Iterator[dict[str, Any]]) -> None:
    while batch := list(islice(rows, BATCH)):
        session.execute(insert(model), batch)


def _insert_products(session: Session, rows: Iterator[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (about ten times faster than INSERT for a million rows)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        _insert(session, Product, rows)
        return
    columns = list(Product.__table__.columns.keys())
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY products ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def _user(user_id: int, email: str, role: str, password_hash: str) -> dict[str, Any]:
    created = EPOCH + timedelta(seconds=user_id)
    return {
        "id": user_id,
        "email": email,
        "name": f"User {user_id}",
        "password_hash": password_hash,
        "role": role,
        "is_active": True,
        "created_at": created,
        "updated_at": created,
    }
