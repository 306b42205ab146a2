"""Rows the database side of a fault is judged by, read over a connection of its own (psycopg)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import make_url


def psycopg_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def stock(database_url: str) -> dict[int, int]:
    with psycopg.connect(psycopg_url(database_url)) as connection:
        return dict(connection.execute("SELECT id, stock FROM products").fetchall())


def max_order(database_url: str) -> int:
    with psycopg.connect(psycopg_url(database_url)) as connection:
        row = connection.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()
        return int(row[0]) if row else 0


@dataclass
class OrdersAfter:
    """The orders written after a point: their items, how many, how many without an item."""

    items: list[tuple[int, int]]  # (product id, quantity)
    count: int
    without_items: int


def orders_after(database_url: str, last_order: int) -> OrdersAfter:
    with psycopg.connect(psycopg_url(database_url)) as connection:
        items = connection.execute(
            "SELECT product_id, quantity FROM order_items WHERE order_id > %s", (last_order,)
        ).fetchall()
        count = connection.execute("SELECT count(*) FROM orders WHERE id > %s", (last_order,)).fetchone()
        without = connection.execute(
            "SELECT count(*) FROM orders o WHERE o.id > %s AND NOT EXISTS "
            "(SELECT 1 FROM order_items i WHERE i.order_id = o.id)",
            (last_order,),
        ).fetchone()
    return OrdersAfter(items, count[0] if count else 0, without[0] if without else 0)
