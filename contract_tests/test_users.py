"""Users: me, the admin's list, reads, updates and deactivation (contract §3 Users)."""

from __future__ import annotations

import httpx
import pytest

from contract_tests.helpers import (
    PASSWORD,
    USER_FIELDS,
    Account,
    assert_error,
    assert_unauthorized,
    new_admin,
    new_customer,
    new_order,
    new_product,
    walk,
)


def login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    return client.post("/v1/auth/token", json={"email": email, "password": password})


# --- me ----------------------------------------------------------------------------------------


def test_me_is_the_caller(client: httpx.Client, customer: Account) -> None:
    response = client.get("/v1/users/me", headers=customer.headers)
    assert response.status_code == 200
    assert response.json() == customer.user


def test_me_for_the_admin_shows_the_admin_role(client: httpx.Client, admin: Account) -> None:
    response = client.get("/v1/users/me", headers=admin.headers)
    assert response.json()["role"] == "admin"
    assert set(response.json()) == USER_FIELDS


def test_me_needs_a_token(client: httpx.Client) -> None:
    assert_unauthorized(client.get("/v1/users/me"))


@pytest.mark.parametrize("method", ["PATCH", "DELETE", "PUT", "POST"])
def test_me_is_read_only(client: httpx.Client, customer: Account, method: str) -> None:
    response = client.request(method, "/v1/users/me", json={"name": "Nope"}, headers=customer.headers)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in {allowed.strip() for allowed in response.headers["Allow"].split(",")}
    assert client.get("/v1/users/me", headers=customer.headers).json()["name"] == customer.user["name"]


# --- list --------------------------------------------------------------------------------------


def test_list_of_users_is_for_admins_only(client: httpx.Client, customer: Account) -> None:
    assert_error(client.get("/v1/users", headers=customer.headers), 403, "forbidden")
    assert_unauthorized(client.get("/v1/users"))


def test_list_of_users_walks_every_active_user_once_in_id_order(client: httpx.Client, admin: Account) -> None:
    mine = [new_customer(client) for _ in range(5)]
    gone = mine.pop(2)
    assert client.delete(f"/v1/users/{gone.id}", headers=admin.headers).status_code == 204

    users = walk(client, "/v1/users", headers=admin.headers, limit=2)

    ids = [user["id"] for user in users]
    assert ids == sorted(set(ids)), "ascending, no repeats"
    listed = {user["id"]: user for user in users}
    for account in mine:
        assert listed[account.id] == account.user
    assert gone.id not in listed
    assert admin.id in listed
    assert all(set(user) == USER_FIELDS for user in users)


def test_list_of_users_pages_by_limit(client: httpx.Client, admin: Account) -> None:
    new_customer(client)
    new_customer(client)
    first = client.get("/v1/users", params={"limit": 1}, headers=admin.headers)
    assert first.status_code == 200
    assert len(first.json()["items"]) == 1
    assert first.json()["next_cursor"] is not None
    second = client.get(
        "/v1/users", params={"limit": 1, "cursor": first.json()["next_cursor"]}, headers=admin.headers
    )
    assert second.status_code == 200
    assert second.json()["items"][0]["id"] > first.json()["items"][0]["id"]
    everyone = walk(client, "/v1/users", headers=admin.headers)
    default = client.get("/v1/users", headers=admin.headers).json()
    assert default["items"] == everyone[:20]
    assert (default["next_cursor"] is None) == (len(everyone) <= 20)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "1e1", "5.0", " 5", "+5"])
def test_list_of_users_rejects_a_bad_limit(client: httpx.Client, admin: Account, limit: str) -> None:
    response = client.get("/v1/users", params={"limit": limit}, headers=admin.headers)
    assert_error(response, 422, "validation_error", {"limit"})


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "%00", "x" * 500])
def test_list_of_users_rejects_a_bad_cursor(client: httpx.Client, admin: Account, cursor: str) -> None:
    response = client.get("/v1/users", params={"cursor": cursor}, headers=admin.headers)
    assert_error(response, 422, "validation_error", {"cursor"})


# --- read --------------------------------------------------------------------------------------


def test_user_reads_self_by_id(client: httpx.Client, customer: Account) -> None:
    response = client.get(f"/v1/users/{customer.id}", headers=customer.headers)
    assert response.status_code == 200
    assert response.json() == customer.user


def test_user_cannot_see_another_user(client: httpx.Client, admin: Account, customer: Account) -> None:
    other = new_customer(client)
    assert_error(client.get(f"/v1/users/{other.id}", headers=customer.headers), 404, "not_found")
    assert_error(client.get(f"/v1/users/{admin.id}", headers=customer.headers), 404, "not_found")


def test_admin_reads_any_user(client: httpx.Client, admin: Account, customer: Account) -> None:
    response = client.get(f"/v1/users/{customer.id}", headers=admin.headers)
    assert response.status_code == 200
    assert response.json() == customer.user


def test_reading_a_missing_user_is_404(client: httpx.Client, admin: Account) -> None:
    assert_error(client.get("/v1/users/999999999999", headers=admin.headers), 404, "not_found")


def test_reading_a_user_needs_a_token(client: httpx.Client, customer: Account) -> None:
    assert_unauthorized(client.get(f"/v1/users/{customer.id}"))


# --- update ------------------------------------------------------------------------------------


def test_user_renames_self_and_the_name_is_trimmed(client: httpx.Client, customer: Account) -> None:
    path = f"/v1/users/{customer.id}"
    response = client.patch(path, json={"name": "  Grace Hopper  "}, headers=customer.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {**customer.user, "name": "Grace Hopper"}
    assert client.get(path, headers=customer.headers).json()["name"] == "Grace Hopper"


def test_empty_update_changes_nothing(client: httpx.Client, customer: Account) -> None:
    response = client.patch(f"/v1/users/{customer.id}", json={}, headers=customer.headers)
    assert response.status_code == 200, response.text
    assert response.json() == customer.user


def test_changing_the_password_retires_the_old_one(client: httpx.Client, customer: Account) -> None:
    new_password = "a-brand-new-password"
    response = client.patch(
        f"/v1/users/{customer.id}", json={"password": new_password}, headers=customer.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == customer.user
    assert_error(login(client, customer.email, PASSWORD), 401, "invalid_credentials")
    assert login(client, customer.email, new_password).status_code == 200


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": ""}, {"name"}),
        ({"name": "   "}, {"name"}),
        ({"name": "x" * 101}, {"name"}),
        ({"name": None}, {"name"}),
        ({"password": "short"}, {"password"}),
        ({"password": "x" * 129}, {"password"}),
        ({"password": 12345678}, {"password"}),
        ({"email": "new@example.com"}, {"email"}),
        ({"id": 1, "created_at": "2020-01-01T00:00:00.000000Z"}, {"id", "created_at"}),
        ({"name": "", "password": "short", "is_active": False}, {"name", "password", "is_active"}),
    ],
)
def test_invalid_user_update_is_422_and_changes_nothing(
    client: httpx.Client, customer: Account, body: dict[str, object], fields: set[str]
) -> None:
    response = client.patch(f"/v1/users/{customer.id}", json=body, headers=customer.headers)
    assert_error(response, 422, "validation_error", fields)
    assert client.get("/v1/users/me", headers=customer.headers).json() == customer.user
    assert login(client, customer.email, PASSWORD).status_code == 200


@pytest.mark.parametrize("role", ["customer", "admin"])
def test_customer_sending_a_role_is_forbidden(client: httpx.Client, customer: Account, role: str) -> None:
    response = client.patch(
        f"/v1/users/{customer.id}", json={"name": "Sneaky", "role": role}, headers=customer.headers
    )
    assert_error(response, 403, "forbidden")
    assert client.get("/v1/users/me", headers=customer.headers).json() == customer.user


def test_user_cannot_update_another_user(client: httpx.Client, customer: Account) -> None:
    other = new_customer(client)
    response = client.patch(f"/v1/users/{other.id}", json={"name": "Mallory"}, headers=customer.headers)
    assert_error(response, 404, "not_found")
    assert client.get("/v1/users/me", headers=other.headers).json() == other.user


def test_admin_updates_another_user(client: httpx.Client, admin: Account, customer: Account) -> None:
    response = client.patch(
        f"/v1/users/{customer.id}",
        json={"name": "Renamed", "password": "set-by-admin"},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {**customer.user, "name": "Renamed"}
    assert login(client, customer.email, "set-by-admin").status_code == 200


def test_admin_promotes_and_the_role_takes_effect_at_once(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    response = client.patch(f"/v1/users/{customer.id}", json={"role": "admin"}, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {**customer.user, "role": "admin"}
    # The token was issued to a customer; the role is read from the database.
    assert client.get("/v1/users", headers=customer.headers, params={"limit": 1}).status_code == 200


def test_admin_demotes_another_admin(client: httpx.Client, admin: Account) -> None:
    second = new_admin(client, admin)
    assert client.get("/v1/users", headers=second.headers, params={"limit": 1}).status_code == 200
    response = client.patch(f"/v1/users/{second.id}", json={"role": "customer"}, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "customer"
    assert_error(client.get("/v1/users", headers=second.headers), 403, "forbidden")


def test_admin_sending_an_unknown_role_is_422(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    for role in ("superuser", "Admin", "", None, 1):
        response = client.patch(f"/v1/users/{customer.id}", json={"role": role}, headers=admin.headers)
        assert_error(response, 422, "validation_error", {"role"})


def test_updating_a_missing_user_is_404(client: httpx.Client, admin: Account) -> None:
    response = client.patch("/v1/users/999999999999", json={"name": "Ghost"}, headers=admin.headers)
    assert_error(response, 404, "not_found")


# --- deactivate --------------------------------------------------------------------------------


def test_user_deactivates_self_and_disappears(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    path = f"/v1/users/{customer.id}"
    response = client.delete(path, headers=customer.headers)
    assert response.status_code == 204
    assert response.content == b""

    assert_unauthorized(client.get("/v1/users/me", headers=customer.headers))
    assert_unauthorized(client.get("/v1/orders", headers=customer.headers))
    assert_error(login(client, customer.email, PASSWORD), 401, "invalid_credentials")
    assert_error(client.get(path, headers=admin.headers), 404, "not_found")
    assert_error(client.patch(path, json={"name": "Back"}, headers=admin.headers), 404, "not_found")
    assert_error(client.patch(path, json={"role": "admin"}, headers=admin.headers), 404, "not_found")
    assert_error(client.delete(path, headers=admin.headers), 404, "not_found")
    again = {"email": customer.email.upper(), "password": PASSWORD, "name": "Again"}
    assert_error(client.post("/v1/auth/register", json=again), 409, "email_taken")


def test_admin_deactivates_a_customer(client: httpx.Client, admin: Account, customer: Account) -> None:
    assert client.delete(f"/v1/users/{customer.id}", headers=admin.headers).status_code == 204
    assert_unauthorized(client.get("/v1/users/me", headers=customer.headers))
    assert customer.id not in {user["id"] for user in walk(client, "/v1/users", headers=admin.headers)}


def test_deactivated_users_orders_are_kept(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin)
    order = new_order(client, customer, [{"product_id": product["id"], "quantity": 2}])
    assert client.delete(f"/v1/users/{customer.id}", headers=admin.headers).status_code == 204
    response = client.get(f"/v1/orders/{order['id']}", headers=admin.headers)
    assert response.status_code == 200
    assert response.json() == order


def test_deactivated_admin_loses_access(client: httpx.Client, admin: Account) -> None:
    second = new_admin(client, admin)
    assert client.delete(f"/v1/users/{second.id}", headers=admin.headers).status_code == 204
    assert_unauthorized(client.get("/v1/users", headers=second.headers))


def test_user_cannot_deactivate_another_user(client: httpx.Client, admin: Account, customer: Account) -> None:
    other = new_customer(client)
    assert_error(client.delete(f"/v1/users/{other.id}", headers=customer.headers), 404, "not_found")
    assert_error(client.delete(f"/v1/users/{admin.id}", headers=customer.headers), 404, "not_found")
    assert client.get("/v1/users/me", headers=other.headers).status_code == 200


def test_deactivating_needs_a_token(client: httpx.Client, customer: Account) -> None:
    assert_unauthorized(client.delete(f"/v1/users/{customer.id}"))
    assert client.get("/v1/users/me", headers=customer.headers).status_code == 200
