"""Headers (contract §1 and Decisions): `X-Request-ID`, `X-Content-Type-Options: nosniff`,
`Cache-Control: no-store` on auth and user responses, and public routes that ignore any
`Authorization` header."""

from __future__ import annotations

import httpx
import pytest

from contract_tests.helpers import (
    CLOSE,
    JSON,
    MAX_ID,
    PASSWORD,
    Account,
    new_customer,
    new_product,
    unique_email,
)
from contract_tests.targets import Target


@pytest.mark.parametrize("request_id", ["abc-123", "A.b_C-9", "x" * 128, "0"])
def test_valid_request_id_is_echoed(client: httpx.Client, request_id: str) -> None:
    assert client.get("/health", headers={"X-Request-ID": request_id}).headers["X-Request-ID"] == request_id
    error = client.get("/v1/nope", headers={"X-Request-ID": request_id})
    assert error.headers["X-Request-ID"] == request_id


@pytest.mark.parametrize(
    "request_id", ["x" * 129, "has space", "slash/y", "semi;colon", "quote'", "tab\tx", "colon:x", "caf\xe9"]
)
def test_invalid_request_id_is_replaced_by_a_fresh_one(client: httpx.Client, request_id: str) -> None:
    response = client.get("/health", headers=[(b"X-Request-ID", request_id.encode("latin-1"))])
    assert response.status_code == 200
    generated = response.headers["X-Request-ID"]
    assert generated
    assert generated != request_id


def test_every_response_gets_a_fresh_request_id_when_none_is_sent(client: httpx.Client) -> None:
    responses = [
        client.get("/health"),
        client.get("/health"),
        client.get("/v1/nope"),
        client.delete("/health"),
    ]
    ids = [response.headers["X-Request-ID"] for response in responses]
    assert all(ids)
    assert len(set(ids)) == len(ids)


def test_every_response_has_nosniff(
    client: httpx.Client, target: Target, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin)
    path = f"/v1/products/{product['id']}"
    huge = b"x" * (target.max_body_bytes + 1)
    responses = [
        client.get("/health"),
        client.get("/ready"),
        client.get("/v1/products"),
        client.get(path, headers={"If-None-Match": '"1"'}),
        client.get("/v1/nope"),
        client.get(f"/v1/products/{MAX_ID}"),
        client.get("/v1/products", params={"limit": 0}),
        client.delete("/v1/products"),
        client.post("/v1/products", json={}),
        client.post("/v1/products", content=huge, headers={**JSON, **CLOSE}),
        client.post("/v1/products", content=b"{}", headers={"Content-Type": "text/plain"}),
        client.get("/v1/users", headers=customer.headers),
        client.get("/v1/orders", headers=customer.headers),
        client.post("/v1/orders", content=b"{", headers=JSON),
        client.patch(path, json={"stock": 1}, headers={**admin.headers, "If-Match": '"99"'}),
        client.post("/v1/auth/register", json={"email": customer.email, "password": PASSWORD, "name": "N"}),
        client.post(
            "/v1/products", json={"name": "Nosniff", "price_cents": 1, "stock": 1}, headers=admin.headers
        ),
        client.delete(path, headers=admin.headers),
    ]
    statuses = {response.status_code for response in responses}
    assert statuses == {200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413, 415, 422}, statuses
    for response in responses:
        assert response.headers.get("X-Content-Type-Options") == "nosniff", (response.request.url, response)


def test_auth_and_user_responses_are_not_cached(
    client: httpx.Client, target: Target, customer: Account
) -> None:
    huge = b"x" * (target.max_body_bytes + 1)
    leaving = new_customer(client)
    responses = [
        client.post("/v1/auth/token", json={"email": customer.email, "password": PASSWORD}),
        client.post("/v1/auth/token", json={"email": customer.email, "password": "wrong-password"}),
        client.post("/v1/auth/register", json={"email": unique_email(), "password": PASSWORD, "name": "N"}),
        client.post("/v1/auth/register", json={"email": customer.email, "password": PASSWORD, "name": "N"}),
        client.post("/v1/auth/register", json={}),
        client.post("/v1/auth/register", content=b"{", headers=JSON),
        client.post("/v1/auth/register", content=huge, headers={**JSON, **CLOSE}),
        client.post("/v1/auth/token", content=b"{}", headers={"Content-Type": "text/plain"}),
        client.get("/v1/auth/token"),
        client.get("/v1/users/me", headers=customer.headers),
        client.get("/v1/users/me"),
        client.get("/v1/users", headers=customer.headers),
        client.post("/v1/users"),
        client.get(f"/v1/users/{customer.id}", headers=customer.headers),
        client.get(f"/v1/users/{MAX_ID}", headers=customer.headers),
        client.patch(f"/v1/users/{customer.id}", json={"name": "Renamed"}, headers=customer.headers),
        client.delete(f"/v1/users/{leaving.id}", headers=leaving.headers),
    ]
    statuses = {response.status_code for response in responses}
    assert statuses == {200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422}, statuses
    for response in responses:
        assert "no-store" in response.headers.get("Cache-Control", ""), (response.request.url, response)


@pytest.mark.parametrize(
    "authorization", ["Bearer garbage", "Bearer", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "nonsense"]
)
def test_public_routes_ignore_any_authorization_header(
    client: httpx.Client, admin: Account, authorization: str
) -> None:
    product = new_product(client, admin)
    headers = {"Authorization": authorization}
    assert client.get("/health", headers=headers).status_code == 200
    assert client.get("/ready", headers=headers).status_code == 200
    assert client.get("/v1/products", headers=headers).status_code == 200
    response = client.get(f"/v1/products/{product['id']}", headers=headers)
    assert response.status_code == 200
    assert response.json() == product
    email = unique_email()
    register = {"email": email, "password": PASSWORD, "name": "Public"}
    assert client.post("/v1/auth/register", json=register, headers=headers).status_code == 201
    token = client.post("/v1/auth/token", json={"email": email, "password": PASSWORD}, headers=headers)
    assert token.status_code == 200


def test_public_routes_ignore_the_token_of_a_deactivated_user(
    client: httpx.Client, customer: Account
) -> None:
    assert client.delete(f"/v1/users/{customer.id}", headers=customer.headers).status_code == 204
    assert client.get("/v1/products", headers=customer.headers).status_code == 200
    register = {"email": unique_email(), "password": PASSWORD, "name": "Fresh"}
    assert client.post("/v1/auth/register", json=register, headers=customer.headers).status_code == 201
    login = {"email": register["email"], "password": PASSWORD}
    assert client.post("/v1/auth/token", json=login, headers=customer.headers).status_code == 200
