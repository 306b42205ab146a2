"""Concurrent requests never oversell, never create a retried order twice, let one of several
writers with the same If-Match through, restore stock once, and never deadlock. Every request of
a race gets its own connection and thread, released together by a barrier; in-process targets
serve each connection from a thread of their own too, so the races are real in both modes."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from contract_tests.helpers import Account, new_customer, new_order, new_product, product_state
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


Request = tuple[str, str, dict[str, str], dict[str, Any] | None]


def _race_any(target: Target, requests: list[Request]) -> list[httpx.Response]:
    """Send every (method, path, headers, json) request at once, each on its own connection."""
    barrier = threading.Barrier(len(requests))

    def send(request: Request) -> httpx.Response:
        method, path, headers, body = request
        with httpx.Client(base_url=target.base_url, timeout=60) as http:
            barrier.wait()
            return http.request(method, path, json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def _codes(responses: list[httpx.Response]) -> Counter[tuple[int, str | None]]:
    """(status, error code) of each answer, counted."""
    return Counter((r.status_code, r.json()["error"] if r.status_code >= 400 else None) for r in responses)


def test_ten_patches_with_one_if_match_let_exactly_one_through(
    target: Target, client: httpx.Client, admin: Account
) -> None:
    product = new_product(client, admin, stock=100)
    path = f"/v1/products/{product['id']}"
    headers = {**admin.headers, "If-Match": '"1"'}

    responses = _race_any(target, [("PATCH", path, headers, {"stock": stock}) for stock in range(10)])

    assert _codes(responses) == {(200, None): 1, (412, "precondition_failed"): 9}
    winner = next(response for response in responses if response.status_code == 200)
    after = client.get(path)
    assert after.headers["ETag"] == winner.headers["ETag"] == '"2"'
    assert after.json() == winner.json()


def test_owner_and_admin_cancelling_at_once_restore_stock_once(
    target: Target, client: httpx.Client, admin: Account
) -> None:
    rounds = 5
    product = new_product(client, admin, stock=100)
    owner = new_customer(client)
    orders = [new_order(client, owner, [{"product_id": product["id"], "quantity": 7}]) for _ in range(rounds)]
    cancel = {"status": "cancelled"}
    requests: list[Request] = [
        ("PATCH", f"/v1/orders/{order['id']}", caller.headers, cancel)
        for order in orders
        for caller in (owner, admin)
    ]

    responses = _race_any(target, requests)

    assert _codes(responses) == {(200, None): rounds, (409, "invalid_status_transition"): rounds}
    for order in orders:
        answers = [r for r in responses if r.request.url.path == f"/v1/orders/{order['id']}"]
        assert sorted(r.status_code for r in answers) == [200, 409]
    # Created (1), each order took stock (+1 each), each cancellation gave it back once (+1 each).
    assert product_state(client, product["id"]) == (100, f'"{1 + 2 * rounds}"')


def test_orders_locking_the_same_products_in_opposite_order_never_deadlock(
    target: Target, client: httpx.Client, admin: Account
) -> None:
    first, second = new_product(client, admin, stock=30), new_product(client, admin, stock=30)
    buyers = [new_customer(client) for _ in range(8)]
    forwards = [{"product_id": first["id"], "quantity": 3}, {"product_id": second["id"], "quantity": 2}]
    backwards = [{"product_id": second["id"], "quantity": 3}, {"product_id": first["id"], "quantity": 2}]
    requests: list[Request] = [
        ("POST", "/v1/orders", buyer.headers, {"items": items})
        for buyer in buyers
        for items in (forwards, backwards)
    ]

    responses = _race_any(target, requests)

    codes = _codes(responses)
    assert set(codes) <= {(201, None), (409, "insufficient_stock")}, codes
    placed = [r.json() for r in responses if r.status_code == 201]
    taken: Counter[int] = Counter()
    for order in placed:
        for item in order["items"]:
            taken[item["product_id"]] += item["quantity"]
    # 16 orders of 5 units each take 40 units of each product, which has 30: some are refused.
    assert 0 < len(placed) < len(requests)
    for product in (first, second):
        stock, etag = product_state(client, product["id"])
        assert stock == 30 - taken[product["id"]] >= 0
        assert etag == f'"{1 + len(placed)}"'


def test_one_key_racing_with_two_bodies_creates_one_order(
    target: Target, client: httpx.Client, admin: Account
) -> None:
    product = new_product(client, admin, stock=100)
    buyer = new_customer(client)
    headers = {**buyer.headers, "Idempotency-Key": "two-bodies"}
    bodies = [{"items": [{"product_id": product["id"], "quantity": quantity}]} for quantity in (1, 2)]
    requests: list[Request] = [("POST", "/v1/orders", headers, body) for body in bodies for _ in range(5)]

    responses = _race_any(target, requests)

    created = [r for r in responses if r.status_code == 201]
    assert created, [r.text for r in responses]
    order = created[0].json()
    assert all(r.json() == order for r in created)
    winning_quantity = order["items"][0]["quantity"]
    for response, (_, _, _, body) in zip(responses, requests, strict=True):
        if body is not None and body["items"][0]["quantity"] != winning_quantity:
            assert response.status_code == 409, "the other body never gets an order"
        assert response.status_code in (201, 409)
        if response.status_code == 409:
            assert response.json()["error"] == "idempotency_key_reused"
    listed = client.get("/v1/orders", headers=buyer.headers).json()["items"]
    assert [o["id"] for o in listed] == [order["id"]]
    assert product_state(client, product["id"]) == (100 - winning_quantity, '"2"')
