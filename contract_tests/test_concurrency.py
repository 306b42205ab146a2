"""Concurrent requests never oversell and never create a retried order twice."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from contract_tests.helpers import Account, new_customer, new_product
from contract_tests.targets import Target

BUYERS = 40
STOCK = 10


def _race(target: Target, requests: list[tuple[dict[str, str], dict[str, Any]]]) -> list[httpx.Response]:
    """Send all POST /v1/orders requests at once (a barrier releases them together)."""
    barrier = threading.Barrier(len(requests))

    def send(headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
        with httpx.Client(base_url=target.base_url, timeout=60) as http:
            barrier.wait()
            return http.post("/v1/orders", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda request: send(*request), requests))


def test_forty_buyers_of_ten_units_buy_exactly_ten(
    target: Target, client: httpx.Client, admin: Account
) -> None:
    product = new_product(client, admin, stock=STOCK)
    buyers = [new_customer(client) for _ in range(BUYERS)]
    order = {"items": [{"product_id": product["id"], "quantity": 1}]}

    responses = _race(target, [(buyer.headers, order) for buyer in buyers])

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: STOCK, 409: BUYERS - STOCK}, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"] == "insufficient_stock"
    after = client.get(f"/v1/products/{product['id']}")
    assert after.json()["stock"] == 0
    assert after.headers["ETag"] == f'"{1 + STOCK}"'


def test_concurrent_retries_with_one_key_create_one_order(
    target: Target, client: httpx.Client, admin: Account
) -> None:
    product = new_product(client, admin, stock=100)
    buyer = new_customer(client)
    order = {"items": [{"product_id": product["id"], "quantity": 3}]}
    headers = {**buyer.headers, "Idempotency-Key": "retry-storm"}

    responses = _race(target, [(headers, order)] * 12)

    created = [response.json() for response in responses if response.status_code == 201]
    others = [response for response in responses if response.status_code != 201]
    assert created, [response.text for response in responses]
    assert all(body == created[0] for body in created)
    assert all(r.status_code == 409 and r.json()["error"] == "idempotency_key_reused" for r in others)
    listed = client.get("/v1/orders", headers=buyer.headers).json()["items"]
    assert [o["id"] for o in listed] == [created[0]["id"]]
    assert client.get(f"/v1/products/{product['id']}").json()["stock"] == 97
