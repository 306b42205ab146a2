"""Security battery (OWASP API4), resource consumption: oversized values, deep nesting, bodies
of megabytes, many query parameters. SECURITY.md says what each test defends against.

That a refused body is never buffered in memory needs a server of its own
(own_server/test_resource_limits.py).
"""

from __future__ import annotations

import httpx
import pytest

from contract_tests.helpers import (
    CLOSE,
    JSON,
    PASSWORD,
    Account,
    assert_error,
    megabytes,
    new_product,
    product_state,
    unique_email,
    unique_tag,
)
from contract_tests.targets import TLS, Target


def test_numbers_far_out_of_range_in_the_query_are_422(client: httpx.Client, admin: Account) -> None:
    huge = str(10**30)
    for name in ("limit", "min_price_cents", "max_price_cents", "cursor"):
        assert_error(client.get("/v1/products", params={name: huge}), 422, "validation_error", {name})
    response = client.get("/v1/orders", params={"user_id": huge}, headers=admin.headers)
    assert_error(response, 422, "validation_error", {"user_id"})


def test_oversized_values_within_the_body_limit_are_422(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    huge = "x" * 20_000
    register = {"email": f"{huge}@example.com", "password": huge, "name": huge}
    assert_error(
        client.post("/v1/auth/register", json=register),
        422,
        "validation_error",
        {"email", "password", "name"},
    )
    product = {"name": huge, "description": huge, "price_cents": 1, "stock": 1}
    assert_error(
        client.post("/v1/products", json=product, headers=admin.headers),
        422,
        "validation_error",
        {"name", "description"},
    )
    created = new_product(client, admin)
    lines = [{"product_id": created["id"], "quantity": 1}] * 1000
    response = client.post("/v1/orders", json={"items": lines}, headers=customer.headers)
    assert_error(response, 422, "validation_error", {"items"})
    assert product_state(client, created["id"])[0] == created["stock"]


def nested_arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_nested_32_levels_deep_is_parsed(client: httpx.Client) -> None:
    assert_error(
        client.post("/v1/auth/register", content=nested_arrays(32), headers=JSON),
        422,
        "validation_error",
        {"body"},
    )
    body = f'{{"email": "{unique_email()}", "password": "{PASSWORD}", "name": {nested_arrays(31)}}}'
    assert_error(
        client.post("/v1/auth/register", content=body, headers=JSON), 422, "validation_error", {"name"}
    )


@pytest.mark.parametrize("depth", [33, 1_000, 30_000])
def test_json_nested_deeper_than_32_levels_is_400_at_any_depth(client: httpx.Client, depth: int) -> None:
    """One fixed limit on every front end; left to Python's parser, the cut-off would be wherever
    the stack runs out, which is not the same in Flask and FastAPI."""
    assert_error(
        client.post("/v1/auth/register", content=nested_arrays(depth), headers=JSON), 400, "malformed_json"
    )
    body = f'{{"email": "{unique_email()}", "password": "{PASSWORD}", "name": {nested_arrays(depth - 1)}}}'
    assert_error(client.post("/v1/auth/register", content=body, headers=JSON), 400, "malformed_json")
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_body_of_megabytes_is_413_and_the_server_answers_the_next_request(
    target: Target, framing: str
) -> None:
    size = 8
    length = {"Content-Length": str(size << 20)} if framing == "content-length" else {}
    with httpx.Client(base_url=target.base_url, timeout=30.0, verify=TLS) as http:
        response = http.post(
            "/v1/auth/register", content=megabytes(size), headers={**JSON, **CLOSE, **length}
        )
        assert_error(response, 413, "payload_too_large")
    with httpx.Client(base_url=target.base_url, timeout=30.0, verify=TLS) as http:
        assert http.get("/health").status_code == 200


def test_many_query_parameters_are_ignored_or_the_last_value_wins(
    client: httpx.Client, admin: Account
) -> None:
    tag = unique_tag()
    products = [new_product(client, admin, name=tag) for _ in range(3)]
    params = [(f"u{index}", "x") for index in range(200)] + [("limit", "100")] * 100
    response = client.get("/v1/products", params=[*params, ("limit", "2"), ("q", tag)])
    assert response.status_code == 200, response.text
    assert response.json()["items"] == products[:2]
