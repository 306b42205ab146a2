"""Security battery (OWASP API3), properties: mass assignment and data exposure. Server-owned
fields in a request are rejected by name; a response holds exactly the documented fields.
SECURITY.md says what each test defends against.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from contract_tests.helpers import (
    ORDER_FIELDS,
    PASSWORD,
    PRODUCT_FIELDS,
    USER_FIELDS,
    Account,
    assert_error,
    bearer,
    me,
    new_order,
    new_product,
    unique_email,
)


def test_server_owned_fields_in_request_bodies_are_rejected_by_name_and_change_nothing(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    internal: dict[str, Any] = {
        "id": 1,
        "role": "admin",
        "is_active": True,
        "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        "created_at": "2020-01-01T00:00:00.000000Z",
        "updated_at": "2020-01-01T00:00:00.000000Z",
    }
    email = unique_email()
    register = {"email": email, "password": PASSWORD, "name": "Mass", **internal}
    assert_error(client.post("/v1/auth/register", json=register), 422, "validation_error", set(internal))
    login_attempt = client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert_error(login_attempt, 401, "invalid_credentials")

    # `role` is left out: an admin may send it, a customer gets 403 (test_users.py).
    user_patch = {"name": "Mass", "email": unique_email(), **internal}
    del user_patch["role"]
    for caller in (customer, admin):
        response = client.patch(f"/v1/users/{customer.id}", json=user_patch, headers=caller.headers)
        assert_error(response, 422, "validation_error", set(user_patch) - {"name"})
    assert me(client, customer.token).json() == customer.user

    product = new_product(client, admin)
    before = client.get(f"/v1/products/{product['id']}")
    server_owned = {"id": 1, "version": 99, "etag": '"99"', "created_at": internal["created_at"]}
    writable = {"name": "Mass", "description": "", "price_cents": 1, "stock": 1}
    for method, path in [
        ("POST", "/v1/products"),
        ("PUT", f"/v1/products/{product['id']}"),
        ("PATCH", f"/v1/products/{product['id']}"),
    ]:
        response = client.request(method, path, json={**writable, **server_owned}, headers=admin.headers)
        assert_error(response, 422, "validation_error", set(server_owned))
    after = client.get(f"/v1/products/{product['id']}")
    assert (after.json(), after.headers["ETag"]) == (before.json(), before.headers["ETag"])

    items = [{"product_id": product["id"], "quantity": 1}]
    order_fields = {"user_id": admin.id, "status": "shipped", "total_cents": 0}
    response = client.post("/v1/orders", json={"items": items, **order_fields}, headers=customer.headers)
    assert_error(response, 422, "validation_error", set(order_fields))
    assert client.get("/v1/orders", headers=customer.headers).json()["items"] == []
    order = new_order(client, customer, items)
    patch = {"status": "paid", "total_cents": 0, "user_id": admin.id, "items": []}
    response = client.patch(f"/v1/orders/{order['id']}", json=patch, headers=customer.headers)
    assert_error(response, 422, "validation_error", {"total_cents", "user_id", "items"})
    assert client.get(f"/v1/orders/{order['id']}", headers=customer.headers).json() == order


def assert_exposes_only(response: httpx.Response, status: int, fields: set[str]) -> dict[str, Any]:
    """A success body with exactly these top-level fields and nothing secret anywhere in it."""
    assert response.status_code == status, response.text
    assert "argon2" not in response.text and "password" not in response.text.lower(), response.text
    body: dict[str, Any] = response.json()
    assert set(body) == fields, body
    return body


def assert_page_exposes_only(response: httpx.Response, fields: set[str]) -> None:
    page = assert_exposes_only(response, 200, {"items", "next_cursor"})
    assert page["items"]
    assert all(set(item) == fields for item in page["items"]), page


def test_success_bodies_expose_exactly_the_documented_fields(client: httpx.Client, admin: Account) -> None:
    email = unique_email()
    register = client.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Exposed"}
    )
    user = assert_exposes_only(register, 201, USER_FIELDS)
    token = client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    headers = bearer(
        assert_exposes_only(token, 200, {"access_token", "token_type", "expires_in"})["access_token"]
    )
    user_path = f"/v1/users/{user['id']}"
    assert_exposes_only(client.get("/v1/users/me", headers=headers), 200, USER_FIELDS)
    assert_exposes_only(client.get(user_path, headers=headers), 200, USER_FIELDS)
    assert_exposes_only(client.get(user_path, headers=admin.headers), 200, USER_FIELDS)
    patched = client.patch(user_path, json={"name": "Renamed", "password": "new-password-1"}, headers=headers)
    assert_exposes_only(patched, 200, USER_FIELDS)
    assert_page_exposes_only(client.get("/v1/users", headers=admin.headers), USER_FIELDS)

    product = assert_exposes_only(
        client.post(
            "/v1/products", json={"name": "Exposed", "price_cents": 5, "stock": 9}, headers=admin.headers
        ),
        201,
        PRODUCT_FIELDS,
    )
    product_path = f"/v1/products/{product['id']}"
    replacement = {"name": "Exposed", "description": "d", "price_cents": 5, "stock": 9}
    assert_exposes_only(client.get(product_path), 200, PRODUCT_FIELDS)
    assert_exposes_only(
        client.put(product_path, json=replacement, headers=admin.headers), 200, PRODUCT_FIELDS
    )
    assert_exposes_only(
        client.patch(product_path, json={"stock": 8}, headers=admin.headers), 200, PRODUCT_FIELDS
    )
    assert_page_exposes_only(client.get("/v1/products"), PRODUCT_FIELDS)

    items = [{"product_id": product["id"], "quantity": 1}]
    keyed = {**headers, "Idempotency-Key": uuid.uuid4().hex}
    order = assert_exposes_only(
        client.post("/v1/orders", json={"items": items}, headers=keyed), 201, ORDER_FIELDS
    )
    assert_exposes_only(client.post("/v1/orders", json={"items": items}, headers=keyed), 201, ORDER_FIELDS)
    assert all(set(item) == {"product_id", "quantity", "unit_price_cents"} for item in order["items"])
    order_path = f"/v1/orders/{order['id']}"
    assert_exposes_only(client.get(order_path, headers=headers), 200, ORDER_FIELDS)
    assert_exposes_only(client.patch(order_path, json={"status": "paid"}, headers=headers), 200, ORDER_FIELDS)
    assert_page_exposes_only(client.get("/v1/orders", headers=headers), ORDER_FIELDS)
    assert_page_exposes_only(client.get("/v1/orders", headers=admin.headers), ORDER_FIELDS)

    assert_exposes_only(client.get("/health"), 200, {"status"})
    assert_exposes_only(client.get("/ready"), 200, {"status"})
    deleted = client.delete(user_path, headers=headers)
    assert (deleted.status_code, deleted.content) == (204, b"")
