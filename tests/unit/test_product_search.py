"""The product list's indexed paths (core/services/products.py, docs/scale.md) give exactly the
rows of the plain scan they replace, and on a large catalogue no list shape reads the whole
products table, on SQLite and on PostgreSQL.

The plan test seeds 50,000 products and reads query plans (EXPLAIN QUERY PLAN / EXPLAIN), not
timings: `make scale` measures the times."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text

from core.db import Database
from core.models import Product, ProductNameSuffix
from core.schemas import ProductQuery
from core.services import products as service
from devtools.databases import fresh_database, postgres_unavailable_reason
from loadtests.config.dataset import SeedSpec
from loadtests.env.seed import seed

KINDS = ["sqlite", "postgresql"]

NAMES = [
    "Kettle",
    "KETTLE steel",
    "red kettle 7",
    "ketle",
    "50% off mug",
    "500 mugs",
    "under_score",
    "underXscore",
    'a "quoted" lamp',
    "Émile lamp",
    "émile lamp",
    "STRASSE",
    "straße",
    "ab",
    "x",
    "tab\there",
    "lamp 5000",
    "lamp 50001",
    "a rather long product name, past the 16 characters a suffix keeps",
]
QUERIES = [
    "kettle",
    "KeTtLe",
    "ket",
    "ke",
    "k",
    "50%",
    "0%",
    "%",
    "_",
    "r_s",
    "under_",
    '"quoted"',
    "qu",
    "Émile",
]
QUERIES += ["émile", "ÉMILE", "straße", "SSE", "b\th", "lamp 5000", "zebra", "ab", "a", "mp 5"]
QUERIES += ["lamp*", "OR lamp", "NEAR(", "(x)", "e m"]  # once FTS5 query syntax, taken literally
QUERIES += ["LONG PRODUCT NAME, PAST", "long product name, past the 17", "16 characters a suffix keeps"]
PRICES: list[dict[str, int]] = [{}, {"min_price_cents": 300}, {"max_price_cents": 500}]
PRICES += [{"min_price_cents": 200, "max_price_cents": 900}, {"min_price_cents": 2000}]


def require(kind: str) -> None:
    if kind == "postgresql" and (reason := postgres_unavailable_reason()):
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(f"PostgreSQL product search test skipped: {reason}")


@pytest.fixture(params=KINDS)
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Three copies of NAMES (ids interleaved), prices 100, 200, ... 5,400 cents."""
    require(request.param)
    with fresh_database(request.param, tmp_path, "search") as url:
        db = Database(url)
        rows = [{"name": name, "price_cents": 0} for _ in range(3) for name in NAMES]
        for index, row in enumerate(rows):
            row.update(price_cents=100 * (index + 1), description="", stock=1, version=1)
        with db.write() as session:
            session.execute(insert(Product), rows)
        yield db
        db.dispose()


def plain_scan(db: Database, query: ProductQuery) -> list[int]:
    """What the contract asks for, the way the service asked for it before the indexes."""
    statement = select(Product.id).order_by(Product.id)
    if query.q:
        statement = statement.where(Product.name.icontains(query.q, autoescape=True))
    if query.min_price_cents is not None:
        statement = statement.where(Product.price_cents >= query.min_price_cents)
    if query.max_price_cents is not None:
        statement = statement.where(Product.price_cents <= query.max_price_cents)
    with db.read() as session:
        return list(session.scalars(statement))


def listed(db: Database, query: ProductQuery) -> list[int]:
    """Every page of the service's answer, following the cursors."""
    ids: list[int] = []
    cursor = None
    while True:
        page = service.list_products(query.model_copy(update={"cursor": cursor}), db=db)
        ids += [product.id for product in page.items]
        if (cursor := page.next_cursor) is None:
            return ids


PATHS = [
    "glance-then-walk-or-id-order",
    "walk-or-id-order",
    "short-walk-or-window-then-candidates",
    "price-index-first",
    "name-index-first",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_path_gives_the_rows_of_the_plain_scan(
    catalogue: Database, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GLANCE = 0 (but on the first path, 4): the glance in id order never fills a page. FEW = 0:
    no index is ever narrow enough, so a `q` of three characters or more walks its name index,
    and other filters read rows in id order; with WALK = WINDOW = 5, the walk or the window stops
    after 5 entries or ids and the rest of the page comes from the candidates. FEW = 10,000: the
    first indexed filter (price, or name when their order is reversed) gives the candidates."""
    monkeypatch.setattr(service, "GLANCE", 4 if path.startswith("glance") else 0)
    monkeypatch.setattr(service, "FEW", 10_000 if path.endswith("-first") else 0)
    if path.startswith("short"):
        monkeypatch.setattr(service, "WINDOW", 5)
        monkeypatch.setattr(service, "WALK", 5)
    if path == "name-index-first":
        candidates = service._indexed_candidates
        monkeypatch.setattr(service, "_indexed_candidates", lambda *args: reversed(list(candidates(*args))))
    checked = 0
    for q in QUERIES:
        for prices in PRICES:
            query = ProductQuery(q=q, limit=2, **prices)
            expected = plain_scan(catalogue, query)
            assert listed(catalogue, query) == expected, (q, prices)
            checked += bool(expected)
    assert checked > 40  # most combinations match something, so equality is not vacuous


def test_the_name_search_follows_inserts_renames_and_deletes(catalogue: Database) -> None:
    """The suffix table is kept by triggers (migration 0003)."""
    with catalogue.write() as session:
        first, second = session.scalars(select(Product).order_by(Product.id).limit(2))
        first.name = "zebra crossing"
        session.delete(second)
        session.add(Product(name="another ZEBRA", description="", price_cents=1, stock=1, version=1))
    for q in ("zebra", "kettle", "KETTLE steel"):
        query = ProductQuery(q=q, limit=3)
        assert listed(catalogue, query) == plain_scan(catalogue, query), q
    assert len(listed(catalogue, ProductQuery(q="zebra"))) == 2


def test_a_truncate_of_products_empties_the_name_search(catalogue: Database) -> None:
    """PostgreSQL's TRUNCATE fires no row trigger (the differential test resets with it); on
    SQLite, `DELETE FROM products` does."""
    postgresql = catalogue.dialect == "postgresql"
    with catalogue.write() as session:
        session.execute(
            text("TRUNCATE products RESTART IDENTITY CASCADE" if postgresql else "DELETE FROM products")
        )
        assert session.scalar(select(func.count()).select_from(ProductNameSuffix)) == 0
        session.add(Product(name="Kettle again", description="", price_cents=1, stock=1, version=1))
    assert len(listed(catalogue, ProductQuery(q="kettle"))) == 1


# --- plans on a large catalogue ----------------------------------------------------------------

LARGE = SeedSpec(users=20, products=50_000, orders=200)
# (shape, query, how its page reads products: in id order, through the price or the name index,
# or not at all when a probe found no candidate). Names are "<adjective> <noun> <id>", prices
# uniform in 100..49,999 cents (loadtests/env/seed.py).
SHAPES: list[tuple[str, dict[str, Any], str]] = [
    ("first page", {}, "id order"),
    ("deep cursor", {"cursor": "45000"}, "id order"),
    ("q common", {"q": "kettle"}, "id order"),
    ("q common, deep cursor", {"q": "kettle", "cursor": "45000"}, "id order"),
    ("q 2 chars, common", {"q": "ke"}, "id order"),
    # "...e 4...": 3,333 names (kettle, table, bottle), none among ids 501..1,000.
    ("q many matches, page late", {"q": "e 4", "cursor": "500"}, "name walk"),
    (
        "q many matches + price broad, page late",
        {"q": "e 4", "cursor": "500", "max_price_cents": 40_000},
        "name walk",
    ),
    ("q 1 char, common", {"q": "e"}, "id order"),
    ("q rare", {"q": " 4000"}, "name index"),
    ("q rare, 2 chars", {"q": "4 "}, "none"),
    ("q no match", {"q": "zebra"}, "none"),
    ("q no match, deep cursor", {"q": "zebra", "cursor": "45000"}, "none"),
    ("q no match, 2 chars", {"q": "zq"}, "none"),
    ("q literal %", {"q": "50%"}, "none"),
    ("min_price narrow", {"min_price_cents": 49_900}, "price index"),
    ("max_price narrow", {"max_price_cents": 150}, "price index"),
    ("price range narrow", {"min_price_cents": 20_000, "max_price_cents": 20_100}, "price index"),
    ("price no match", {"min_price_cents": 60_000}, "none"),
    ("q common + price narrow", {"q": "kettle", "min_price_cents": 49_900}, "price index"),
    ("q rare + price broad", {"q": " 4000", "min_price_cents": 1000}, "name index"),
    ("q no match + price broad", {"q": "zebra", "min_price_cents": 1000}, "none"),
    ("price broad", {"min_price_cents": 1000}, "id order"),
]


@pytest.fixture(scope="module", params=KINDS)
def large(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    require(request.param)
    with fresh_database(request.param, tmp_path_factory.mktemp("plans"), "plans") as url:
        db = Database(url)
        seed(db, LARGE, "not-a-real-hash")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
        yield db
        db.dispose()


def statements(db: Database, query: ProductQuery) -> list[tuple[str, Any]]:
    """The SQL the service sends for `query`, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        service.list_products(query, db=db)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return [(sql, parameters) for sql, parameters in sent if sql.lstrip().upper().startswith("SELECT")]


def count(db: Database, sql: str, parameters: Any) -> int:
    with db.engine.connect() as connection:
        return int(connection.exec_driver_sql(sql, parameters).scalar_one())


def plan(db: Database, sql: str, parameters: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + sql, parameters).all()
    return "\n".join(str(row[-1]) for row in rows)


# How each index shows in a plan. On SQLite a read in id order is `SCAN products` (from the first
# row) or `SEARCH ... (rowid>? ...)` (after a cursor, within a window of ids), without a sort: it
# stops at the page, which is what an unfiltered list or a broad filter needs; every other page
# must not scan. A name walk reads its index entries in id order, without a sort (which would read
# them all), looking up each product in turn. PostgreSQL chooses by cost between an index and a
# read in id order that stops at the page; a page that holds the whole answer (read from the
# start) must use its index, since any read in id order would then go through every product.
INDEX = {
    "sqlite": {
        "price index": "COVERING INDEX ix_products_price_cents_id (price_cents",
        "name index": "SEARCH product_name_suffixes USING PRIMARY KEY (suffix>? AND suffix<?)",
        "name walk": "SEARCH product_name_suffixes USING COVERING INDEX ix_product_name_suffixes_walk",
    },
    "postgresql": {
        "price index": "ix_products_price_cents_id",
        "name index": "product_name_suffixes_pkey",
        # An index-only scan in id order once VACUUM has marked the pages all-visible (as `make
        # scale` leaves them); before, a few entries after a deep cursor may be fetched and sorted.
        "name walk": "ix_product_name_suffixes_walk",
    },
}
ID_ORDER = [["SCAN products"]] + [
    [f"SEARCH products USING INTEGER PRIMARY KEY ({bounds})"]
    for bounds in ("rowid>?", "rowid<?", "rowid>? AND rowid<?")  # after a cursor, within a window
]


@pytest.mark.parametrize(("shape", "params", "access"), SHAPES, ids=[shape for shape, _, _ in SHAPES])
def test_no_list_shape_reads_all_products(
    large: Database, shape: str, params: dict[str, Any], access: str
) -> None:
    query = ProductQuery(**params)
    sent = statements(large, query)
    probes = [(sql, parameters) for sql, parameters in sent if "count(*)" in sql]
    pages = [plan(large, sql, parameters) for sql, parameters in sent if "count(*)" not in sql]
    index = INDEX[large.dialect]
    # A probe counts candidates up to FEW + 1. One that finds at most FEW must read its index
    # (`suffix` or `price_cents` in its SQL says which), or it would have read every product; a
    # broad one stops at FEW + 1 whichever way it reads.
    for sql, parameters in probes:
        if count(large, sql, parameters) <= service.FEW:
            probe_plan = plan(large, sql, parameters)
            assert index["name index" if "suffix" in sql else "price index"] in probe_plan, (
                f"{shape}:\n{probe_plan}"
            )
    answer = service.list_products(query, db=large)
    if query.q or query.min_price_cents is not None or query.max_price_cents is not None:
        glance, *pages = pages  # GLANCE ids in id order, first: bounded like the window below
        if large.dialect == "sqlite":
            assert glance.splitlines() in ID_ORDER[1:], f"{shape}:\n{glance}"
        else:
            assert "Seq Scan" not in glance and "products_pkey" in glance, f"{shape}:\n{glance}"
        if access in ("none", "id order"):  # the probe found nothing, or the glance filled the page
            assert pages == [] and (access == "id order") == bool(answer.items), shape
            return
    (page_plan,) = pages  # on this catalogue every broad filter fills its page within the window
    lines = page_plan.splitlines()
    if large.dialect == "sqlite":
        if access == "id order":
            assert lines in ID_ORDER, f"{shape}:\n{page_plan}"
        else:
            assert "SCAN products" not in lines and index[access] in page_plan, f"{shape}:\n{page_plan}"
            assert "FOR ORDER BY" not in page_plan, f"{shape}:\n{page_plan}"
        return
    assert "Seq Scan" not in page_plan, f"{shape}:\n{page_plan}"
    if access == "name walk":  # each walked id looked up in turn
        assert index[access] in page_plan and "Nested Loop" in page_plan, f"{shape}:\n{page_plan}"
    if access not in ("id order", "name walk") and answer.next_cursor is None and query.cursor is None:
        assert index[access] in page_plan, f"{shape}:\n{page_plan}"
