"""A quick contract check over HTTP, run on every server before it is measured.

A benchmark of a wrong implementation is worthless (TechEmpower refuses such entries too), so
a server that fails any check gets no numbers. The checks cover every route the scenarios use,
with bodies compared to what the deterministic seed says they must be.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
PRODUCT_KEYS = {"id", "name", "description", "price_cents", "stock", "created_at", "updated_at"}
ORDER_KEYS = {"id", "user_id", "status", "items", "total_cents", "created_at", "updated_at"}


class Verification:
    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)
        self.failures: list[str] = []

    def check(self, what: str, condition: bool) -> None:
        if not condition:
            self.failures.append(what)

    def json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None


def verify(base_url: str, fixture: dict[str, Any], expected_product: dict[str, Any]) -> list[str]:
    """Return what is wrong (empty when the server passes)."""
    v = Verification(base_url)
    auth = {"Authorization": f"Bearer {fixture['tokens'][0]}"}
    with v.client:
        for name, step in STEPS:
            try:
                step(v, auth, fixture, expected_product)
            except httpx.HTTPError as error:
                v.failures.append(f"{name}: {error!r}")
    return v.failures


def _health(v: Verification, *_: Any) -> None:
    response = v.client.get("/health")
    v.check(
        "GET /health answers 200 {'status': 'ok'}",
        (response.status_code, v.json(response)) == (200, {"status": "ok"}),
    )


def _product(
    v: Verification, _auth: dict[str, str], _fixture: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = v.client.get(f"/v1/products/{expected['id']}")
    body = v.json(response)
    v.check("GET /v1/products/{id} answers 200", response.status_code == 200)
    v.check(
        "GET /v1/products/{id} has exactly the product fields",
        isinstance(body, dict) and set(body) == PRODUCT_KEYS,
    )
    if isinstance(body, dict):
        for key in ("id", "name", "description", "price_cents"):
            v.check(f"GET /v1/products/{{id}} returns the seeded {key}", body.get(key) == expected[key])
        v.check(
            "GET /v1/products/{id} timestamps are RFC 3339 UTC",
            bool(TIMESTAMP.match(str(body.get("created_at")))),
        )
    v.check(
        "GET /v1/products/{id} sends an ETag",
        re.fullmatch(r'"\d+"', response.headers.get("ETag", "")) is not None,
    )
    missing = v.client.get("/v1/products/0")
    v.check(
        "GET /v1/products/0 answers 404 not_found",
        missing.status_code == 404 and (v.json(missing) or {}).get("error") == "not_found",
    )


def _list(v: Verification, *_: Any) -> None:
    response = v.client.get("/v1/products", params={"limit": "5"})
    body = v.json(response) or {}
    items = body.get("items", [])
    v.check(
        "GET /v1/products answers a page",
        response.status_code == 200 and set(body) == {"items", "next_cursor"},
    )
    v.check(
        "GET /v1/products honours limit and orders by id", [p.get("id") for p in items] == [1, 2, 3, 4, 5]
    )
    follow = v.client.get("/v1/products", params={"limit": "5", "cursor": str(body.get("next_cursor"))})
    v.check(
        "GET /v1/products follows its cursor",
        [p.get("id") for p in (v.json(follow) or {}).get("items", [])] == [6, 7, 8, 9, 10],
    )
    bad = v.client.get("/v1/products", params={"limit": "0"})
    v.check(
        "GET /v1/products?limit=0 answers 422",
        bad.status_code == 422 and (v.json(bad) or {}).get("error") == "validation_error",
    )


def _me(v: Verification, auth: dict[str, str], fixture: dict[str, Any], _expected: dict[str, Any]) -> None:
    response = v.client.get("/v1/users/me", headers=auth)
    v.check(
        "GET /v1/users/me answers 200 with the token's user",
        response.status_code == 200 and (v.json(response) or {}).get("email") == fixture["token_emails"][0],
    )
    anonymous = v.client.get("/v1/users/me")
    v.check(
        "GET /v1/users/me without a token answers 401",
        anonymous.status_code == 401 and anonymous.headers.get("WWW-Authenticate") == "Bearer",
    )


def _order(v: Verification, auth: dict[str, str], _fixture: dict[str, Any], expected: dict[str, Any]) -> None:
    body = {"items": [{"product_id": expected["id"], "quantity": 2}]}
    response = v.client.post("/v1/orders", json=body, headers=auth)
    order = v.json(response) or {}
    v.check("POST /v1/orders answers 201", response.status_code == 201)
    v.check("POST /v1/orders has exactly the order fields", set(order) == ORDER_KEYS)
    v.check(
        "POST /v1/orders totals the snapshot price", order.get("total_cents") == 2 * expected["price_cents"]
    )
    v.check(
        "POST /v1/orders sends Location", response.headers.get("Location") == f"/v1/orders/{order.get('id')}"
    )
    mine = v.client.get("/v1/orders", headers=auth)
    v.check(
        "GET /v1/orders lists the new order first",
        ((v.json(mine) or {}).get("items") or [{}])[0].get("id") == order.get("id"),
    )


def _login(
    v: Verification, _auth: dict[str, str], fixture: dict[str, Any], _expected: dict[str, Any]
) -> None:
    good = v.client.post(
        "/v1/auth/token", json={"email": fixture["emails"][0], "password": fixture["password"]}
    )
    v.check(
        "POST /v1/auth/token answers 200 with a bearer token",
        good.status_code == 200 and (v.json(good) or {}).get("token_type") == "bearer",
    )
    wrong = v.client.post(
        "/v1/auth/token", json={"email": fixture["emails"][0], "password": "wrong-password"}
    )
    v.check(
        "POST /v1/auth/token with a wrong password answers 401 invalid_credentials",
        (v.json(wrong) or {}).get("error") == "invalid_credentials",
    )


STEPS: list[tuple[str, Callable[[Verification, dict[str, str], dict[str, Any], dict[str, Any]], None]]] = [
    ("health", _health),
    ("product", _product),
    ("list", _list),
    ("me", _me),
    ("order", _order),
    ("login", _login),
]
