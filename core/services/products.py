"""The product catalogue, with versions that back ETags and If-Match."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import ColumnElement, Select, String, and_, any_, bindparam, exists, func, select, true
from sqlalchemy.orm import QueryableAttribute, Session, aliased

from core.db import Database
from core.errors import NotFound, PreconditionFailed, ProductInUse
from core.etags import IfMatch, etag_for
from core.ids import MAX_ID
from core.models import (
    NAME_SUFFIX_LENGTH,
    NAME_WALK_LENGTH,
    OrderItem,
    Product,
    ProductNameSuffix,
    name_walk_key,
)
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
    """Public listing by id; `q` is a literal, case-insensitive substring of the name.

    Built so a page costs about the same with a million products as with ten thousand
    (docs/scale.md). Whatever path finds the rows, the contract's predicates below decide which ones
    match."""
    after = decode_cursor(query.cursor)
    matches = [Product.name.icontains(query.q, autoescape=True)] if query.q else []
    # `+ 0` keeps the planner off the price index when the range is broad: most rows match, so
    # reading in id order finds a page sooner than sorting every match.
    matches += _price_range(query, Product.price_cents + 0)
    if after is not None:
        matches.append(Product.id > after)
    page = select(Product).where(*matches).order_by(Product.id).limit(query.limit + 1)
    with db.read() as session:
        rows = _page_rows(session, query, page, after or 0)
        products = [ProductPublic.model_validate(product) for product in rows]
    return make_page(products, query.limit)


GLANCE = 500  # ids read in id order first: a filter that matches one product in 25 fills a page
FEW = 2000  # candidates few enough to sort by id
WINDOW = 5000  # ids read in id order before the candidates are sorted
WALK = 2000  # name index entries walked before the candidates are sorted


def _page_rows(session: Session, query: ProductQuery, page: Select[Product], after: int) -> Sequence[Product]:
    """Up to limit + 1 rows of `page`. With a filter, the first GLANCE ids after the cursor are
    read in id order, which is all a common filter needs (most of the benchmark's browsing). If
    they do not fill the page, each indexed filter (price, name) counts its candidates, up to
    FEW: none is an empty page at once; a few are sorted by id and read until the page is full.
    With more, a `q` of NAME_WALK_LENGTH characters or longer walks its name index in id order
    (`_walk_names`); otherwise rows are read in id order, which fills most pages within WINDOW
    ids; when the matches lie later (say, a new collection's name), the rest of the page comes
    from the candidates, so a page never reads every product."""
    dialect = session.get_bind().dialect.name
    values = {"name_q": query.q}
    if query.q or query.min_price_cents is not None or query.max_price_cents is not None:
        glance = session.scalars(page.where(Product.id <= _ids_after(after, GLANCE))).all()
        if len(glance) > query.limit:  # a common filter: no need to count its candidates
            return glance
    broad = None
    for candidates in _indexed_candidates(query):
        probe = select(func.count(), select(func.max(Product.id)).scalar_subquery())
        found, last_id = session.execute(
            probe.select_from(candidates.limit(FEW + 1).subquery()), values
        ).one()
        if not found:
            return []
        if found <= FEW:
            return session.scalars(_among(page, candidates, dialect), values).all()
        broad = candidates if broad is None else broad
    if broad is None:
        return session.scalars(page).all()
    if query.q and len(query.q) >= NAME_WALK_LENGTH:
        return _walk_names(session, query, page, after, dialect)
    window_end = _ids_after(after, WINDOW)
    rows = list(session.scalars(page.where(Product.id <= window_end)))
    if len(rows) <= query.limit and last_id > window_end:
        rest = _among(page.where(Product.id > window_end), broad, dialect)
        rows += session.scalars(rest.limit(query.limit + 1 - len(rows)), values)
    return rows


def _ids_after(after: int, count: int) -> int:
    """The id `count` after `after`, at most MAX_ID: a cursor may be any id up to it."""
    return min(after + count, MAX_ID)


def _walk_names(
    session: Session, query: ProductQuery, page: Select[Product], after: int, dialect: str
) -> list[Product]:
    """The page of a `q` with many matches, from the name suffixes that start with its first
    NAME_WALK_LENGTH characters: under that key they are in product id order (migration 0004).
    The walk checks the rest of `q` on each index entry, reads the product of each that matches,
    and stops at the page, so it costs the entries before the page, whatever the matches number.
    It reads at most WALK entries after the cursor; when the page lies further on (a new
    collection whose first characters many older names share), the rest comes from the name's
    candidates, sorted."""
    values = {"name_q": query.q, "walk_after": after, "walk_last": WALK - 1}
    if dialect == "postgresql":
        # The planner would join by its estimates, often reading every product first; a lateral
        # read fenced by OFFSET 0 looks up each walked id in turn, and the walk stops at the page.
        product = (
            page.where(Product.id == _WALKED_IDS.c.product_id).order_by(None).limit(None).offset(0).lateral()
        )
        walk = select(aliased(Product, product)).select_from(_WALKED_IDS).join(product, true())
        walk = walk.order_by(_WALKED_IDS.c.product_id).limit(query.limit + 1)
    else:
        # SQLite joins the index entries in order and stops at the page, but would copy a limited
        # subquery first: the walk ends at the id of its WALK-th entry instead.
        walk = (
            page.join(ProductNameSuffix, _WALKED_ENTRY).order_by(None).order_by(_suffix_product_id).distinct()
        )
    rows = list(session.scalars(walk, values))
    if len(rows) <= query.limit:
        walked_to = session.scalar(_WALK_END, values)
        if walked_to is not None:  # the walk stopped before the end of the entries
            rest = page.where(Product.id >= walked_to, Product.id > (rows[-1].id if rows else after))
            rest = _among(rest, _NAME_CANDIDATES, dialect).limit(query.limit + 1 - len(rows))
            rows += session.scalars(rest, values)
    return rows


# The name search's statements, built once: `name_q` and the walk's values are bound as they run.
_suffix, _suffix_product_id = ProductNameSuffix.suffix, ProductNameSuffix.product_id
_NAME_KEY = func.substr(func.lower(bindparam("name_q", type_=String())), 1, NAME_SUFFIX_LENGTH)
_ABOVE_EVERY_CHARACTER = "\U0010ffff" * NAME_SUFFIX_LENGTH  # above every suffix that starts with the key


def _starts_with_name_key(suffix: ColumnElement[str] | QueryableAttribute[str]) -> ColumnElement[bool]:
    return and_(suffix >= _NAME_KEY, suffix <= _NAME_KEY.concat(_ABOVE_EVERY_CHARACTER))


_NAMED = _starts_with_name_key(_suffix)
_NAME_CANDIDATES = select(_suffix_product_id).where(_NAMED)
_WALK_ENTRIES = and_(
    name_walk_key(_suffix) == name_walk_key(_NAME_KEY), _suffix_product_id > bindparam("walk_after")
)
_WALK_END = (
    select(_suffix_product_id)
    .where(_WALK_ENTRIES)
    .order_by(_suffix_product_id)
    .limit(1)
    .offset(bindparam("walk_last"))
)
_WALKED_ENTRY = and_(  # SQLite's walk
    _suffix_product_id == Product.id,
    _WALK_ENTRIES,
    _NAMED,
    _suffix_product_id <= func.coalesce(_WALK_END.scalar_subquery(), MAX_ID),
)
_WALKED = (  # PostgreSQL's walk
    select(_suffix_product_id, _suffix)
    .where(_WALK_ENTRIES)
    .order_by(_suffix_product_id)
    .limit(bindparam("walk_last") + 1)
    .subquery()
)
_WALKED_IDS = (
    select(_WALKED.c.product_id)
    .where(_starts_with_name_key(_WALKED.c.suffix))
    .distinct()
    .order_by(_WALKED.c.product_id)
    .subquery()
)


def _indexed_candidates(query: ProductQuery) -> Iterator[Select[int]]:
    """The ids each indexed filter allows, price range first (its probe reads a narrower index).
    Not cut at the cursor: a name's suffixes are in the order of the text that follows, so ids
    after a deep cursor may lie at the end of the range, and the page reads after it anyway."""
    if query.min_price_cents is not None or query.max_price_cents is not None:
        yield select(Product.id).where(*_price_range(query, Product.price_cents))
    if query.q:
        yield _NAME_CANDIDATES


def _among(statement: Select[Product], candidates: Select[int], dialect: str) -> Select[Product]:
    """`statement` narrowed to the candidate ids, so that the page is read in id order and stops
    at its last row. SQLite reads `id IN (subquery)` that way. PostgreSQL plans `IN` as a join
    by its row estimates, which for a prefix range can be far off (a hash join over a read of
    every product, 4.6 ms at 10k); `id = ANY(ARRAY(subquery))` is an index scan in id order."""
    if dialect == "postgresql":
        return statement.where(Product.id == any_(func.array(candidates.scalar_subquery())))
    return statement.where(Product.id.in_(candidates))


def _price_range(
    query: ProductQuery, price: ColumnElement[int] | QueryableAttribute[int]
) -> list[ColumnElement[bool]]:
    conditions = []
    if query.min_price_cents is not None:
        conditions.append(price >= query.min_price_cents)
    if query.max_price_cents is not None:
        conditions.append(price <= query.max_price_cents)
    return conditions


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
