"""The steps of a differential sequence (one request each) and the Hypothesis strategies that
draw them, valid and invalid alike. Actors and cursors are named symbolically, since each front
end issues its own tokens and cursors. Ids are drawn from small ranges (1-6, orders 1-4): from
identical fresh databases every front end assigns the same ids, and a small range often hits a
resource that exists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import jwt
from hypothesis import strategies as st

from contract_tests.helpers import PASSWORD
from contract_tests.targets import ADMIN_EMAIL, ADMIN_PASSWORD
from core.pagination import encode_cursor

T = TypeVar("T")
Json = dict[str, Any]

CUSTOMERS = ("c1", "c2", "c3")
ACTORS = ("admin", *CUSTOMERS)
EMAILS = {"admin": ADMIN_EMAIL, **{name: f"{name}@example.com" for name in CUSTOMERS}}
PASSWORDS = {"admin": ADMIN_PASSWORD, **dict.fromkeys(CUSTOMERS, PASSWORD)}
NEW_PASSWORD = "new-password-42"
# Well-formed, but signed with a secret the servers do not know.
FORGED_TOKEN = jwt.encode(
    {"sub": "1", "role": "admin", "iat": 1_700_000_000, "exp": 4_000_000_000, "iss": "shop-api"},
    "not-the-server-secret-0123456789abcdef",
    algorithm="HS256",
)
BAD_AUTHORIZATIONS = ("Bearer garbage", "Bearer", "Basic YWRtaW46YWRtaW4=", f"Bearer {FORGED_TOKEN}")


@dataclass(frozen=True)
class Call:
    """A step as sent: the arguments of Replayer.call (its cursor resolved to a step number)."""

    number: int
    method: str
    path: str
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class Step:
    method: str
    path: str
    actor: str | None = None
    authorization: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    # Which of the cursors returned so far to send, modulo their number (none yet: no cursor).
    cursor_pick: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    json: Any = None
    content: bytes | None = None
    login: str | None = None

    def call(self, number: int, cursors: Sequence[int]) -> Call:
        cursor = (
            cursors[self.cursor_pick % len(cursors)] if self.cursor_pick is not None and cursors else None
        )
        kwargs = {
            "actor": self.actor,
            "authorization": self.authorization,
            "params": list(self.params) or None,
            "cursor": cursor,
            "headers": dict(self.headers) or None,
            "json": self.json,
            "content": self.content,
            "login": self.login,
        }
        return Call(number, self.method, self.path, {k: v for k, v in kwargs.items() if v is not None})


# Every sequence starts from here: an admin, two customers, three products, an order of each
# customer (order 1 with an Idempotency-Key).
PREAMBLE = (
    Step("POST", "/v1/auth/token", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, login="admin"),
    *(
        step
        for name in ("c1", "c2")
        for step in (
            Step(
                "POST", "/v1/auth/register", json={"email": EMAILS[name], "password": PASSWORD, "name": name}
            ),
            Step("POST", "/v1/auth/token", json={"email": EMAILS[name], "password": PASSWORD}, login=name),
        )
    ),
    *(
        Step("POST", "/v1/products", actor="admin", json={"name": name, "price_cents": price, "stock": stock})
        for name, price, stock in (("Widget", 1000, 50), ("Gadget 100%", 250, 100), ("blue_mug", 0, 1))
    ),
    Step(
        "POST",
        "/v1/orders",
        actor="c1",
        headers=(("Idempotency-Key", "k1"),),
        json={"items": [{"product_id": 1, "quantity": 2}, {"product_id": 2, "quantity": 1}]},
    ),
    Step("POST", "/v1/orders", actor="c2", json={"items": [{"product_id": 2, "quantity": 3}]}),
)


def mostly(valid: Sequence[T], invalid: Sequence[T] = ()) -> st.SearchStrategy[T]:
    """A valid value nine times in ten; shrinks towards the first valid one."""
    if not invalid:
        return st.sampled_from(valid)
    return st.sampled_from([True] * 9 + [False]).flatmap(lambda ok: st.sampled_from(valid if ok else invalid))


ids = st.integers(min_value=1, max_value=6)
order_ids = st.integers(min_value=1, max_value=4)
# Mostly the admin or a customer who has logged in; c3 has a token only once a sequence has
# registered it and logged it in.
callers = mostly(
    [("c1", None), ("admin", None), ("c2", None)],
    [("c3", None), (None, None), *((None, authorization) for authorization in BAD_AUTHORIZATIONS)],
)
limits = mostly(["1", "2", "5"], ["0", "101", "-1", "abc", "", "2.0"])
# Besides cursors the server returned: well-formed ones it never returned (after id 3, after 0).
cursor_literals = st.sampled_from(["garbage", "", encode_cursor(3), encode_cursor(0)])
if_match = mostly([None, '"1"', '"2"', '"3"', "*"], ['W/"1"', '"1", "2"', "garbage", '""'])
if_none_match = mostly([None, '"1"', '"2"', "*"], ['W/"1"', '"9", "1"', "garbage"])
idempotency_keys = mostly([None, "k1", "k2"], ["", "x" * 256, "tab\tkey"])


def body(
    fields: dict[str, st.SearchStrategy[Any]], *, optional: bool = False, unknown: Sequence[str] = ("colour",)
) -> st.SearchStrategy[Json]:
    """A JSON object of these fields, each sometimes left out (often when `optional`), and now
    and then with an unknown field."""

    @st.composite
    def draw_body(draw: st.DrawFn) -> Json:
        present = st.booleans() if optional else mostly([True], [False])
        value = {name: draw(strategy) for name, strategy in fields.items() if draw(present)}
        if draw(mostly([False], [True])):
            value[draw(st.sampled_from(unknown))] = 1
        return value

    return draw_body()


@st.composite
def with_params(draw: st.DrawFn, method: str, path: str, params: dict[str, st.SearchStrategy[str]]) -> Step:
    """A list request: some of these query parameters, a literal or a returned cursor."""
    query = [(name, draw(strategy)) for name, strategy in params.items() if draw(st.booleans())]
    cursor_pick = draw(st.none() | st.integers(min_value=0, max_value=3))
    if draw(mostly([False], [True])):
        query.append(("cursor", draw(cursor_literals)))
    actor, authorization = draw(callers)
    return Step(method, path, actor, authorization, tuple(query), cursor_pick)


@st.composite
def request(
    draw: st.DrawFn,
    method: str,
    path: str,
    json: st.SearchStrategy[Json] | None = None,
    headers: dict[str, st.SearchStrategy[str | None]] | None = None,
    login: str | None = None,
) -> Step:
    actor, authorization = draw(callers)
    drawn = ((name, draw(strategy)) for name, strategy in (headers or {}).items())
    sent = tuple((name, value) for name, value in drawn if value is not None)
    return Step(
        method,
        path,
        actor,
        authorization,
        headers=sent,
        json=None if json is None else draw(json),
        login=login,
    )


# --- bodies ----------------------------------------------------------------------------------

user_names = mostly(["Ada", "  Grace  "], ["", "   ", "x" * 101, None, 7])
passwords = mostly([PASSWORD, NEW_PASSWORD], ["short", "x" * 129, 12345678, None])
product_fields = {
    "name": mostly(["Widget", "  Spaced  ", "Gadget 100%", "Ünïcode"], ["", "   ", "x" * 201, None, 7]),
    "description": mostly(["", "A thing"], ["x" * 2001, None, 5]),
    "price_cents": mostly([0, 250, 1000, 10**12], [-1, 10**12 + 1, "5", 5.0, True, None]),
    "stock": mostly([0, 1, 5, 100, 10**9], [-1, 10**9 + 1, "5", 2.5, False, None]),
}
order_items = st.lists(
    body(
        {
            "product_id": mostly([1, 2, 3, 4, 5, 6, 7], [0, -1, "1", 1.0, None]),
            "quantity": mostly([1, 2, 3], [1000, 0, 1001, -1, "1", 1.5, True]),
        },
        unknown=["price_cents"],
    ),
    min_size=1,
    max_size=4,
)
odd_orders: list[Json] = [
    {"items": []},
    {"items": [{"product_id": 2, "quantity": 1}] * 51},
    {"items": None},
    {"items": {}},
]
# Five times in six a drawn body (one_of picks its branches evenly).
order_bodies = st.one_of(
    [*[body({"items": order_items}, unknown=["user_id", "status"])] * 5, st.sampled_from(odd_orders)]
)


def emails(who: str) -> st.SearchStrategy[Any]:
    return mostly([EMAILS[who], f"  {EMAILS[who].upper()} "], ["not-an-email", "", None, 5])


# --- steps -----------------------------------------------------------------------------------


@st.composite
def register(draw: st.DrawFn) -> Step:
    fields = {"email": emails(draw(st.sampled_from(ACTORS))), "password": passwords, "name": user_names}
    return draw(request("POST", "/v1/auth/register", body(fields, unknown=["role"])))


@st.composite
def log_in(draw: st.DrawFn) -> Step:
    who = draw(st.sampled_from(ACTORS))
    password = mostly([PASSWORDS[who], NEW_PASSWORD], ["wrong-password", "", 5])
    return draw(
        request("POST", "/v1/auth/token", body({"email": emails(who), "password": password}), login=who)
    )


@st.composite
def product_step(draw: st.DrawFn) -> Step:
    path = f"/v1/products/{draw(ids)}"
    choices = [
        request("GET", path, headers={"If-None-Match": if_none_match}),
        request("POST", "/v1/products", body(product_fields, unknown=["id", "version"])),
        request("PUT", path, body(product_fields), headers={"If-Match": if_match}),
        request("PATCH", path, body(product_fields, optional=True), headers={"If-Match": if_match}),
        request("DELETE", path, headers={"If-Match": if_match}),
        with_params(
            "GET",
            "/v1/products",
            {
                "limit": limits,
                "q": mostly(["", "widget", "GADGET", "%", "_"], ["x" * 201]),
                "min_price_cents": mostly(["0", "250", "1000"], ["-1", "abc", ""]),
                "max_price_cents": mostly(["0", "250", "1000"], ["-1", "1e3", ""]),
            },
        ),
    ]
    return draw(st.one_of(choices))


@st.composite
def order_step(draw: st.DrawFn) -> Step:
    path = f"/v1/orders/{draw(order_ids)}"
    statuses = mostly(["paid", "cancelled", "shipped"], ["pending", "refunded", None, 1])
    status_change = request("PATCH", path, body({"status": statuses}, unknown=["items"]))
    choices = [
        request("POST", "/v1/orders", order_bodies, headers={"Idempotency-Key": idempotency_keys}),
        status_change,
        request("GET", path),
        status_change,
        with_params(
            "GET",
            "/v1/orders",
            {
                "limit": limits,
                "status": mostly(["pending", "paid", "shipped", "cancelled"], ["refunded", ""]),
                "user_id": mostly(["1", "2", "3"], ["0", "abc"]),
            },
        ),
    ]
    return draw(st.one_of(choices))


@st.composite
def user_step(draw: st.DrawFn) -> Step:
    path = f"/v1/users/{draw(ids)}"
    roles = mostly(["admin", "customer"], ["root", None])
    update = body(
        {"name": user_names, "password": passwords, "role": roles}, optional=True, unknown=["email"]
    )
    choices = [
        request("GET", "/v1/users/me"),
        request("GET", path),
        request("PATCH", path, update),
        request("DELETE", path),
        with_params("GET", "/v1/users", {"limit": limits}),
    ]
    return draw(st.one_of(choices))


# Wrong methods, unknown routes and non-canonical ids. HEAD and OPTIONS are left out: the
# frameworks may answer them differently (the contract lets them differ in Allow).
odd_routes = st.sampled_from(
    [
        ("PUT", "/v1/orders/1"),
        ("DELETE", "/v1/orders"),
        ("PATCH", "/v1/users/me"),
        ("POST", "/v1/products/1"),
        ("DELETE", "/v1/users"),
        ("GET", "/v1/auth/token"),
        ("POST", "/health"),
        ("GET", "/v1/products/0"),
        ("GET", "/v1/orders/007"),
        ("GET", "/v1/users/abc"),
        ("GET", "/v1/products/9223372036854775808"),
        ("GET", "/v1/products/"),
        ("GET", "/v1/nope"),
        ("GET", "/health"),
    ]
)


@st.composite
def odd_route(draw: st.DrawFn) -> Step:
    method, path = draw(odd_routes)
    return draw(request(method, path))


# Raw bodies with their Content-Type (None: no header): empty, not JSON, not an object, not
# labelled JSON, labelled JSON with a charset, too large.
RAW_BODIES = [
    (b"", None),
    (b"", "application/json"),
    (b"{", "application/json"),
    (b"NaN", "application/json"),
    (b"\xff", "application/json"),
    (b"[]", "application/json"),
    (b"null", "application/json"),
    (b'"text"', "application/json"),
    (b"1", "application/json"),
    (b"{}", None),
    (b"{}", "text/plain"),
    (b"{}", "application/merge-patch+json"),
    (b"{}", "application/json; charset=utf-8"),
    (b" " * 65537, "application/json"),
]


@st.composite
def malformed(draw: st.DrawFn, steps: st.SearchStrategy[Step]) -> Step:
    """A step whose body is replaced by a raw one (also on GET and DELETE)."""
    step = draw(steps)
    content, content_type = draw(st.sampled_from(RAW_BODIES))
    headers = step.headers + ((("Content-Type", content_type),) if content_type else ())
    return replace(step, headers=headers, json=None, content=content)


def steps() -> st.SearchStrategy[Step]:
    """Any step: eight in ten an API request as drawn (orders and products most often, as they
    have the most state), one in ten the same with a raw body, one in ten an odd route."""
    api = st.one_of(
        [order_step(), order_step(), product_step(), product_step(), user_step(), log_in(), register()]
    )
    return st.one_of([*[api] * 8, malformed(api), odd_route()])
