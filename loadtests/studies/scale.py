"""`make scale`: does every list query cost the same with 1,000,000 products as with 10,000?

For each database (SQLite, PostgreSQL) the program seeds one database per size (the benchmark's
seed: `loadtests/env/seed.py`, with 1,000 users and 20,000 orders at every size, so only the products
grow), then times every list query shape of the contract over HTTP, through the Flask front end
in this process (Werkzeug's test client: routing, validation, the service, serialisation; no
socket). The two sizes are measured interleaved, request by request, so drift on a shared machine
hits both alike. It prints the median at each size, the ratio and PASS/FAIL against `--max-ratio`
(1.5), and exits 1 when a shape fails. A shape whose page holds more items at one size than at
the other ("answer grows") is printed without a verdict: its twin with the same answer has one.

SQLite databases are cached under var/scale/, keyed by size and seed, and migrated to head on
each use; PostgreSQL databases are created afresh each run (products sent with COPY) and dropped.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask.testing import FlaskClient
from sqlalchemy import text

from core.auth import Passwords
from core.db import Database
from core.migrate import upgrade
from core.models import Product
from core.runtime import Runtime
from core.settings import settings_from
from devtools.databases import fresh_database, pg_admin_url, postgres_unavailable_reason
from devtools.servers import REPO_ROOT
from flask_impl.app import create_app
from flask_impl.deps import EXTENSION_KEY
from loadtests.config.dataset import SeedSpec
from loadtests.config.matrix import SERVER_ENV
from loadtests.config.options import Shared
from loadtests.env.seed import PASSWORD, seed
from loadtests.render import scale as view
from loadtests.results.scale import ScaleRow

CACHE = REPO_ROOT / "var" / "scale"
CUSTOMER = 5  # a seeded customer with orders


@dataclass(frozen=True)
class Shape:
    name: str
    who: str  # "public", "admin" or "customer"
    params: Callable[[int], dict[str, object]]  # query parameters, given the product count

    def path(self, products: int) -> str:
        resource = "products" if self.name.startswith("products") else self.name.split(":")[0]
        query = urlencode(self.params(products))
        return f"/v1/{resource}" + (f"?{query}" if query else "")


def _fixed(**params: object) -> Callable[[int], dict[str, object]]:
    return lambda _products: params


def _deep(**params: object) -> Callable[[int], dict[str, object]]:
    """A cursor 90 % of the way through the products."""
    return lambda products: {**params, "cursor": str(products * 9 // 10)}


def _prices_holding(count: int) -> Callable[[int], dict[str, object]]:
    """A price range from 20,000 cents that holds about `count` products at each size."""
    return lambda products: {
        "min_price_cents": 20_000,
        "max_price_cents": 20_000 + max(0, 49_900 * count // products - 1),
    }


# Names are "<adjective> <noun> <id>"; prices are uniform in 100..49,999 cents. A page whose
# answer grows with the catalogue (0 items at 10k, a full page at 1M) costs more for serialising
# it: each such shape has a twin with about the same answer at each size, which gets the verdict.
SHAPES = [
    Shape("products: first page", "public", _fixed()),
    Shape("products: first page, limit 100", "public", _fixed(limit=100)),
    Shape("products: deep cursor", "public", _deep()),
    Shape("products: q common word", "public", _fixed(q="kettle")),
    Shape("products: q common word, deep cursor", "public", _deep(q="kettle")),
    Shape("products: q rare, the same 5 at each size", "public", _fixed(q="needle")),
    Shape("products: q rare, answer grows", "public", _fixed(q="lamp 5000")),
    Shape("products: q a late collection (2,500 newest)", "public", _fixed(q="orbit")),
    # Mugs whose id starts with 9: 111 at 10k (read by id from the candidates), 11,000 at 1M,
    # the first 20 of them within ids 9..9,999 (walked in id order from the name index: about
    # 900 "mug..." entries come before them).
    Shape("products: q many matches, first page late", "public", _fixed(q="mug 9")),
    # The same with three characters, the shortest `q` that walks: "g 9" is only in "mug 9...".
    Shape("products: q 3 chars, many matches, first page late", "public", _fixed(q="g 9")),
    Shape("products: q no match", "public", _fixed(q="zebra")),
    Shape("products: q no match, literal %", "public", _fixed(q="50%")),
    Shape("products: q 2 chars, common", "public", _fixed(q="mu")),
    Shape("products: q 2 chars, no match", "public", _fixed(q="zq")),
    Shape("products: q 1 char, common", "public", _fixed(q="e")),
    Shape("products: q 1 char, no match", "public", _fixed(q="z")),
    # Names end in their id, so a number's prefix matches more names in a larger catalogue: at
    # 1M, `lamp 12` has about 1,100 matches (read by id from the name index) and `lamp 1` about
    # 11,000 (more than FEW: read in id order); at 10k, a hundredth of that.
    Shape("products: q mid-frequency, below FEW at 1M", "public", _fixed(q="lamp 12")),
    Shape("products: q mid-frequency, above FEW at 1M", "public", _fixed(q="lamp 1")),
    Shape("products: min_price broad", "public", _fixed(min_price_cents=1000)),
    Shape("products: min_price few matches", "public", _fixed(min_price_cents=49_995)),
    Shape("products: max_price few matches", "public", _fixed(max_price_cents=104)),
    Shape("products: price range broad", "public", _fixed(min_price_cents=1000, max_price_cents=40_000)),
    Shape("products: price range 1 %", "public", _fixed(min_price_cents=20_000, max_price_cents=20_499)),
    Shape("products: price no match", "public", _fixed(min_price_cents=60_000)),
    # The one shape whose query differs by size: a price range holding about 20 products at each.
    Shape("products: price range, ~20 at each size", "public", _prices_holding(20)),
    Shape("products: price broad, deep cursor", "public", _deep(min_price_cents=1000)),
    Shape("products: q common + price few", "public", _fixed(q="kettle", min_price_cents=49_990)),
    Shape(
        "products: q common + price, ~20 at each size",
        "public",
        lambda n: {"q": "kettle", **_prices_holding(200)(n)},
    ),
    Shape("products: q common + price broad", "public", _fixed(q="kettle", max_price_cents=40_000)),
    Shape("products: q no match + price broad", "public", _fixed(q="zebra", min_price_cents=1000)),
    Shape("products: q rare + price", "public", _fixed(q=" 5000", max_price_cents=25_000)),
    Shape("orders: admin, all", "admin", _fixed()),
    Shape("orders: admin, status", "admin", _fixed(status="paid")),
    Shape("orders: admin, user_id", "admin", _fixed(user_id=CUSTOMER)),
    Shape("orders: admin, user_id + status", "admin", _fixed(user_id=CUSTOMER, status="shipped")),
    Shape("orders: admin, deep cursor", "admin", _fixed(cursor=2000)),
    Shape("orders: customer's own", "customer", _fixed()),
    Shape("orders: customer's own, status", "customer", _fixed(status="pending")),
    Shape("users: admin", "admin", _fixed()),
    Shape("users: admin, deep cursor", "admin", _fixed(cursor=900)),
]


# Products added after the seed at every size (ids after the seeded ones): a rare name with the
# same matches in both catalogues, and a new collection: more names than FEW, all of them later
# than every seeded product (priced inside the broad price shapes only).
NEEDLES = [(f"brass needle {n}", 100) for n in range(1, 6)]
COLLECTION = [(f"orbit chair {n}", 25_000) for n in range(1, 2501)]


@contextmanager
def seeded(kind: str, spec: SeedSpec, workdir: Path) -> Iterator[str]:
    """A database URL seeded with `spec`, migrated to head."""
    password_hash = Passwords.from_settings(settings_from(SERVER_ENV)).hash(PASSWORD)
    if kind == "sqlite":
        CACHE.mkdir(parents=True, exist_ok=True)
        path = CACHE / f"sqlite-p{spec.products}-u{spec.users}-o{spec.orders}-s{spec.seed}-late.db"
        if not path.exists():
            print(f"seeding {spec.products:,} products on SQLite into {path} (cached for reruns)")
            with fresh_database("sqlite", workdir, "scale") as url:
                database = Database(url)
                seed(database, spec, password_hash)
                add_late_products(database)
                with database.engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                database.dispose()
                Path(url.removeprefix("sqlite:///")).rename(path)
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    with fresh_database("postgresql", workdir, "scale", pg_admin_url()) as url:
        print(f"seeding {spec.products:,} products on PostgreSQL")
        database = Database(url)
        seed(database, spec, password_hash)
        add_late_products(database)
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        database.dispose()
        yield url


def add_late_products(database: Database) -> None:
    with database.write() as session:
        session.add_all(
            Product(name=name, description="", price_cents=price, stock=1, version=1)
            for name, price in NEEDLES + COLLECTION
        )


class Client:
    def __init__(self, url: str) -> None:
        settings = settings_from({**SERVER_ENV, "DATABASE_URL": url})
        self.app = create_app(settings)
        self.client: FlaskClient = self.app.test_client()
        self.runtime: Runtime = self.app.extensions[EXTENSION_KEY]
        tokens = self.runtime.tokens
        self.headers = {
            "public": {},
            "admin": {"Authorization": f"Bearer {tokens.issue(1, 'admin')}"},
            "customer": {"Authorization": f"Bearer {tokens.issue(CUSTOMER, 'customer')}"},
        }

    def get(self, path: str, who: str) -> tuple[float, int]:
        """Seconds taken and the number of items on the page."""
        start = time.perf_counter()
        response = self.client.get(path, headers=self.headers[who])
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.get_data(as_text=True)}")
        return elapsed, len(response.get_json()["items"])

    def dispose(self) -> None:
        self.runtime.db.dispose()


def measure(small: Client, large: Client, sizes: tuple[int, int], samples: int, only: str) -> list[ScaleRow]:
    rows = []
    for shape in (shape for shape in SHAPES if only in shape.name):
        paths = shape.path(sizes[0]), shape.path(sizes[1])
        times: tuple[list[float], list[float]] = ([], [])
        items = [0, 0]
        for index in range(samples + 3):  # three warm-up requests each
            for side in (0, 1) if index % 2 else (1, 0):  # alternate which size goes first
                elapsed, items[side] = (small, large)[side].get(paths[side], shape.who)
                if index >= 3:
                    times[side].append(elapsed)
        row = ScaleRow(
            shape=shape.name,
            path_small=paths[0],
            items_small=items[0],
            items_large=items[1],
            median_ms_small=statistics.median(times[0]) * 1000,
            median_ms_large=statistics.median(times[1]) * 1000,
            min_ms_small=min(times[0]) * 1000,
            min_ms_large=min(times[1]) * 1000,
        )
        rows.append(row)
        print(
            f"  {row.shape:<40} {row.median_ms_small:8.2f} {row.median_ms_large:9.2f} {row.ratio:6.2f}",
            flush=True,
        )
    return rows


SHARED: tuple[Shared, ...] = ()


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database", default="sqlite,postgresql", help="sqlite, postgresql or both")
    p.add_argument("--sizes", default="10000,1000000", help="the small and the large product count")
    p.add_argument("--samples", type=int, default=60, help="timed requests per shape and size")
    p.add_argument("--max-ratio", type=float, default=1.5, help="the largest ratio that passes")
    p.add_argument("--only", default="", help="only the shapes whose name contains this text")
    p.add_argument("--json", type=Path, help="also write the rows here")


def run(args: argparse.Namespace) -> int:
    small_n, large_n = (int(part) for part in args.sizes.split(","))
    sizes = (small_n, large_n)
    failed = False
    report: dict[str, list[ScaleRow]] = {}
    for kind in args.database.split(","):
        if kind == "postgresql" and (reason := postgres_unavailable_reason()):
            print(f"PostgreSQL skipped: {reason}")
            failed = True
            continue
        with ExitStack() as stack:
            workdir = CACHE / "work"
            workdir.mkdir(parents=True, exist_ok=True)
            urls = [stack.enter_context(seeded(kind, SeedSpec(products=n), workdir)) for n in sizes]
            clients = [Client(url) for url in urls]
            for client in clients:
                stack.callback(client.dispose)
            print(f"{kind}: {'shape':<40} {sizes[0]:>8,} {sizes[1]:>9,}  ratio (median ms)")
            rows = measure(clients[0], clients[1], sizes, args.samples, args.only)
        print(view.table(kind, sizes, rows, args.max_ratio))
        failed |= any(row.verdict(args.max_ratio) == "FAIL" for row in rows)
        report[kind] = rows
    if args.json:
        view.write_json(report, args.json)
    return 1 if failed else 0
