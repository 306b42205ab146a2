"""The product catalogue, with versions that back ETags and If-Match."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, String, column, exists, func, select, table
from sqlalchemy.orm import QueryableAttribute, Session

from core.db import Database
from core.errors import NotFound, PreconditionFailed, ProductInUse
from core.etags import IfMatch, etag_for
from core.models import PRODUCT_NAME_SEARCH, OrderItem, Product
from core.pagination import decode_cursor, make_page
from core.schemas import Page, ProductCreate, ProductPublic, ProductQuery, ProductReplace, ProductUpdate


def create_product(data: ProductCreate, *, db: Database) -> ProductPublic:
    """Create a product; its version starts at 1."""
    with db.write() as session:
        product = Product(**data.model_dump(), version=1)
        session.add(product)
        session.flush()
        return ProductPublic.model_validate(product)


def read_product(product_id: int, *, db: Database) -> ProductPublic:
    with db.read() as session:
        product = session.get(Product, product_id)
        if product is None:
            raise NotFound()
        return ProductPublic.model_validate(product)


# What an id or a price is compared through: the mapped column, the search table's rowid, `price + 0`.
Column = QueryableAttribute[int] | ColumnElement[int]


def list_products(query: ProductQuery, *, db: Database) -> Page[ProductPublic]:
    """Public listing by id; `q` is a literal, case-insensitive substring of the name.

    Built so a page costs about the same with a million products as with ten thousand (README:
    Scale): a narrow price filter is read from its index; otherwise rows are read in id order,
    through SQLite's trigram search when there is one to use, and the first page's worth is kept.
    Whatever path finds the rows, the contract's predicates below decide which ones match."""
    after = decode_cursor(query.cursor)
    matches = [Product.name.icontains(query.q, autoescape=True)] if query.q else []
    order_key: Column = Product.id
    with db.read() as session:
        statement = select(Product)
        if _price_filtered(query) and _few_in_price_range(session, query):
            in_range = select(Product.id).where(*_price_range(query, Product.price_cents))
            matches.append(Product.id.in_(in_range))
        else:
            # `+ 0` keeps the planner off the price index: most rows match, so reading in id
            # order finds a page sooner than sorting every match.
            matches.extend(_price_range(query, Product.price_cents + 0))
            if len(query.q) >= TRIGRAM and session.get_bind().dialect.name == "sqlite":
                order_key = NAME_SEARCH.c.rowid  # the trigram index hands out matches in id order
                statement = statement.join(NAME_SEARCH, NAME_SEARCH.c.rowid == Product.id).where(
                    NAME_SEARCH.c[PRODUCT_NAME_SEARCH].match(_fts_phrase(query.q))
                )
        if after is not None:
            statement = statement.where(order_key > after)
        statement = statement.where(*matches).order_by(order_key).limit(query.limit + 1)
        products = [ProductPublic.model_validate(product) for product in session.scalars(statement)]
    return make_page(products, query.limit)


# Trigram indexes (SQLite FTS5's tokenizer, PostgreSQL's pg_trgm) find substrings of at least
# three characters; a shorter `q` is matched by reading products in id order.
TRIGRAM = 3
# A price filter matching at most this many products is read from ix_products_price_cents_id and
# sorted; a broader one is checked row by row in id order, where a page turns up within about
# limit × products / FEW_PRICES rows.
FEW_PRICES = 2000
NAME_SEARCH = table(PRODUCT_NAME_SEARCH, column("rowid", Integer), column(PRODUCT_NAME_SEARCH, String))


def _price_filtered(query: ProductQuery) -> bool:
    return query.min_price_cents is not None or query.max_price_cents is not None


def _price_range(query: ProductQuery, price: Column) -> list[ColumnElement[bool]]:
    conditions = []
    if query.min_price_cents is not None:
        conditions.append(price >= query.min_price_cents)
    if query.max_price_cents is not None:
        conditions.append(price <= query.max_price_cents)
    return conditions


def _few_in_price_range(session: Session, query: ProductQuery) -> bool:
    """Whether at most FEW_PRICES products are in the price range (counted on the index)."""
    probe = select(Product.id).where(*_price_range(query, Product.price_cents)).limit(FEW_PRICES + 1)
    return (session.scalar(select(func.count()).select_from(probe.subquery())) or 0) <= FEW_PRICES


def _fts_phrase(text: str) -> str:
    """An FTS5 string: every character literal, so it matches `text` as a substring."""
    return '"' + text.replace('"', '""') + '"'


def update_product(
    product_id: int, data: ProductReplace | ProductUpdate, *, db: Database, if_match: IfMatch | None
) -> ProductPublic:
    """PUT or PATCH: apply the fields sent and bump the version, even when nothing changed."""
    with db.write() as session:
        product = _locked_product(session, product_id, if_match)
        for field, value in data.model_dump().items():
            setattr(product, field, value)
        product.version += 1
        session.flush()
        return ProductPublic.model_validate(product)


def delete_product(product_id: int, *, db: Database, if_match: IfMatch | None) -> None:
    """Delete a product that no order references."""
    with db.write() as session:
        product = _locked_product(session, product_id, if_match)
        if session.scalar(select(exists().where(OrderItem.product_id == product_id))):
            raise ProductInUse()
        session.delete(product)


def _locked_product(session: Session, product_id: int, if_match: IfMatch | None) -> Product:
    product = session.get(Product, product_id, with_for_update=True)
    if product is None:
        raise NotFound()
    if if_match is not None and not if_match.allows(etag_for(product.version)):
        raise PreconditionFailed()
    return product
