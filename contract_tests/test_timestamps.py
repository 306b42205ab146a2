"""`created_at` and `updated_at` (contract §1 and Decisions): a new row's `updated_at` equals its
`created_at`; every change moves `updated_at` forward and leaves `created_at` alone; a refused
write moves neither. Products and orders are the resources that have both."""

from __future__ import annotations

from typing import Any

import httpx

from contract_tests.helpers import Account, assert_timestamp, new_customer, new_order, new_product


def advanced(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether `after` is a later state of `before`: same created_at, a later updated_at.
    The timestamps are fixed-width RFC 3339 in UTC, so they order as strings."""
    assert_timestamp(after["updated_at"])
    return bool(after["created_at"] == before["created_at"] and after["updated_at"] > before["updated_at"])


def read(client: httpx.Client, path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_product_updated_at_starts_at_created_at_and_moves_with_every_change(
    client: httpx.Client, admin: Account
) -> None:
    product = new_product(client, admin)
    path = f"/v1/products/{product['id']}"
    assert product["updated_at"] == product["created_at"]
    assert read(client, path) == product
    replace = {"name": "Replaced", "description": "", "price_cents": 5, "stock": 50}
    buyer = new_customer(client)
    changes: list[tuple[str, dict[str, Any]]] = [
        ("PATCH", {"price_cents": 7}),
        ("PATCH", {}),  # no value changes, the version does
        ("PUT", replace),
    ]
    state = product
    for method, body in changes:
        response = client.request(method, path, json=body, headers=admin.headers)
        assert response.status_code == 200, response.text
        assert advanced(state, response.json())
        assert read(client, path) == response.json()
        state = response.json()
    order = new_order(client, buyer, [{"product_id": product["id"], "quantity": 1}])
    assert advanced(state, state := read(client, path)), "an order took stock"
    cancel = client.patch(f"/v1/orders/{order['id']}", json={"status": "cancelled"}, headers=buyer.headers)
    assert cancel.status_code == 200
    assert advanced(state, state := read(client, path)), "a cancellation gave stock back"
    for refused, status in (
        (client.patch(path, json={"stock": -1}, headers=admin.headers), 422),
        (client.patch(path, json={"stock": 1}, headers={**admin.headers, "If-Match": '"1"'}), 412),
        (client.patch(path, json={"stock": 1}, headers=buyer.headers), 403),
    ):
        assert refused.status_code == status, refused.text
    assert read(client, path) == state


def test_order_updated_at_starts_at_created_at_and_moves_with_every_change(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin)
    order = new_order(client, customer, [{"product_id": product["id"], "quantity": 1}])
    path = f"/v1/orders/{order['id']}"
    assert order["updated_at"] == order["created_at"]
    assert read(client, path, customer.headers) == order
    state = order
    for caller, status in ((customer, "paid"), (admin, "shipped")):
        response = client.patch(path, json={"status": status}, headers=caller.headers)
        assert response.status_code == 200, response.text
        assert advanced(state, response.json())
        assert read(client, path, customer.headers) == response.json()
        state = response.json()
    refused = client.patch(path, json={"status": "cancelled"}, headers=admin.headers)
    assert refused.status_code == 409, refused.text
    assert read(client, path, customer.headers) == state
