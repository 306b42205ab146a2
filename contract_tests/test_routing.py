"""Routing (contract §1): unknown routes and trailing slashes are 404 in the error format, so is a
path id that is not a canonical positive integer; a wrong method is 405 with `Allow`."""

from __future__ import annotations

import httpx
import pytest

from contract_tests.helpers import MAX_ID, Account, assert_error, assert_unauthorized


def allowed(response: httpx.Response) -> set[str]:
    return {method.strip().upper() for method in response.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nope"),
        ("GET", "/v1"),
        ("GET", "/v1/nope"),
        ("POST", "/v1/widgets"),
        ("GET", "/v1/products/1/reviews"),
        ("GET", "/v2/products"),
        ("GET", "/V1/products"),
    ],
)
def test_unknown_route_is_404_in_the_error_format(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path)
    assert_error(response, 404, "not_found")
    assert "<html" not in response.text.lower()


@pytest.mark.parametrize(
    "path", ["/v1/products/", "/v1/users/me/", "/v1/orders/", "/health/", "/v1/auth/token/"]
)
def test_trailing_slash_is_an_unknown_route(client: httpx.Client, admin: Account, path: str) -> None:
    response = client.get(path, headers=admin.headers)
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("resource", ["products", "orders", "users"])
@pytest.mark.parametrize(
    "bad_id", ["abc", "0", "007", "-1", "+1", "1.0", "1e3", "%201", str(MAX_ID + 1), "9" * 30]
)
def test_path_id_that_is_not_a_canonical_positive_integer_is_not_routed(
    client: httpx.Client, admin: Account, resource: str, bad_id: str
) -> None:
    assert_error(client.get(f"/v1/{resource}/{bad_id}", headers=admin.headers), 404, "not_found")
    # Not routed, so not even authentication runs.
    assert_error(client.get(f"/v1/{resource}/{bad_id}"), 404, "not_found")


@pytest.mark.parametrize("resource", ["products", "orders", "users"])
def test_largest_id_is_routed_and_simply_not_found(
    client: httpx.Client, admin: Account, resource: str
) -> None:
    assert_error(client.get(f"/v1/{resource}/{MAX_ID}", headers=admin.headers), 404, "not_found")


@pytest.mark.parametrize("resource", ["orders", "users"])
def test_largest_id_needs_authentication_and_one_more_is_unrouted(
    client: httpx.Client, resource: str
) -> None:
    assert_unauthorized(client.get(f"/v1/{resource}/{MAX_ID}"))
    assert_error(client.get(f"/v1/{resource}/{MAX_ID + 1}"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "documented"),
    [
        ("DELETE", "/v1/products", {"GET", "POST"}),
        ("PUT", "/v1/products", {"GET", "POST"}),
        ("POST", "/v1/products/1", {"GET", "PUT", "PATCH", "DELETE"}),
        ("PATCH", "/v1/users/me", {"GET"}),
        ("DELETE", "/v1/users/me", {"GET"}),
        ("POST", "/v1/users", {"GET"}),
        ("PUT", "/v1/users/1", {"GET", "PATCH", "DELETE"}),
        ("DELETE", "/v1/orders", {"GET", "POST"}),
        ("PUT", "/v1/orders/1", {"GET", "PATCH"}),
        ("DELETE", "/v1/orders/1", {"GET", "PATCH"}),
        ("GET", "/v1/auth/token", {"POST"}),
        ("GET", "/v1/auth/register", {"POST"}),
        ("POST", "/health", {"GET"}),
        ("DELETE", "/ready", {"GET"}),
    ],
)
def test_wrong_method_is_405_with_the_documented_methods_in_allow(
    client: httpx.Client, method: str, path: str, documented: set[str]
) -> None:
    response = client.request(method, path)
    assert_error(response, 405, "method_not_allowed")
    assert documented <= allowed(response)
    assert allowed(response) - documented <= {"HEAD", "OPTIONS"}
