"""Which error wins (contract §1): when a request is wrong in several ways, the first failing check
in the contract's order decides: route, body, authentication, role, validation, existence,
resource permission, `If-Match`, business rules."""

from __future__ import annotations

import httpx

from contract_tests.helpers import (
    CLOSE,
    JSON,
    MAX_ID,
    Account,
    assert_error,
    assert_unauthorized,
    new_customer,
    new_order,
    new_product,
)
from contract_tests.targets import Target


def test_unknown_route_beats_body_checks(client: httpx.Client, target: Target) -> None:
    huge = b"x" * (target.max_body_bytes + 1)
    assert_error(client.post("/v1/nope", content=huge, headers={**JSON, **CLOSE}), 404, "not_found")
    assert_error(
        client.post("/v1/nope", content=b"{}", headers={"Content-Type": "text/plain"}), 404, "not_found"
    )
    assert_error(client.patch("/v1/products/abc", content=b"{", headers=JSON), 404, "not_found")
    assert_error(client.put("/v1/products/", content=huge, headers={**JSON, **CLOSE}), 404, "not_found")


def test_wrong_method_beats_body_checks(client: httpx.Client, target: Target) -> None:
    huge = b"x" * (target.max_body_bytes + 1)
    assert_error(
        client.patch("/v1/users/me", content=huge, headers={**JSON, **CLOSE}), 405, "method_not_allowed"
    )
    assert_error(
        client.put("/v1/orders", content=b"{}", headers={"Content-Type": "text/plain"}),
        405,
        "method_not_allowed",
    )
    assert_error(
        client.request("DELETE", "/v1/products", content=b"{", headers=JSON), 405, "method_not_allowed"
    )


def test_wrong_method_beats_authentication(client: httpx.Client) -> None:
    assert_error(client.delete("/v1/orders"), 405, "method_not_allowed")
    assert_error(client.post("/v1/users"), 405, "method_not_allowed")


def test_size_beats_media_type_and_media_type_beats_syntax(client: httpx.Client, target: Target) -> None:
    huge = b"x" * (target.max_body_bytes + 1)
    text = {"Content-Type": "text/plain"}
    assert_error(
        client.post("/v1/auth/register", content=huge, headers={**text, **CLOSE}), 413, "payload_too_large"
    )
    assert_error(client.post("/v1/auth/register", content=b"{", headers=text), 415, "unsupported_media_type")


def test_body_checks_beat_authentication(client: httpx.Client, target: Target) -> None:
    huge = b"x" * (target.max_body_bytes + 1)
    assert_error(
        client.post("/v1/products", content=huge, headers={**JSON, **CLOSE}), 413, "payload_too_large"
    )
    assert_error(
        client.post("/v1/orders", content=b"{}", headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    assert_error(client.patch("/v1/users/1", content=b"{", headers=JSON), 400, "malformed_json")
    assert_error(client.post("/v1/orders", headers=JSON), 400, "malformed_json")


def test_body_checks_beat_role(client: httpx.Client, target: Target, customer: Account) -> None:
    huge = b"x" * (target.max_body_bytes + 1)
    assert_error(
        client.post("/v1/products", content=huge, headers={**customer.headers, **JSON, **CLOSE}),
        413,
        "payload_too_large",
    )
    assert_error(
        client.post("/v1/products", content=b"{", headers=customer.headers), 415, "unsupported_media_type"
    )
    assert_error(
        client.post("/v1/products", content=b"{", headers={**customer.headers, **JSON}), 400, "malformed_json"
    )


def test_authentication_beats_validation(client: httpx.Client) -> None:
    assert_unauthorized(client.post("/v1/orders", json={"items": []}))
    assert_unauthorized(client.post("/v1/products", json={"name": ""}))
    assert_unauthorized(client.get("/v1/orders", params={"limit": 0}))
    assert_unauthorized(client.get("/v1/users", params={"cursor": "!!"}))
    assert_unauthorized(client.post("/v1/orders", json={"items": []}, headers={"Idempotency-Key": ""}))


def test_authentication_beats_role_and_existence(client: httpx.Client) -> None:
    assert_unauthorized(client.get("/v1/users"))
    assert_unauthorized(client.delete(f"/v1/products/{MAX_ID}"))
    assert_unauthorized(client.get(f"/v1/orders/{MAX_ID}"))
    assert_unauthorized(client.patch(f"/v1/users/{MAX_ID}", json={"role": "admin"}))


def test_role_beats_validation(client: httpx.Client, customer: Account) -> None:
    assert_error(client.post("/v1/products", json={"name": ""}, headers=customer.headers), 403, "forbidden")
    assert_error(client.post("/v1/products", json=[], headers=customer.headers), 403, "forbidden")
    assert_error(client.get("/v1/users", params={"limit": 0}, headers=customer.headers), 403, "forbidden")


def test_role_beats_existence_and_preconditions(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    assert_error(client.delete(f"/v1/products/{MAX_ID}", headers=customer.headers), 403, "forbidden")
    product = new_product(client, admin)
    response = client.patch(
        f"/v1/products/{product['id']}", json={"stock": 1}, headers={**customer.headers, "If-Match": '"99"'}
    )
    assert_error(response, 403, "forbidden")


def test_validation_beats_existence(client: httpx.Client, admin: Account, customer: Account) -> None:
    missing = f"/v1/products/{MAX_ID}"
    assert_error(
        client.patch(missing, json={"price_cents": -1}, headers=admin.headers),
        422,
        "validation_error",
        {"price_cents"},
    )
    assert_error(
        client.put(missing, json={"name": "x"}, headers=admin.headers),
        422,
        "validation_error",
        {"description", "price_cents", "stock"},
    )
    assert_error(
        client.patch(f"/v1/orders/{MAX_ID}", json={"status": "lost"}, headers=admin.headers),
        422,
        "validation_error",
        {"status"},
    )
    assert_error(
        client.patch(f"/v1/users/{MAX_ID}", json={"name": ""}, headers=customer.headers),
        422,
        "validation_error",
        {"name"},
    )


def test_validation_beats_resource_permission(client: httpx.Client, customer: Account) -> None:
    response = client.patch(f"/v1/users/{customer.id}", json={"role": "emperor"}, headers=customer.headers)
    assert_error(response, 422, "validation_error", {"role"})
    response = client.get("/v1/orders", params={"user_id": "abc"}, headers=customer.headers)
    assert_error(response, 422, "validation_error", {"user_id"})


def test_existence_beats_resource_permission(client: httpx.Client, customer: Account) -> None:
    other = new_customer(client)
    response = client.patch(f"/v1/users/{other.id}", json={"role": "admin"}, headers=customer.headers)
    assert_error(response, 404, "not_found")
    response = client.patch(f"/v1/users/{MAX_ID}", json={"role": "admin"}, headers=customer.headers)
    assert_error(response, 404, "not_found")


def test_existence_beats_precondition(client: httpx.Client, admin: Account) -> None:
    missing = f"/v1/products/{MAX_ID}"
    stale = {**admin.headers, "If-Match": '"99"'}
    assert_error(client.patch(missing, json={"stock": 1}, headers=stale), 404, "not_found")
    assert_error(client.delete(missing, headers=stale), 404, "not_found")


def test_resource_permission_beats_business_rule(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    """An owner may not ship (403) even a paid order; an unlisted move is 409 for the owner too."""
    product = new_product(client, admin)
    order = new_order(client, customer, [{"product_id": product["id"], "quantity": 1}])
    path = f"/v1/orders/{order['id']}"
    assert client.patch(path, json={"status": "paid"}, headers=customer.headers).status_code == 200
    assert_error(client.patch(path, json={"status": "shipped"}, headers=customer.headers), 403, "forbidden")
    assert_error(
        client.patch(path, json={"status": "pending"}, headers=customer.headers),
        409,
        "invalid_status_transition",
    )


def test_precondition_beats_business_rule(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin)
    new_order(client, customer, [{"product_id": product["id"], "quantity": 1}])
    path = f"/v1/products/{product['id']}"
    assert_error(
        client.delete(path, headers={**admin.headers, "If-Match": '"1"'}), 412, "precondition_failed"
    )
    assert_error(client.delete(path, headers=admin.headers), 409, "product_in_use")


def test_validation_beats_business_rules(client: httpx.Client, customer: Account) -> None:
    response = client.post(
        "/v1/auth/register", json={"email": customer.email, "password": "short", "name": "N"}
    )
    assert_error(response, 422, "validation_error", {"password"})
