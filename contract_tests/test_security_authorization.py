"""Security battery, authorization: objects (BOLA, OWASP API1) and functions (BFLA, API5).
Another user's objects are not found like missing ones; a customer is forbidden every admin
operation. SECURITY.md says what each test defends against.
"""

from __future__ import annotations

import httpx
import pytest

from contract_tests.helpers import (
    MAX_ID,
    Account,
    assert_error,
    bearer,
    forge,
    me,
    new_customer,
    new_order,
    new_product,
    product_state,
    token_for,
    unique_tag,
)
from contract_tests.targets import Target

# --- authorization: objects (BOLA) -------------------------------------------------------------


def test_another_users_objects_are_not_found_like_missing_ones_and_stay_unchanged(
    client: httpx.Client, admin: Account
) -> None:
    owner, intruder = new_customer(client), new_customer(client)
    product = new_product(client, admin)
    order = new_order(client, owner, [{"product_id": product["id"], "quantity": 2}])
    stock = product_state(client, product["id"])
    admin_user = me(client, admin.token).json()
    attempts = [
        (method, f"/v1/users/{user_id}", body)
        for user_id in (owner.id, admin.id)
        for method, body in [
            ("GET", None),
            ("PATCH", {"name": "Intruder"}),
            ("PATCH", {"password": "intruder-password"}),
            ("PATCH", {"role": "customer"}),
            ("DELETE", None),
        ]
    ] + [
        (method, f"/v1/orders/{order['id']}", body)
        for method, body in [("GET", None), ("PATCH", {"status": "paid"}), ("PATCH", {"status": "cancelled"})]
    ]
    for method, path, body in attempts:
        response = client.request(method, path, json=body, headers=intruder.headers)
        assert_error(response, 404, "not_found")
        # The same answer as for an id that does not exist: no way to tell the object is there.
        missing = path.rsplit("/", 1)[0] + f"/{MAX_ID}"
        assert response.json() == client.request(method, missing, json=body, headers=intruder.headers).json()
    assert_error(
        client.get("/v1/orders", params={"user_id": owner.id}, headers=intruder.headers), 403, "forbidden"
    )
    assert client.get("/v1/orders", headers=intruder.headers).json() == {"items": [], "next_cursor": None}
    assert me(client, owner.token).json() == owner.user
    token_for(client, owner.email, owner.password)
    login_as_intruder = {"email": owner.email, "password": "intruder-password"}
    assert_error(client.post("/v1/auth/token", json=login_as_intruder), 401, "invalid_credentials")
    assert me(client, admin.token).json() == admin_user
    assert client.get(f"/v1/orders/{order['id']}", headers=owner.headers).json() == order
    assert product_state(client, product["id"]) == stock


# --- authorization: functions (BFLA) -----------------------------------------------------------


@pytest.mark.parametrize("token", ["issued", "admin-role-claim"])
def test_customer_is_forbidden_every_admin_operation_and_changes_nothing(
    client: httpx.Client, target: Target, admin: Account, customer: Account, token: str
) -> None:
    """Also with a validly signed token whose `role` claim says admin: the role stored wins."""
    headers = customer.headers
    if token == "admin-role-claim":
        headers = bearer(forge(target, customer, claims={"role": "admin"}))
    product = new_product(client, admin)
    order = new_order(client, customer, [{"product_id": product["id"], "quantity": 1}])
    paid = client.patch(f"/v1/orders/{order['id']}", json={"status": "paid"}, headers=customer.headers).json()
    before = client.get(f"/v1/products/{product['id']}")
    tag = unique_tag()
    replacement = {"name": tag, "description": "", "price_cents": 0, "stock": 0}
    attempts = [
        ("GET", "/v1/users", None),
        ("POST", "/v1/products", replacement),
        ("PUT", f"/v1/products/{product['id']}", replacement),
        ("PATCH", f"/v1/products/{product['id']}", {"price_cents": 0}),
        ("DELETE", f"/v1/products/{product['id']}", None),
        ("GET", f"/v1/orders?user_id={customer.id}", None),
        ("PATCH", f"/v1/users/{customer.id}", {"role": "admin"}),
        ("PATCH", f"/v1/orders/{order['id']}", {"status": "shipped"}),
    ]
    for method, path, body in attempts:
        assert_error(client.request(method, path, json=body, headers=headers), 403, "forbidden")
    after = client.get(f"/v1/products/{product['id']}")
    assert (after.json(), after.headers["ETag"]) == (before.json(), before.headers["ETag"])
    assert client.get("/v1/products", params={"q": tag}).json()["items"] == []
    assert me(client, customer.token).json()["role"] == "customer"
    assert client.get(f"/v1/orders/{order['id']}", headers=customer.headers).json() == paid
