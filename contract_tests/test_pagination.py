"""Pages (contract §3 Pages) on every list: `next_cursor` is null exactly when no further items
exist, a page after a non-null cursor is never empty, and paging is by key (the last id served),
not by offset, so rows that leave the list meanwhile make no later row be skipped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from contract_tests.helpers import (
    Account,
    new_customer,
    new_order,
    new_product,
    unique_tag,
    walk,
)

LIMIT = 3


@dataclass(frozen=True)
class Listing:
    path: str
    headers: dict[str, str]
    params: dict[str, str | int]
    newest_first: bool = False

    def page(self, client: httpx.Client, limit: int, cursor: str | None = None) -> dict[str, Any]:
        query: dict[str, str | int] = {**self.params, "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        response = client.get(self.path, params=query, headers=self.headers)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        return page


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


def cursor_before(client: httpx.Client, listing: Listing, first_id: int) -> str | None:
    """A cursor whose page starts at `first_id`: the one of a page that ends just before it (None
    when it is the list's first item). Cursors are only ever taken from the API's own pages."""
    cursor: str | None = None
    while True:
        page = listing.page(client, 100, cursor)
        served = ids(page["items"])
        if first_id in served:
            position = served.index(first_id)
            if position == 0:
                return cursor
            return listing.page(client, position, cursor)["next_cursor"]  # type: ignore[no-any-return]
        assert page["next_cursor"] is not None, f"{first_id} is not in {listing.path}"
        cursor = page["next_cursor"]


# --- every list, end to end ----------------------------------------------------------------------


def listings(admin: Account, customer: Account) -> dict[str, Listing]:
    return {
        "products": Listing("/v1/products", {}, {}),
        "users": Listing("/v1/users", admin.headers, {}),
        "orders (admin)": Listing("/v1/orders", admin.headers, {}, newest_first=True),
        "orders (own)": Listing("/v1/orders", customer.headers, {}, newest_first=True),
    }


@pytest.mark.parametrize("name", ["products", "users", "orders (admin)", "orders (own)"])
def test_every_page_before_the_last_is_full_and_the_last_has_a_null_cursor(
    client: httpx.Client, admin: Account, customer: Account, name: str
) -> None:
    product = new_product(client, admin)
    for _ in range(2 * LIMIT + 1):  # so that every list has three pages at least
        new_product(client, admin)
        new_order(client, customer, [{"product_id": product["id"], "quantity": 1}])
        if name == "users":
            new_customer(client)
    listing = listings(admin, customer)[name]
    everything = walk(client, listing.path, headers=listing.headers, limit=100)
    # Some ten pages, however long the list has grown in this session; never a multiple of it.
    limit = max(2, min(99, len(everything) // 10))
    limit += len(everything) % limit == 0
    assert len(everything) > 2 * limit

    served: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = listing.page(client, limit, cursor)
        served.extend(page["items"])
        if page["next_cursor"] is None:
            break
        assert len(page["items"]) == limit, "only the last page may be short"
        cursor = page["next_cursor"]
    assert page["items"], "the page after a non-null cursor is never empty"
    assert served == everything
    assert ids(served) == sorted(ids(served), reverse=listing.newest_first)


def test_exactly_two_pages_of_products_end_with_a_null_cursor(client: httpx.Client, admin: Account) -> None:
    tag = unique_tag()
    created = [new_product(client, admin, name=f"{tag} {n}") for n in range(2 * LIMIT)]
    listing = Listing("/v1/products", {}, {"q": tag})
    first = listing.page(client, LIMIT)
    assert first["items"] == created[:LIMIT] and first["next_cursor"] is not None
    assert listing.page(client, LIMIT, first["next_cursor"]) == {
        "items": created[LIMIT:],
        "next_cursor": None,
    }


def test_exactly_two_pages_of_users_end_with_a_null_cursor(client: httpx.Client, admin: Account) -> None:
    created = [new_customer(client).user for _ in range(2 * LIMIT)]
    listing = Listing("/v1/users", admin.headers, {})
    first = listing.page(client, LIMIT, cursor_before(client, listing, created[0]["id"]))
    assert first["items"] == created[:LIMIT] and first["next_cursor"] is not None
    assert listing.page(client, LIMIT, first["next_cursor"]) == {
        "items": created[LIMIT:],
        "next_cursor": None,
    }


def test_exactly_two_pages_of_orders_end_with_a_null_cursor(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin)
    placed = [new_order(client, customer, [{"product_id": product["id"], "quantity": 1}]) for _ in range(6)]
    newest_first = placed[::-1]
    for listing in (
        Listing("/v1/orders", customer.headers, {}),
        Listing("/v1/orders", admin.headers, {"user_id": customer.id}),
    ):
        first = listing.page(client, LIMIT)
        assert first["items"] == newest_first[:LIMIT] and first["next_cursor"] is not None
        second = listing.page(client, LIMIT, first["next_cursor"])
        assert second == {"items": newest_first[LIMIT:], "next_cursor": None}


# --- keyset, not offset --------------------------------------------------------------------------


def delete(client: httpx.Client, admin: Account, product: dict[str, Any]) -> bool:
    return client.delete(f"/v1/products/{product['id']}", headers=admin.headers).status_code == 204


def deactivate(client: httpx.Client, admin: Account, user: dict[str, Any]) -> bool:
    return client.delete(f"/v1/users/{user['id']}", headers=admin.headers).status_code == 204


def test_deleting_a_served_product_skips_no_later_one(client: httpx.Client, admin: Account) -> None:
    tag = unique_tag()
    created = [new_product(client, admin, name=f"{tag} {n}") for n in range(2 * LIMIT)]
    listing = Listing("/v1/products", {}, {"q": tag})
    first = listing.page(client, LIMIT)
    assert first["items"] == created[:LIMIT]
    assert delete(client, admin, created[1])
    assert listing.page(client, LIMIT, first["next_cursor"]) == {
        "items": created[LIMIT:],
        "next_cursor": None,
    }


def test_deactivating_a_served_user_skips_no_later_one(client: httpx.Client, admin: Account) -> None:
    created = [new_customer(client).user for _ in range(2 * LIMIT)]
    listing = Listing("/v1/users", admin.headers, {})
    first = listing.page(client, LIMIT, cursor_before(client, listing, created[0]["id"]))
    assert first["items"] == created[:LIMIT]
    assert deactivate(client, admin, created[1])
    assert listing.page(client, LIMIT, first["next_cursor"]) == {
        "items": created[LIMIT:],
        "next_cursor": None,
    }


def test_an_order_leaving_the_filter_after_being_served_skips_no_later_one(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin)
    placed = [new_order(client, customer, [{"product_id": product["id"], "quantity": 1}]) for _ in range(6)]
    newest_first = placed[::-1]
    listing = Listing("/v1/orders", customer.headers, {"status": "pending"})
    first = listing.page(client, LIMIT)
    assert first["items"] == newest_first[:LIMIT]
    cancelled = client.patch(
        f"/v1/orders/{newest_first[1]['id']}", json={"status": "cancelled"}, headers=customer.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    second = listing.page(client, LIMIT, first["next_cursor"])
    assert second == {"items": newest_first[LIMIT:], "next_cursor": None}


# --- filters whose other rows come after the matching ones -------------------------------------
# A page is cut from the filtered rows: rows that do not match, later in the list, must neither
# leave a non-null cursor that leads to an empty page nor hide a matching row.


FilteredCase = Callable[[httpx.Client, Account], tuple[Listing, list[dict[str, Any]]]]


def products_by_name(client: httpx.Client, admin: Account) -> tuple[Listing, list[dict[str, Any]]]:
    tag = unique_tag()
    matching = [new_product(client, admin, name=f"{tag} match {n}") for n in range(4)]
    for n in range(5):
        new_product(client, admin, name=f"{tag[:-1]} other {n}")
    return Listing("/v1/products", {}, {"q": tag}), matching


def products_by_price(client: httpx.Client, admin: Account) -> tuple[Listing, list[dict[str, Any]]]:
    tag = unique_tag()
    matching = [new_product(client, admin, name=f"{tag} {n}", price_cents=100) for n in range(4)]
    for n in range(5):
        new_product(client, admin, name=f"{tag} dear {n}", price_cents=900)
    return Listing("/v1/products", {}, {"q": tag, "max_price_cents": 100}), matching


def orders_by_status(client: httpx.Client, admin: Account) -> tuple[Listing, list[dict[str, Any]]]:
    buyer = new_customer(client)
    product = new_product(client, admin)
    older = [new_order(client, buyer, [{"product_id": product["id"], "quantity": 1}]) for _ in range(5)]
    newer = [new_order(client, buyer, [{"product_id": product["id"], "quantity": 1}]) for _ in range(4)]
    paid = []
    for order in newer:
        response = client.patch(f"/v1/orders/{order['id']}", json={"status": "paid"}, headers=buyer.headers)
        assert response.status_code == 200, response.text
        paid.append(response.json())
    assert older  # pending, listed after the paid ones (newest first)
    return Listing("/v1/orders", buyer.headers, {"status": "paid"}), paid[::-1]


def orders_by_user(client: httpx.Client, admin: Account) -> tuple[Listing, list[dict[str, Any]]]:
    buyer, other = new_customer(client), new_customer(client)
    product = new_product(client, admin)
    for _ in range(5):
        new_order(client, other, [{"product_id": product["id"], "quantity": 1}])
    mine = [new_order(client, buyer, [{"product_id": product["id"], "quantity": 1}]) for _ in range(4)]
    return Listing("/v1/orders", admin.headers, {"user_id": buyer.id}), mine[::-1]


def active_users(client: httpx.Client, admin: Account) -> tuple[Listing, list[dict[str, Any]]]:
    matching = [new_customer(client).user for _ in range(4)]
    for _ in range(3):
        assert deactivate(client, admin, new_customer(client).user)
    listing = Listing("/v1/users", admin.headers, {})
    start = cursor_before(client, listing, matching[0]["id"])
    return Listing("/v1/users", admin.headers, {} if start is None else {"cursor": start}), matching


FILTERED: dict[str, FilteredCase] = {
    "products by q": products_by_name,
    "products by price": products_by_price,
    "orders by status": orders_by_status,
    "orders by user_id": orders_by_user,
    "active users": active_users,
}


@pytest.mark.parametrize("case", list(FILTERED))
def test_filtered_list_ends_where_the_matches_end(client: httpx.Client, admin: Account, case: str) -> None:
    listing, matching = FILTERED[case](client, admin)
    assert len(matching) == 4
    assert listing.page(client, 4) == {"items": matching, "next_cursor": None}
    assert listing.page(client, 5) == {"items": matching, "next_cursor": None}
    first = listing.page(client, 3)
    assert first["items"] == matching[:3] and first["next_cursor"] is not None
    rest = listing.page(client, 3, first["next_cursor"])
    assert rest == {"items": matching[3:], "next_cursor": None}
