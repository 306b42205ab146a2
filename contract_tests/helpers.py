"""Small helpers the contract tests share: unique users, tokens, products."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD = "correct-horse-battery"


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


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


def new_customer(client: httpx.Client, name: str = "Test Customer") -> Account:
    email = unique_email()
    response = client.post("/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name})
    assert response.status_code == 201, response.text
    return Account(response.json(), email, PASSWORD, token_for(client, email, PASSWORD))


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


def assert_error(response: httpx.Response, status: int, code: str, fields: set[str] | None = None) -> None:
    """The contract's error format: status, code, a message, and details only where expected."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    if fields is None:
        assert "details" not in body or code == "insufficient_stock", body
    else:
        assert {detail["field"] for detail in body["details"]} == fields, body
        assert set(body) == {"error", "message", "details"}
