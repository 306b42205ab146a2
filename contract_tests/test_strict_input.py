"""Strict input (contract §1): unknown fields are rejected by name, integer and string fields take
JSON integers and strings only, and query parameters are parsed from their text."""

from __future__ import annotations

import httpx
import pytest

from contract_tests.helpers import PASSWORD, Account, assert_error, new_product, unique_email, unique_tag


def test_unknown_fields_are_rejected_by_name(client: httpx.Client, admin: Account, customer: Account) -> None:
    register = {"email": unique_email(), "password": PASSWORD, "name": "N", "nickname": "n", "age": 3}
    assert_error(
        client.post("/v1/auth/register", json=register), 422, "validation_error", {"nickname", "age"}
    )
    token = {"email": customer.email, "password": PASSWORD, "remember": True}
    assert_error(client.post("/v1/auth/token", json=token), 422, "validation_error", {"remember"})
    product = {"id": 7, "name": "P", "price_cents": 1, "stock": 1, "version": 3}
    assert_error(
        client.post("/v1/products", json=product, headers=admin.headers),
        422,
        "validation_error",
        {"id", "version"},
    )
    created = new_product(client, admin)
    order = {"items": [{"product_id": created["id"], "quantity": 1, "unit_price_cents": 1}], "note": "x"}
    assert_error(
        client.post("/v1/orders", json=order, headers=customer.headers),
        422,
        "validation_error",
        {"items.0.unit_price_cents", "note"},
    )
    assert client.get(f"/v1/products/{created['id']}").json()["stock"] == created["stock"]


@pytest.mark.parametrize("value", ["5", 5.0, True, None, [5], {"n": 5}])
def test_integer_fields_take_json_integers_only(
    client: httpx.Client, admin: Account, customer: Account, value: object
) -> None:
    product = {"name": "Strict", "price_cents": value, "stock": value}
    assert_error(
        client.post("/v1/products", json=product, headers=admin.headers),
        422,
        "validation_error",
        {"price_cents", "stock"},
    )
    created = new_product(client, admin)
    order = {"items": [{"product_id": created["id"], "quantity": value}]}
    assert_error(
        client.post("/v1/orders", json=order, headers=customer.headers),
        422,
        "validation_error",
        {"items.0.quantity"},
    )
    order = {"items": [{"product_id": value, "quantity": 1}]}
    assert_error(
        client.post("/v1/orders", json=order, headers=customer.headers),
        422,
        "validation_error",
        {"items.0.product_id"},
    )


@pytest.mark.parametrize("value", [5, 5.5, True, None, ["x"], {"x": "y"}])
def test_string_fields_take_json_strings_only(client: httpx.Client, admin: Account, value: object) -> None:
    register = {"email": value, "password": value, "name": value}
    assert_error(
        client.post("/v1/auth/register", json=register),
        422,
        "validation_error",
        {"email", "password", "name"},
    )
    product = {"name": value, "description": value, "price_cents": 1, "stock": 1}
    assert_error(
        client.post("/v1/products", json=product, headers=admin.headers),
        422,
        "validation_error",
        {"name", "description"},
    )


def test_query_parameters_are_parsed_from_text(client: httpx.Client, admin: Account) -> None:
    tag = unique_tag()
    cheap, dear = (new_product(client, admin, name=tag, price_cents=price) for price in (5, 50))
    response = client.get("/v1/products", params={"q": tag, "limit": "1", "min_price_cents": "0"})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == [cheap]
    assert response.json()["next_cursor"] is not None
    response = client.get("/v1/products", params={"q": tag, "min_price_cents": "6"})
    assert response.json() == {"items": [dear], "next_cursor": None}
