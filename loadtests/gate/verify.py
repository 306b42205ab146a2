"""The verification gate: a contract check over HTTP, run on every server before it is measured.

A benchmark of a wrong implementation is worthless (TechEmpower refuses such entries too), so a
server that fails any check gets no numbers. The checks make the requests the scenarios make and
compare the answers with the rows of the server's own database, filtered here in Python: the
expectation shares no code with the services. The last check counts the SQL each operation
issues (the server runs with VERIFY_ENV), so no server is faster by doing less work.
loadtests/gate/sabotage.py breaks each check on purpose.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlencode

import httpx
import jwt
from sqlalchemy import make_url, select

from contract_tests.sql_statements import STATEMENTS
from core.auth import ALGORITHM, key_id
from core.db import Database
from core.models import Product
from core.pagination import decode_cursor
from core.settings import Settings
from core.sqlcount import SQL_STATEMENTS_HEADER
from loadtests.env.fixture import Fixture
from loadtests.gate.expect import Expect, json_object, page_ids, product_mismatch, short

SEED = 20260101
SAMPLES = 10
DEFAULT_LIMIT = 20
ORDER_KEYS = {"id", "user_id", "status", "items", "total_cents", "created_at", "updated_at"}
UTC_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
FORGING_SECRET = "not-the-server-secret-but-just-as-long-0123456789"
# Far beyond core.auth.CLOCK_SKEW_SECONDS: only a server that ignores `exp` accepts it.
EXPIRED_AGO = timedelta(hours=1)
# What a server under verification runs with, besides its benchmark settings.
VERIFY_ENV = {"SQL_COUNT_HEADER": "true"}


@dataclass(frozen=True)
class Target:
    client: httpx.Client
    catalogue: list[Product]  # every product, by id, as the server's database holds it

    def sample_ids(self) -> list[int]:
        """The first and the last product and SAMPLES random ones."""
        ids = [product.id for product in self.catalogue]
        return sorted({ids[0], ids[-1], *random.Random(SEED).sample(ids, min(SAMPLES, len(ids)))})


@dataclass(frozen=True)
class Implementation(Target):
    fixture: Fixture
    settings: Settings
    database: str  # sqlite or postgresql: their SQL statements differ

    def me(self, token: str | None) -> httpx.Response:
        return self.client.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})


T = TypeVar("T", bound=Target)
Check = Callable[[T, Expect], None]


def verify_implementation(
    client: httpx.Client, fixture: Fixture, database_url: str, settings: Settings
) -> list[str]:
    """What is wrong with the API server behind `client` (empty when it passes)."""
    database = make_url(database_url).get_backend_name()
    return _run(
        Implementation(client, _catalogue(database_url), fixture, settings, database), IMPLEMENTATION_CHECKS
    )


def verify_floor(client: httpx.Client, database_url: str) -> list[str]:
    """What is wrong with the floor app behind `client` (empty when it passes)."""
    return _run(Target(client, _catalogue(database_url)), FLOOR_CHECKS)


def _run(target: T, checks: Sequence[tuple[str, Check[T]]]) -> list[str]:
    failures: list[str] = []
    for name, check in checks:
        try:
            check(target, Expect(name, failures))
        except httpx.HTTPError as error:
            failures.append(f"{name}: the request failed ({error!r})")
    return failures


def _catalogue(database_url: str) -> list[Product]:
    db = Database(database_url, pool_size=1)
    try:
        with db.read() as session:
            return list(session.scalars(select(Product).order_by(Product.id)))
    finally:
        db.dispose()


def _expect_page(t: Target, expect: Expect, params: dict[str, str], hits: list[Product], what: str) -> None:
    """The page `GET /v1/products?params` holds the first `hits`, by id, and says if more exist."""
    limit, request = int(params.get("limit", DEFAULT_LIMIT)), f"GET /v1/products?{urlencode(params)}"
    response = t.client.get("/v1/products", params=params)
    body, ids = json_object(response), [product.id for product in hits[:limit]]
    ok = response.status_code == 200 and set(body) == {"items", "next_cursor"} and page_ids(body) == ids
    expect(ok, f"{request} answered {response.status_code} {short(page_ids(body))}; {what} {short(ids)}")
    more = (body.get("next_cursor") is not None) == (len(hits) > limit)
    expect(not ok or more, f"{request} has next_cursor {body.get('next_cursor')!r} with {len(hits)} hits")


# --- the checks ---------------------------------------------------------------------------------


def _answers(path: str, wanted: dict[str, str]) -> Check[Target]:
    def check(t: Target, expect: Expect) -> None:
        response = t.client.get(path)
        ok = response.status_code == 200 and json_object(response) == wanted
        expect.answer(ok, f"GET {path}", response, f"200 {wanted}")

    return check


def _products_by_id(prefix: str, timestamps: re.Pattern[str], api: bool) -> Check[Target]:
    """Sampled ids answer their database row; 0 and an unused id answer 404 (the API: with
    the ETag of the row's version, and the contract's not_found)."""

    def check(t: Target, expect: Expect) -> None:
        rows = {product.id: product for product in t.catalogue}
        for product_id in t.sample_ids():
            request, row = f"GET {prefix}/{product_id}", rows[product_id]
            response = t.client.get(f"{prefix}/{product_id}")
            if response.status_code != 200:
                expect.answer(False, request, response, "200 with its database row")
                continue
            problem = product_mismatch(json_object(response), row, timestamps)
            expect(problem is None, f"{request} does not answer its database row: {problem}")
            etag = response.headers.get("ETag")
            expect(not api or etag == f'"{row.version}"', f"{request} sent ETag {etag!r}, not its version")
        for missing in (0, t.catalogue[-1].id + 1):
            response = t.client.get(f"{prefix}/{missing}")
            ok = response.status_code == 404 and (
                not api or json_object(response).get("error") == "not_found"
            )
            expect.answer(ok, f"GET {prefix}/{missing}", response, "404 not_found" if api else "404")

    return check


def _conditional_get(t: Target, expect: Expect) -> None:
    path = f"/v1/products/{random.Random(SEED).choice(t.sample_ids())}"
    etag = t.client.get(path).headers.get("ETag", "")
    for tag in (etag, f"W/{etag}"):
        response = t.client.get(path, headers={"If-None-Match": tag})
        ok = response.status_code == 304 and not response.content and response.headers.get("ETag") == etag
        request = f"GET {path} with If-None-Match: {tag} (its ETag)"
        expect(ok, f"{request} answered {response.status_code} with {len(response.content)} body bytes")


def _list(t: Target, expect: Expect) -> None:
    _expect_page(t, expect, {"limit": "5"}, t.catalogue, "the database's first 5 are")
    response = t.client.get("/v1/products", params={"limit": "0"})
    body = json_object(response)
    details = body.get("details")
    fields = [d.get("field") for d in details if isinstance(d, dict)] if isinstance(details, list) else []
    ok = response.status_code == 422 and body.get("error") == "validation_error" and fields == ["limit"]
    expect.answer(ok, "GET /v1/products?limit=0", response, "422 validation_error naming limit")


def _cursor(t: Implementation, expect: Expect) -> None:
    cursor = json_object(t.client.get("/v1/products", params={"limit": "5"})).get("next_cursor")
    _expect_page(t, expect, {"limit": "5", "cursor": str(cursor)}, t.catalogue[5:], "the next 5 are")
    for fixed in random.Random(SEED).sample(t.fixture.cursors, min(3, len(t.fixture.cursors))):
        after = decode_cursor(fixed) or 0
        hits = [product for product in t.catalogue if product.id > after]
        _expect_page(t, expect, {"cursor": fixed}, hits, f"the products right after id {after} are")


def _q_filter(t: Implementation, expect: Expect) -> None:
    """`q` is a case-insensitive literal substring of the name (contract, Products)."""
    first, second = random.Random(SEED).choices(t.fixture.words, k=2)
    for word, limit in ((first, {}), (second.upper(), {"limit": "100"})):
        hits = [product for product in t.catalogue if word.lower() in product.name.lower()]
        _expect_page(t, expect, {"q": word} | limit, hits, f"the names containing {word!r} are")


def _price_filter(t: Implementation, expect: Expect) -> None:
    rng = random.Random(SEED)
    for limit in ({}, {"limit": "100"}):
        low = rng.randrange(0, 40_000)  # the ranges the scenarios ask for
        high = low + rng.randrange(500, 10_000)
        hits = [product for product in t.catalogue if low <= product.price_cents <= high]
        params = {"min_price_cents": str(low), "max_price_cents": str(high)} | limit
        _expect_page(t, expect, params, hits, f"the products priced {low} to {high} are")


def _me(t: Implementation, expect: Expect) -> None:
    response = t.me(t.fixture.tokens[0])
    ok = response.status_code == 200 and json_object(response).get("email") == t.fixture.token_emails[0]
    expect.answer(ok, "GET /v1/users/me", response, f"200 with the email {t.fixture.token_emails[0]}")
    expect.error("GET /v1/users/me without a token", t.client.get("/v1/users/me"), 401, "unauthorized")


def _token(t: Implementation, secret: str, kid: str, issued_at: datetime) -> str:
    """The fixture's first token signed anew: same claims, other times and jti."""
    claims = jwt.decode(t.fixture.tokens[0], options={"verify_signature": False})
    ttl = timedelta(seconds=t.settings.jwt_ttl_seconds)
    claims |= {"iat": issued_at, "exp": issued_at + ttl, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, secret, algorithm=ALGORITHM, headers={"kid": kid})


def _forged_token(t: Implementation, expect: Expect) -> None:
    for kid, whose in (
        (key_id(FORGING_SECRET), "its own"),
        (key_id(t.settings.jwt_secret.get_secret_value()), "the server's"),
    ):
        token = _token(t, FORGING_SECRET, kid, datetime.now(UTC))
        request = f"GET /v1/users/me with a token signed by another secret ({whose} kid)"
        expect.error(request, t.me(token), 401, "unauthorized")


def _expired_token(t: Implementation, expect: Expect) -> None:
    issued_at = datetime.now(UTC) - EXPIRED_AGO - timedelta(seconds=t.settings.jwt_ttl_seconds)
    token = _token(
        t,
        t.settings.jwt_secret.get_secret_value(),
        key_id(t.settings.jwt_secret.get_secret_value()),
        issued_at,
    )
    expect.error("GET /v1/users/me with a token expired an hour ago", t.me(token), 401, "unauthorized")


def _login(t: Implementation, expect: Expect) -> None:
    email = t.fixture.emails[0]
    response = t.client.post("/v1/auth/token", json={"email": email, "password": t.fixture.password})
    body, ttl = json_object(response), t.settings.jwt_ttl_seconds
    ok = response.status_code == 200 and set(body) == {"access_token", "token_type", "expires_in"}
    ok = ok and (body["token_type"], body["expires_in"]) == ("bearer", ttl)
    expect.answer(ok, "POST /v1/auth/token", response, f"200 with a bearer token for {ttl} s")
    me = t.me(body.get("access_token"))
    expect.answer(
        json_object(me).get("email") == email, f"GET /v1/users/me with the token of {email}", me, email
    )


def _wrong_password(t: Implementation, expect: Expect) -> None:
    credentials = {"email": t.fixture.emails[0], "password": "wrong-password"}
    response = t.client.post("/v1/auth/token", json=credentials)
    expect.error("POST /v1/auth/token with a wrong password", response, 401, "invalid_credentials")


def _order(t: Implementation, expect: Expect) -> None:
    product, auth = t.catalogue[0], {"Authorization": f"Bearer {t.fixture.tokens[0]}"}
    body = {"items": [{"product_id": product.id, "quantity": 2}]}
    response = t.client.post("/v1/orders", json=body, headers=auth)
    order = json_object(response)
    item = {"product_id": product.id, "quantity": 2, "unit_price_cents": product.price_cents}
    wanted = {"status": "pending", "items": [item], "total_cents": 2 * product.price_cents}
    ok = set(order) == ORDER_KEYS and {key: order[key] for key in wanted} == wanted
    expect.answer(response.status_code == 201 and ok, "POST /v1/orders", response, f"201 {wanted}")
    location = response.headers.get("Location")
    expect(location == f"/v1/orders/{order.get('id')}", f"POST /v1/orders sent Location {location!r}")
    mine = page_ids(json_object(t.client.get("/v1/orders", headers=auth))) or [None]
    expect(mine[0] == order.get("id"), f"GET /v1/orders does not list the new order first: {short(mine)}")


def _sql_statements(t: Implementation, expect: Expect) -> None:
    """Each operation the scenarios call issues the statements every front end issues
    (contract_tests/sql_statements.py, which the contract suite checks)."""
    product, token = t.catalogue[-1], t.fixture.tokens[0]
    auth = {"Authorization": f"Bearer {token}"}
    credentials = {"email": t.fixture.emails[0], "password": t.fixture.password}
    order = {"items": [{"product_id": product.id, "quantity": 1}]}
    calls: dict[str, Callable[[], httpx.Response]] = {
        "health": lambda: t.client.get("/health"),
        "read_product": lambda: t.client.get(f"/v1/products/{product.id}"),
        "list_products": lambda: t.client.get("/v1/products"),
        "read_me": lambda: t.me(token),
        "issue_token": lambda: t.client.post("/v1/auth/token", json=credentials),
        "place_order": lambda: t.client.post("/v1/orders", json=order, headers=auth),
        "list_orders": lambda: t.client.get("/v1/orders", headers=auth),
    }
    budget = STATEMENTS[t.database]
    for operation, call in calls.items():
        counted = call().headers.get(SQL_STATEMENTS_HEADER)
        if counted is None:
            expect(
                False, f"{operation}: no {SQL_STATEMENTS_HEADER} header (serve it with SQL_COUNT_HEADER=true)"
            )
            return
        expect(
            int(counted) == budget[operation],
            f"{operation} issued {counted} SQL statements; every front end issues {budget[operation]}",
        )


IMPLEMENTATION_CHECKS: list[tuple[str, Check[Implementation]]] = [
    ("health", _answers("/health", {"status": "ok"})),
    ("product by id", _products_by_id("/v1/products", UTC_TIMESTAMP, api=True)),
    ("conditional GET", _conditional_get),
    ("list", _list),
    ("cursor", _cursor),
    ("q filter", _q_filter),
    ("price filter", _price_filter),
    ("me", _me),
    ("forged token", _forged_token),
    ("expired token", _expired_token),
    ("login", _login),
    ("wrong password", _wrong_password),
    ("order", _order),  # it changes the first product
    ("sql statements", _sql_statements),  # last: it orders the last product
]
FLOOR_CHECKS: list[tuple[str, Check[Target]]] = [
    ("hello", _answers("/hello", {"message": "hello"})),
    ("product by id", _products_by_id("/products", RFC3339, api=False)),
]
