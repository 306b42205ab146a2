"""The product catalogue, with versions that back ETags and If-Match."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.db import Database
from core.errors import NotFound, PreconditionFailed, ProductInUse
from core.etags import IfMatch, etag_for
from core.models import OrderItem, Product
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


def list_products(query: ProductQuery, *, db: Database) -> Page[ProductPublic]:
    """Public listing by id; `q` is a literal, case-insensitive substring of the name."""
    statement = select(Product).order_by(Product.id).limit(query.limit + 1)
    after = decode_cursor(query.cursor)
    if after is not None:
        statement = statement.where(Product.id > after)
    if query.q:
        statement = statement.where(Product.name.icontains(query.q, autoescape=True))
    if query.min_price_cents is not None:
        statement = statement.where(Product.price_cents >= query.min_price_cents)
    if query.max_price_cents is not None:
        statement = statement.where(Product.price_cents <= query.max_price_cents)
    with db.read() as session:
        products = [ProductPublic.model_validate(product) for product in session.scalars(statement)]
    return make_page(products, query.limit)


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
