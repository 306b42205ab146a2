"""Small helpers the contract tests share: unique users, tokens, products, pages, large bodies,
forged tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest

from contract_tests.targets import Target

PASSWORD = "correct-horse-battery"
MAX_ID = 2**63 - 1
JSON = {"Content-Type": "application/json"}
# Oversized requests ask for the connection to be closed, so that how a server treats the unread
# rest of a refused body is tested once (test_connection_is_usable_after_an_oversized_body), not
# as a side effect of whichever request happens to follow on the same connection.
CLOSE = {"Connection": "close"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
USER_FIELDS = {"id", "email", "name", "role", "created_at"}
PRODUCT_FIELDS = {"id", "name", "description", "price_cents", "stock", "created_at", "updated_at"}
ORDER_FIELDS = {"id", "user_id", "status", "items", "total_cents", "created_at", "updated_at"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def unique_tag() -> str:
    """A string no other test's product name contains: filter lists with `q=<tag>`."""
    return f"tag{uuid.uuid4().hex[:16]}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(client: httpx.Client, email: str, password: str) -> str:
    response = client.post("/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@dataclass(frozen=True)
class Account:
    user: dict[str, Any]
    email: str
    password: str
    token: str

    @property
    def id(self) -> int:
        user_id: int = self.user["id"]
        return user_id

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def login(client: httpx.Client, email: str, password: str) -> Account:
    """An existing user's account, as the server shows it at /v1/users/me."""
    token = token_for(client, email, password)
    me = client.get("/v1/users/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    return Account(me.json(), email, password, token)


def new_customer(client: httpx.Client, name: str = "Test Customer") -> Account:
    email = unique_email()
    response = client.post("/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name})
    assert response.status_code == 201, response.text
    return Account(response.json(), email, PASSWORD, token_for(client, email, PASSWORD))


def new_admin(client: httpx.Client, admin: Account) -> Account:
    """A second admin (a fresh customer promoted), for tests that deactivate or demote one."""
    account = new_customer(client, name="Second Admin")
    response = client.patch(f"/v1/users/{account.id}", json={"role": "admin"}, headers=admin.headers)
    assert response.status_code == 200, response.text
    return Account(response.json(), account.email, account.password, account.token)


def new_product(client: httpx.Client, admin: Account, **fields: Any) -> dict[str, Any]:
    body = {"name": f"Product {uuid.uuid4().hex[:8]}", "price_cents": 1000, "stock": 100, **fields}
    response = client.post("/v1/products", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


def new_order(client: httpx.Client, buyer: Account, items: list[dict[str, int]]) -> dict[str, Any]:
    response = client.post("/v1/orders", json={"items": items}, headers=buyer.headers)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def product_state(client: httpx.Client, product_id: int) -> tuple[int, str]:
    """(stock, ETag) of a product as the public read shows it."""
    response = client.get(f"/v1/products/{product_id}")
    assert response.status_code == 200, response.text
    stock: int = response.json()["stock"]
    return stock, response.headers["ETag"]


def walk(
    client: httpx.Client,
    path: str,
    params: dict[str, str | int] | None = None,
    headers: dict[str, str] | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Every item of a list, following `next_cursor` until it is null."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10_000):
        query: dict[str, str | int] = {**(params or {}), "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        response = client.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}, page
        assert len(page["items"]) <= limit
        assert page["items"] or cursor is None, "the page after a non-null cursor is never empty"
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert isinstance(cursor, str) and cursor
        assert len(page["items"]) == limit, "a page before the last is full"
    raise AssertionError(f"{path} never returned next_cursor null")


def location_path(response: httpx.Response) -> str:
    """The path a `Location` header names (relative or absolute)."""
    return response.url.join(response.headers["Location"]).path


def assert_timestamp(value: object) -> None:
    assert isinstance(value, str) and TIMESTAMP.match(value), value


def assert_error(response: httpx.Response, status: int, code: str, fields: set[str] | None = None) -> None:
    """The contract's error format: status, code, a message, and details only where expected."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    if fields is None:
        assert set(body) == {"error", "message"}, body
    else:
        assert {detail["field"] for detail in body["details"]} == fields, body
        assert all(isinstance(detail["message"], str) and detail["message"] for detail in body["details"])
        assert set(body) == {"error", "message", "details"}
    if status == 401:
        assert response.headers.get("WWW-Authenticate", "").startswith("Bearer"), response.headers


def assert_unauthorized(response: httpx.Response) -> None:
    assert_error(response, 401, "unauthorized")


def megabytes(count: int) -> Iterator[bytes]:
    """`count` MiB, streamed (chunked unless a Content-Length is given)."""
    return itertools.repeat(b"x" * (1 << 20), count)


# --- forged tokens -----------------------------------------------------------------------------


def kid_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def secret_of(target: Target) -> str:
    if target.jwt_secret is None:
        pytest.skip("forging tokens needs the server's JWT secret (not known for an external --base-url)")
    return target.jwt_secret


def claims_for(target: Target, account: Account, **overrides: Any) -> dict[str, Any]:
    """The claims a token of ours carries; an override of None drops that claim."""
    now = int(time.time())
    claims = {
        "sub": str(account.id),
        "role": account.user["role"],
        "iat": now,
        "exp": now + 900,
        "iss": target.jwt_issuer,
        "jti": uuid.uuid4().hex,
        **overrides,
    }
    return {name: value for name, value in claims.items() if value is not None}


def forge(
    target: Target,
    account: Account,
    *,
    secret: str | None = None,
    kid: str | None = "derive",
    algorithm: str = "HS256",
    claims: dict[str, Any] | None = None,
) -> str:
    """A token for `account`, signed with `secret` (default: the server's) and naming `kid`."""
    key = secret if secret is not None else secret_of(target)
    headers = {} if kid is None else {"kid": kid_of(key) if kid == "derive" else kid}
    return jwt.encode(
        claims_for(target, account, **(claims or {})), key, algorithm=algorithm, headers=headers
    )


def b64(data: dict[str, Any] | bytes) -> str:
    """base64url without padding, of bytes or of a JSON object."""
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hand_signed(header: dict[str, Any], claims: dict[str, Any], secret: str) -> str:
    """A JWS with any header, signed HMAC-SHA256 by hand (PyJWT refuses to write odd headers)."""
    signing_input = f"{b64(header)}.{b64(claims)}"
    return f"{signing_input}.{b64(hmac.digest(secret.encode(), signing_input.encode(), 'sha256'))}"


def me(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/v1/users/me", headers=bearer(token))
