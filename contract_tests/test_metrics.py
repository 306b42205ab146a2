"""GET /metrics: the same Prometheus families and labels on every front end (core/metrics.py).

Live servers run two workers, so the counts here also prove multiprocess mode: whichever worker
answers the scrape, it reports the requests every worker answered.
"""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from contract_tests.helpers import Account, assert_error, new_product
from contract_tests.targets import Target
from core.sqlcount import SQL_STATEMENTS_HEADER

# name -> (type, label names) of every family the API exposes.
FAMILIES = {
    "shop_http_requests": ("counter", {"operation", "method", "status"}),
    "shop_http_request_duration_seconds": ("histogram", {"operation"}),
    "shop_sql_statements_per_request": ("histogram", {"operation"}),
    "shop_http_requests_in_flight": ("gauge", set()),
    "shop_db_pool_size": ("gauge", set()),
    "shop_db_pool_checked_out": ("gauge", set()),
    "shop_db_pool_overflow": ("gauge", set()),
}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(autouse=True)
def _own_front_ends_only(target: Target) -> None:
    if target.jwt_secret is None:
        pytest.skip("an external --base-url need not expose our metrics")


def scrape(client: httpx.Client) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_the_same_families_and_labels_on_every_front_end(client: httpx.Client) -> None:
    client.get("/health")
    response = client.get("/metrics")
    families = {
        family.name: (family.type, {label for sample in family.samples for label in sample.labels} - {"le"})
        for family in text_string_to_metric_families(response.text)
        if family.name.startswith("shop_")
    }
    assert families == FAMILIES


def test_each_request_is_counted_once_under_its_operation(client: httpx.Client) -> None:
    before = scrape(client)
    for _ in range(5):
        assert client.get("/v1/products", params={"limit": 3}).status_code == 200
    assert client.get("/no/such/path").status_code == 404
    assert client.get("/v1/users/me").status_code == 401
    after = scrape(client)

    def added(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert added("shop_http_requests_total", operation="list_products", method="GET", status="200") == 5
    assert added("shop_http_request_duration_seconds_count", operation="list_products") == 5
    assert added("shop_http_requests_total", operation="unmatched", method="GET", status="404") == 1
    assert added("shop_http_requests_total", operation="read_me", method="GET", status="401") == 1
    # The scrape before this one is the only other request, counted as a route outside the API.
    assert added("shop_http_requests_total", operation="other", method="GET", status="200") == 1


def test_sql_statements_per_request_match_what_the_request_issued(
    client: httpx.Client, admin: Account
) -> None:
    product = new_product(client, admin)
    before = scrape(client)
    response = client.get(f"/v1/products/{product['id']}")
    issued = int(response.headers[SQL_STATEMENTS_HEADER])
    after = scrape(client)
    name = "shop_sql_statements_per_request"
    assert (
        value(after, f"{name}_count", operation="read_product")
        - value(before, f"{name}_count", operation="read_product")
        == 1
    )
    assert (
        value(after, f"{name}_sum", operation="read_product")
        - value(before, f"{name}_sum", operation="read_product")
        == issued
        > 0
    )


def test_gauges_show_the_scrape_itself_and_an_idle_pool(client: httpx.Client) -> None:
    client.get("/v1/products")
    samples = scrape(client)
    assert value(samples, "shop_http_requests_in_flight") == 1  # the scrape
    assert value(samples, "shop_db_pool_size") > 0
    assert value(samples, "shop_db_pool_checked_out") == 0  # every connection came back
    assert value(samples, "shop_db_pool_overflow") == 0


def test_metrics_are_public_and_outside_the_api_document(client: httpx.Client) -> None:
    assert client.get("/metrics", headers={"Authorization": "Bearer not-a-token"}).status_code == 200
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("path", ["/metrics", "/openapi.json"])
def test_a_wrong_method_outside_the_api_names_the_allowed_ones(client: httpx.Client, path: str) -> None:
    response = client.delete(path)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"].replace(" ", "").split(",")
