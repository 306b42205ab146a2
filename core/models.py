"""SQLAlchemy 2.x models. Timestamps are UTC, set in Python so both databases agree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
Id = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


def _same_as_created_at(context: Any) -> datetime:
    # A new row's updated_at equals its created_at, rather than a few microseconds later.
    created_at: datetime = context.get_current_parameters()["created_at"]
    return created_at


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_same_as_created_at, onupdate=utcnow)


class User(Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('customer', 'admin')", name="ck_users_role"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="customer")
    is_active: Mapped[bool] = mapped_column(default=True)


# Emails are stored lower-cased; the functional index also guards rows written by other tools.
Index("uq_users_email_lower", func.lower(User.email), unique=True)


class Product(Timestamped, Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="ck_products_stock"),
        CheckConstraint("price_cents >= 0", name="ck_products_price"),
        # Price filters (core/services/products.py): a covering index, from which the service
        # also counts whether a filter is narrow.
        Index("ix_products_price_cents_id", "price_cents", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, default=1)


# Name search (core/services/products.py): every suffix of each product's lower-cased name, cut
# to NAME_SUFFIX_LENGTH characters, with the product's id. A substring of a name is a prefix of
# one of its suffixes, so any `q` is one range of the primary key. Triggers on products keep it,
# lower-casing with the database's own lower() (migration 0003); it is never written from Python.
NAME_SUFFIX_LENGTH = 16
# PostgreSQL sorts text by the database's locale, where a prefix need not be a range: by code point.
SuffixText = Text().with_variant(Text(collation="C"), "postgresql")


class ProductNameSuffix(Base):
    __tablename__ = "product_name_suffixes"
    __table_args__ = ({"sqlite_with_rowid": False},)  # the primary key is the table: no second copy

    suffix: Mapped[str] = mapped_column(SuffixText, primary_key=True)
    product_id: Mapped[int] = mapped_column(Id, primary_key=True)


# A name search with many matches walks the suffixes that start with `q`'s first NAME_WALK_LENGTH
# characters in product id order (core/services/products.py), so its page costs the entries before
# the page, not the number of matches.
NAME_WALK_LENGTH = 3


def name_walk_key(suffix: Any) -> Any:
    """A suffix's first NAME_WALK_LENGTH characters, written with literal numbers: SQLite (and a
    PostgreSQL generic plan) use an expression index only for the very expression it holds."""
    return func.substr(suffix, literal_column("1"), literal_column(str(NAME_WALK_LENGTH)))


Index(
    "ix_product_name_suffixes_walk",
    name_walk_key(ProductNameSuffix.suffix),
    ProductNameSuffix.product_id,
    postgresql_include=["suffix"],  # SQLite's index holds the primary key (suffix) anyway
)


class NamePosition(Base):
    """The character positions 1..200 of a product name, which the suffix triggers join: SQLite
    triggers cannot generate a series."""

    __tablename__ = "name_positions"

    position: Mapped[int] = mapped_column(Integer, primary_key=True)


class Order(Timestamped, Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_user_id_id", "user_id", "id"),
        Index("ix_orders_status_id", "status", "id"),
        CheckConstraint("status IN ('pending', 'paid', 'shipped', 'cancelled')", name="ck_orders_status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    total_cents: Mapped[int] = mapped_column(BigInteger)
    items: Mapped[list[OrderItem]] = relationship(order_by="OrderItem.position", lazy="selectin")


class OrderItem(Base):
    """One line of an order; `position` keeps the order in which the client listed them."""

    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id", name="uq_order_items_order_product"),
        Index("ix_order_items_product_id", "product_id"),
        CheckConstraint("quantity >= 1", name="ck_order_items_quantity"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)


class IdempotencyRecord(Base):
    """The remembered 201 of `POST /v1/orders` for one (user, Idempotency-Key)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
