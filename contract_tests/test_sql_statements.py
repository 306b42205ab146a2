"""Every front end issues the same SQL for the same operation, within a stated budget.

The servers run with SQL_COUNT_HEADER on (core/sqlcount.py): each response says how many SQL
statements its request executed. They must match contract_tests/sql_statements.py, per database;
pages of 20 products or users are listed, so a query per row would show.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from contract_tests.helpers import Account, new_customer, new_order, new_product
from contract_tests.sql_statements import STATEMENTS
from contract_tests.targets import Target
from core.sqlcount import SQL_STATEMENTS_HEADER


def statements(response: httpx.Response) -> int:
    assert response.status_code < 300, response.text
    return int(response.headers[SQL_STATEMENTS_HEADER])


@pytest.fixture(autouse=True)
def _own_front_ends_only(target: Target) -> None:
    if target.jwt_secret is None:
        pytest.skip("counting SQL needs our own servers (SQL_COUNT_HEADER), not an external --base-url")


def test_every_operation_issues_its_stated_sql_statements(
    client: httpx.Client, admin: Account, request: pytest.FixtureRequest
) -> None:
    customer = new_customer(client)
    products = [new_product(client, admin) for _ in range(25)]
    product = products[0]
    order = new_order(client, customer, [{"product_id": product["id"], "quantity": 1}])
    requests: dict[str, Callable[[], httpx.Response]] = {
        "health": lambda: client.get("/health"),
        "ready": lambda: client.get("/ready"),
        "issue_token": lambda: client.post(
            "/v1/auth/token", json={"email": customer.email, "password": customer.password}
        ),
        "read_me": lambda: client.get("/v1/users/me", headers=customer.headers),
        "read_product": lambda: client.get(f"/v1/products/{product['id']}"),
        "list_products": lambda: client.get("/v1/products", params={"limit": 20}),
        "create_product": lambda: client.post(
            "/v1/products", json={"name": "Counted", "price_cents": 100, "stock": 5}, headers=admin.headers
        ),
        "update_product": lambda: client.patch(
            f"/v1/products/{product['id']}", json={"stock": 50}, headers=admin.headers
        ),
        "place_order": lambda: client.post(
            "/v1/orders",
            json={"items": [{"product_id": p["id"], "quantity": 1} for p in products[:3]]},
            headers=customer.headers,
        ),
        "list_orders": lambda: client.get("/v1/orders", headers=customer.headers),
        "read_order": lambda: client.get(f"/v1/orders/{order['id']}", headers=customer.headers),
        "list_users": lambda: client.get("/v1/users", params={"limit": 20}, headers=admin.headers),
    }
    counted = {operation: statements(send()) for operation, send in requests.items()}
    assert counted == STATEMENTS[request.config.getoption("database")]
