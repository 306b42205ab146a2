"""Orders: placing, idempotent retries, lists, reads and status transitions (contract §3 Orders)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from contract_tests.helpers import (
    ORDER_FIELDS,
    Account,
    assert_error,
    assert_timestamp,
    assert_unauthorized,
    location_path,
    new_customer,
    new_order,
    new_product,
    product_state,
    walk,
)

MISSING_PRODUCT = 999_999_999_999

# Every transition the contract lists, and who may make it.
OWNER_MAY = {("pending", "paid"), ("pending", "cancelled")}
ADMIN_ONLY = {("paid", "shipped"), ("paid", "cancelled")}
STATUSES = ["pending", "paid", "shipped", "cancelled"]
UNLISTED = [
    (before, after)
    for before in STATUSES
    for after in STATUSES
    if (before, after) not in OWNER_MAY | ADMIN_ONLY
]


def path_of(order: dict[str, Any]) -> str:
    return f"/v1/orders/{order['id']}"


def place(
    client: httpx.Client, buyer: Account, items: list[dict[str, Any]], key: str | None = None
) -> httpx.Response:
    headers = buyer.headers if key is None else {**buyer.headers, "Idempotency-Key": key}
    return client.post("/v1/orders", json={"items": items}, headers=headers)


def move(client: httpx.Client, caller: Account, order: dict[str, Any], status: str) -> httpx.Response:
    return client.patch(path_of(order), json={"status": status}, headers=caller.headers)


def order_in(client: httpx.Client, admin: Account, buyer: Account, status: str) -> dict[str, Any]:
    """A fresh order of `buyer` (one unit of a fresh product), brought to `status` by the admin."""
    product = new_product(client, admin, stock=10)
    order = new_order(client, buyer, [{"product_id": product["id"], "quantity": 1}])
    route = {"pending": [], "paid": ["paid"], "shipped": ["paid", "shipped"], "cancelled": ["cancelled"]}
    for step in route[status]:
        response = move(client, admin, order, step)
        assert response.status_code == 200, response.text
        order = response.json()
    return order


def ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [order["id"] for order in response.json()["items"]]


# --- placing -----------------------------------------------------------------------------------


def test_placing_an_order(client: httpx.Client, admin: Account, customer: Account) -> None:
    mug = new_product(client, admin, price_cents=1250, stock=10)
    pen = new_product(client, admin, price_cents=199, stock=5)

    response = place(
        client, customer, [{"product_id": mug["id"], "quantity": 2}, {"product_id": pen["id"], "quantity": 5}]
    )

    assert response.status_code == 201, response.text
    order = response.json()
    assert order == {
        "id": order["id"],
        "user_id": customer.id,
        "status": "pending",
        "items": [
            {"product_id": mug["id"], "quantity": 2, "unit_price_cents": 1250},
            {"product_id": pen["id"], "quantity": 5, "unit_price_cents": 199},
        ],
        "total_cents": 2 * 1250 + 5 * 199,
        "created_at": order["created_at"],
        "updated_at": order["updated_at"],
    }
    assert isinstance(order["id"], int) and order["id"] > 0
    assert_timestamp(order["created_at"])
    assert_timestamp(order["updated_at"])
    assert location_path(response) == path_of(order)
    assert client.get(location_path(response), headers=customer.headers).json() == order
    assert product_state(client, mug["id"]) == (8, '"2"')
    assert product_state(client, pen["id"]) == (0, '"2"')


def test_order_keeps_the_prices_it_was_placed_at(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin, price_cents=500)
    order = new_order(client, customer, [{"product_id": product["id"], "quantity": 3}])
    response = client.patch(f"/v1/products/{product['id']}", json={"price_cents": 900}, headers=admin.headers)
    assert response.status_code == 200
    again = client.get(path_of(order), headers=customer.headers).json()
    assert again == order
    assert again["items"][0]["unit_price_cents"] == 500
    assert again["total_cents"] == 1500


def test_order_of_50_lines_is_allowed_and_51_is_not(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    products = [new_product(client, admin, price_cents=1, stock=1) for _ in range(51)]
    items = [{"product_id": product["id"], "quantity": 1} for product in products]
    assert_error(place(client, customer, items), 422, "validation_error", {"items"})
    assert product_state(client, products[0]["id"]) == (1, '"1"')
    response = place(client, customer, items[:50])
    assert response.status_code == 201, response.text
    assert response.json()["total_cents"] == 50
    assert len(response.json()["items"]) == 50


@pytest.mark.parametrize("body", [{"items": []}, {}, {"items": None}, {"items": {}}, {"items": "x"}])
def test_order_needs_a_list_of_items(client: httpx.Client, customer: Account, body: dict[str, Any]) -> None:
    response = client.post("/v1/orders", json=body, headers=customer.headers)
    assert_error(response, 422, "validation_error", {"items"})


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ({"quantity": 1}, {"items.0.product_id"}),
        ({"product_id": "self"}, {"items.0.quantity"}),
        ({"product_id": "self", "quantity": 0}, {"items.0.quantity"}),
        ({"product_id": "self", "quantity": -1}, {"items.0.quantity"}),
        ({"product_id": "self", "quantity": 1001}, {"items.0.quantity"}),
        ({"product_id": 0, "quantity": 1}, {"items.0.product_id"}),
        ({"product_id": -5, "quantity": 1}, {"items.0.product_id"}),
        ({"product_id": 0, "quantity": 0}, {"items.0.product_id", "items.0.quantity"}),
    ],
)
def test_order_line_validation(
    client: httpx.Client, admin: Account, customer: Account, line: dict[str, Any], fields: set[str]
) -> None:
    product = new_product(client, admin, stock=2000)
    if line.get("product_id") == "self":
        line = {**line, "product_id": product["id"]}
    assert_error(place(client, customer, [line]), 422, "validation_error", fields)
    assert product_state(client, product["id"]) == (2000, '"1"')


def test_quantity_1000_is_allowed(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin, stock=1000)
    response = place(client, customer, [{"product_id": product["id"], "quantity": 1000}])
    assert response.status_code == 201, response.text
    assert product_state(client, product["id"]) == (0, '"2"')


def test_unknown_products_are_named(client: httpx.Client, admin: Account, customer: Account) -> None:
    known = new_product(client, admin)
    deleted = new_product(client, admin)
    assert client.delete(f"/v1/products/{deleted['id']}", headers=admin.headers).status_code == 204
    items = [
        {"product_id": known["id"], "quantity": 1},
        {"product_id": MISSING_PRODUCT, "quantity": 1},
        {"product_id": deleted["id"], "quantity": 1},
    ]
    response = place(client, customer, items)
    assert_error(response, 422, "validation_error", {"items.1.product_id", "items.2.product_id"})
    assert product_state(client, known["id"]) == (100, '"1"')


def test_repeated_products_are_named_after_the_first(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    first, second = new_product(client, admin), new_product(client, admin)
    items = [
        {"product_id": first["id"], "quantity": 1},
        {"product_id": second["id"], "quantity": 1},
        {"product_id": first["id"], "quantity": 2},
        {"product_id": first["id"], "quantity": 3},
        {"product_id": second["id"], "quantity": 1},
    ]
    response = place(client, customer, items)
    assert_error(
        response, 422, "validation_error", {"items.2.product_id", "items.3.product_id", "items.4.product_id"}
    )
    assert product_state(client, first["id"]) == (100, '"1"')


def test_unknown_and_repeated_products_are_reported_together(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin)
    items = [
        {"product_id": product["id"], "quantity": 1},
        {"product_id": MISSING_PRODUCT, "quantity": 1},
        {"product_id": product["id"], "quantity": 1},
    ]
    response = place(client, customer, items)
    assert_error(response, 422, "validation_error", {"items.1.product_id", "items.2.product_id"})


def test_short_stock_is_409_naming_every_short_line_and_changes_nothing(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    plenty = new_product(client, admin, stock=5)
    scarce = new_product(client, admin, stock=1)
    empty = new_product(client, admin, stock=0)
    products = (plenty, scarce, empty)
    items = [
        {"product_id": plenty["id"], "quantity": 5},
        {"product_id": scarce["id"], "quantity": 2},
        {"product_id": empty["id"], "quantity": 1},
    ]

    response = place(client, customer, items)

    assert_error(response, 409, "insufficient_stock", {"items.1.quantity", "items.2.quantity"})
    for product in products:
        assert product_state(client, product["id"]) == (product["stock"], '"1"')
    assert client.get("/v1/orders", headers=customer.headers).json() == {"items": [], "next_cursor": None}


def test_exactly_the_stock_can_be_bought(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin, stock=3)
    assert place(client, customer, [{"product_id": product["id"], "quantity": 3}]).status_code == 201
    response = place(client, customer, [{"product_id": product["id"], "quantity": 1}])
    assert_error(response, 409, "insufficient_stock", {"items.0.quantity"})


def test_placing_an_order_needs_a_token(client: httpx.Client, admin: Account) -> None:
    product = new_product(client, admin)
    assert_unauthorized(
        client.post("/v1/orders", json={"items": [{"product_id": product["id"], "quantity": 1}]})
    )
    assert product_state(client, product["id"]) == (100, '"1"')


def test_admins_may_place_orders_too(client: httpx.Client, admin: Account) -> None:
    product = new_product(client, admin)
    order = new_order(client, admin, [{"product_id": product["id"], "quantity": 1}])
    assert order["user_id"] == admin.id


# --- idempotency -------------------------------------------------------------------------------


def test_retry_with_the_same_key_and_body_replays_the_order(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin, stock=10)
    items = [{"product_id": product["id"], "quantity": 2}]
    first = place(client, customer, items, key="order-1")
    assert first.status_code == 201, first.text

    again = place(client, customer, items, key="order-1")

    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert location_path(again) == path_of(first.json())
    assert ids(client.get("/v1/orders", headers=customer.headers)) == [first.json()["id"]]
    assert product_state(client, product["id"]) == (8, '"2"')


def test_same_json_value_written_differently_counts_as_the_same_body(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin, stock=10)
    headers = {**customer.headers, "Content-Type": "application/json", "Idempotency-Key": "spelled-twice"}
    compact = json.dumps({"items": [{"product_id": product["id"], "quantity": 2}]}, separators=(",", ":"))
    spaced = f'{{\n  "items" : [ {{ "quantity" : 2 , "product_id" : {product["id"]} }} ]\n}}'
    first = client.post("/v1/orders", content=compact.encode(), headers=headers)
    assert first.status_code == 201, first.text
    again = client.post("/v1/orders", content=spaced.encode(), headers=headers)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert product_state(client, product["id"]) == (8, '"2"')


def test_same_key_with_another_body_is_409(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin, stock=10)
    first = place(client, customer, [{"product_id": product["id"], "quantity": 2}], key="k")
    assert first.status_code == 201
    other = place(client, customer, [{"product_id": product["id"], "quantity": 3}], key="k")
    assert_error(other, 409, "idempotency_key_reused")
    assert product_state(client, product["id"]) == (8, '"2"')
    assert ids(client.get("/v1/orders", headers=customer.headers)) == [first.json()["id"]]


def test_replay_returns_the_first_response_as_it_was(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin)
    items = [{"product_id": product["id"], "quantity": 1}]
    first = place(client, customer, items, key="then")
    assert move(client, customer, first.json(), "paid").status_code == 200
    again = place(client, customer, items, key="then")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.json()["status"] == "pending"


def test_failed_attempt_is_not_remembered(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin, stock=1)
    items = [{"product_id": product["id"], "quantity": 2}]
    assert_error(
        place(client, customer, items, key="after-restock"), 409, "insufficient_stock", {"items.0.quantity"}
    )
    invalid = [{"product_id": MISSING_PRODUCT, "quantity": 1}]
    assert_error(
        place(client, customer, invalid, key="after-restock"), 422, "validation_error", {"items.0.product_id"}
    )
    restock = client.patch(f"/v1/products/{product['id']}", json={"stock": 5}, headers=admin.headers)
    assert restock.status_code == 200

    response = place(client, customer, items, key="after-restock")

    assert response.status_code == 201, response.text
    assert product_state(client, product["id"]) == (3, '"3"')


def test_keys_are_scoped_per_user(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin, stock=10)
    other = new_customer(client)
    mine = place(client, customer, [{"product_id": product["id"], "quantity": 1}], key="shared-key")
    same = place(client, other, [{"product_id": product["id"], "quantity": 1}], key="shared-key")
    different = new_customer(client)
    changed = place(client, different, [{"product_id": product["id"], "quantity": 2}], key="shared-key")
    assert mine.status_code == same.status_code == changed.status_code == 201
    assert len({mine.json()["id"], same.json()["id"], changed.json()["id"]}) == 3
    assert same.json()["user_id"] == other.id
    assert product_state(client, product["id"]) == (6, '"4"')


def test_replay_is_answered_before_stock_is_checked(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin, stock=2)
    items = [{"product_id": product["id"], "quantity": 2}]
    first = place(client, customer, items, key="sold-out-since")
    assert first.status_code == 201, first.text
    again = place(client, customer, items, key="sold-out-since")
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert product_state(client, product["id"]) == (0, '"2"')


def test_requests_without_a_key_are_never_deduplicated(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin, stock=10)
    items = [{"product_id": product["id"], "quantity": 1}]
    first, second = place(client, customer, items), place(client, customer, items)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


@pytest.mark.parametrize(
    "key",
    ["k", "x" * 255, "with spaces inside", "".join(map(chr, range(0x21, 0x7F)))],
    ids=["1", "255", "spaces", "all"],
)
def test_printable_keys_of_1_to_255_characters_are_accepted(
    client: httpx.Client, admin: Account, customer: Account, key: str
) -> None:
    product = new_product(client, admin)
    response = place(client, customer, [{"product_id": product["id"], "quantity": 1}], key=key)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "key", [b"", b"x" * 256, b"caf\xe9", b"tab\there"], ids=["empty", "256", "latin-1", "tab"]
)
def test_invalid_key_is_422_naming_the_header(
    client: httpx.Client, admin: Account, customer: Account, key: bytes
) -> None:
    product = new_product(client, admin)
    headers = [*((name.encode(), value.encode()) for name, value in customer.headers.items())]
    response = client.post(
        "/v1/orders",
        json={"items": [{"product_id": product["id"], "quantity": 1}]},
        headers=[*headers, (b"Idempotency-Key", key)],
    )
    assert_error(response, 422, "validation_error", {"Idempotency-Key"})
    assert product_state(client, product["id"]) == (100, '"1"')


def test_invalid_key_and_invalid_body_are_reported_together(client: httpx.Client, customer: Account) -> None:
    response = place(client, customer, [{"product_id": 1, "quantity": 0}], key="x" * 256)
    assert_error(response, 422, "validation_error", {"Idempotency-Key", "items.0.quantity"})


def test_validation_comes_before_the_key(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin)
    assert place(client, customer, [{"product_id": product["id"], "quantity": 1}], key="v").status_code == 201
    response = place(client, customer, [{"product_id": product["id"], "quantity": 0}], key="v")
    assert_error(response, 422, "validation_error", {"items.0.quantity"})


# --- lists -------------------------------------------------------------------------------------


def test_customer_lists_own_orders_newest_first(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin)
    other = new_customer(client)
    mine = [new_order(client, customer, [{"product_id": product["id"], "quantity": 1}]) for _ in range(3)]
    new_order(client, other, [{"product_id": product["id"], "quantity": 1}])
    response = client.get("/v1/orders", headers=customer.headers)
    assert response.json() == {"items": mine[::-1], "next_cursor": None}


def test_admin_lists_everyones_orders(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin)
    other = new_customer(client)
    placed = [
        new_order(client, customer, [{"product_id": product["id"], "quantity": 1}]),
        new_order(client, other, [{"product_id": product["id"], "quantity": 1}]),
    ]
    everything = walk(client, "/v1/orders", headers=admin.headers)
    listed_ids = [order["id"] for order in everything]
    assert listed_ids == sorted(set(listed_ids), reverse=True)
    assert all(order in everything for order in placed)


def test_admin_filters_orders_by_user(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin)
    other = new_customer(client)
    mine = [new_order(client, customer, [{"product_id": product["id"], "quantity": 1}]) for _ in range(2)]
    new_order(client, other, [{"product_id": product["id"], "quantity": 1}])
    response = client.get("/v1/orders", params={"user_id": customer.id}, headers=admin.headers)
    assert response.json() == {"items": mine[::-1], "next_cursor": None}


def test_customer_filtering_by_user_is_forbidden(client: httpx.Client, customer: Account) -> None:
    for user_id in (customer.id, customer.id + 1):
        response = client.get("/v1/orders", params={"user_id": user_id}, headers=customer.headers)
        assert_error(response, 403, "forbidden")


def test_orders_filter_by_status(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin)
    placed = [new_order(client, customer, [{"product_id": product["id"], "quantity": 1}]) for _ in range(4)]
    assert move(client, customer, placed[0], "paid").status_code == 200
    assert move(client, customer, placed[2], "paid").status_code == 200
    assert move(client, customer, placed[3], "cancelled").status_code == 200

    def listed(status: str, caller: Account, **params: int) -> list[int]:
        return ids(client.get("/v1/orders", params={"status": status, **params}, headers=caller.headers))

    assert listed("paid", customer) == [placed[2]["id"], placed[0]["id"]]
    assert listed("pending", customer) == [placed[1]["id"]]
    assert listed("cancelled", customer) == [placed[3]["id"]]
    assert listed("shipped", customer) == []
    assert listed("paid", admin, user_id=customer.id) == [placed[2]["id"], placed[0]["id"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"status": "PAID"}, "status"),
        ({"user_id": "abc"}, "user_id"),
        ({"user_id": "0"}, "user_id"),
        ({"user_id": "1.0"}, "user_id"),
        ({"user_id": "+1"}, "user_id"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_bad_order_list_query_is_422(
    client: httpx.Client, admin: Account, params: dict[str, str], field: str
) -> None:
    response = client.get("/v1/orders", params=params, headers=admin.headers)
    assert_error(response, 422, "validation_error", {field})


def test_order_pages_walk_every_order_once_newest_first(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin)
    placed = [new_order(client, customer, [{"product_id": product["id"], "quantity": 1}]) for _ in range(5)]
    assert walk(client, "/v1/orders", headers=customer.headers, limit=2) == placed[::-1]
    first = client.get("/v1/orders", params={"limit": 5}, headers=customer.headers).json()
    assert first == {"items": placed[::-1], "next_cursor": None}
    assert (
        walk(client, "/v1/orders", params={"user_id": customer.id}, headers=admin.headers, limit=2)
        == placed[::-1]
    )


def test_listing_orders_needs_a_token(client: httpx.Client) -> None:
    assert_unauthorized(client.get("/v1/orders"))


# --- reads -------------------------------------------------------------------------------------


def test_owner_and_admin_read_an_order(client: httpx.Client, admin: Account, customer: Account) -> None:
    order = order_in(client, admin, customer, "pending")
    assert client.get(path_of(order), headers=customer.headers).json() == order
    assert client.get(path_of(order), headers=admin.headers).json() == order
    assert set(order) == ORDER_FIELDS


def test_other_customers_order_is_not_found(client: httpx.Client, admin: Account, customer: Account) -> None:
    order = order_in(client, admin, customer, "pending")
    other = new_customer(client)
    assert_error(client.get(path_of(order), headers=other.headers), 404, "not_found")


def test_reading_a_missing_order_is_404(client: httpx.Client, admin: Account, customer: Account) -> None:
    assert_error(client.get("/v1/orders/999999999999", headers=admin.headers), 404, "not_found")
    assert_error(client.get("/v1/orders/999999999999", headers=customer.headers), 404, "not_found")


def test_reading_an_order_needs_a_token(client: httpx.Client, admin: Account, customer: Account) -> None:
    order = order_in(client, admin, customer, "pending")
    assert_unauthorized(client.get(path_of(order)))


# --- transitions -------------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), sorted(OWNER_MAY))
def test_owner_makes_the_owner_transitions(
    client: httpx.Client, admin: Account, customer: Account, before: str, after: str
) -> None:
    order = order_in(client, admin, customer, before)
    response = move(client, customer, order, after)
    assert response.status_code == 200, response.text
    assert response.json() == {**order, "status": after, "updated_at": response.json()["updated_at"]}
    assert_timestamp(response.json()["updated_at"])
    assert client.get(path_of(order), headers=customer.headers).json() == response.json()


@pytest.mark.parametrize(("before", "after"), sorted(OWNER_MAY | ADMIN_ONLY))
def test_admin_makes_every_listed_transition(
    client: httpx.Client, admin: Account, customer: Account, before: str, after: str
) -> None:
    order = order_in(client, admin, customer, before)
    response = move(client, admin, order, after)
    assert response.status_code == 200, response.text
    assert response.json() == {**order, "status": after, "updated_at": response.json()["updated_at"]}


@pytest.mark.parametrize(("before", "after"), sorted(ADMIN_ONLY))
def test_owner_may_not_make_admin_transitions(
    client: httpx.Client, admin: Account, customer: Account, before: str, after: str
) -> None:
    order = order_in(client, admin, customer, before)
    assert_error(move(client, customer, order, after), 403, "forbidden")
    assert client.get(path_of(order), headers=customer.headers).json() == order


@pytest.mark.parametrize("caller", ["owner", "admin"])
@pytest.mark.parametrize(("before", "after"), UNLISTED)
def test_unlisted_transition_is_409_for_every_caller(
    client: httpx.Client, admin: Account, customer: Account, before: str, after: str, caller: str
) -> None:
    order = order_in(client, admin, customer, before)
    response = move(client, customer if caller == "owner" else admin, order, after)
    assert_error(response, 409, "invalid_status_transition")
    assert client.get(path_of(order), headers=customer.headers).json() == order


@pytest.mark.parametrize(("before", "caller"), [("pending", "owner"), ("paid", "admin")])
def test_cancelling_restores_stock_and_bumps_versions(
    client: httpx.Client, admin: Account, customer: Account, before: str, caller: str
) -> None:
    first = new_product(client, admin, stock=10)
    second = new_product(client, admin, stock=4)
    order = new_order(
        client,
        customer,
        [{"product_id": first["id"], "quantity": 3}, {"product_id": second["id"], "quantity": 4}],
    )
    if before == "paid":
        assert move(client, customer, order, "paid").status_code == 200
    assert product_state(client, first["id"]) == (7, '"2"')
    assert product_state(client, second["id"]) == (0, '"2"')

    response = move(client, customer if caller == "owner" else admin, order, "cancelled")

    assert response.status_code == 200, response.text
    assert product_state(client, first["id"]) == (10, '"3"')
    assert product_state(client, second["id"]) == (4, '"3"')
    assert response.json()["items"] == order["items"]
    assert response.json()["total_cents"] == order["total_cents"]


def test_paying_and_shipping_leave_products_alone(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin, stock=10)
    order = new_order(client, customer, [{"product_id": product["id"], "quantity": 2}])
    assert move(client, customer, order, "paid").status_code == 200
    assert move(client, admin, order, "shipped").status_code == 200
    assert product_state(client, product["id"]) == (8, '"2"')


def test_other_customer_cannot_move_an_order(client: httpx.Client, admin: Account, customer: Account) -> None:
    order = order_in(client, admin, customer, "paid")
    other = new_customer(client)
    for status in ("cancelled", "shipped", "paid", "pending"):
        assert_error(move(client, other, order, status), 404, "not_found")
    assert client.get(path_of(order), headers=customer.headers).json() == order


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"status"}),
        ({"status": "lost"}, {"status"}),
        ({"status": "PAID"}, {"status"}),
        ({"status": None}, {"status"}),
        ({"status": 1}, {"status"}),
        ({"status": "paid", "total_cents": 0}, {"total_cents"}),
    ],
)
def test_invalid_status_update_is_422(
    client: httpx.Client, admin: Account, customer: Account, body: dict[str, Any], fields: set[str]
) -> None:
    order = order_in(client, admin, customer, "pending")
    assert_error(
        client.patch(path_of(order), json=body, headers=customer.headers), 422, "validation_error", fields
    )
    assert client.get(path_of(order), headers=customer.headers).json() == order


def test_moving_a_missing_order_is_404(client: httpx.Client, admin: Account) -> None:
    response = client.patch("/v1/orders/999999999999", json={"status": "paid"}, headers=admin.headers)
    assert_error(response, 404, "not_found")


def test_moving_an_order_needs_a_token(client: httpx.Client, admin: Account, customer: Account) -> None:
    order = order_in(client, admin, customer, "pending")
    assert_unauthorized(client.patch(path_of(order), json={"status": "cancelled"}))
    assert client.get(path_of(order), headers=customer.headers).json() == order
