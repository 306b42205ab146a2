"""General rules (contract §1): routing, body checks, strict input, headers, and which error wins."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contract_tests.conftest import TLS, Target
from contract_tests.helpers import (
    CLOSE,
    JSON,
    MAX_ID,
    PASSWORD,
    Account,
    assert_error,
    assert_unauthorized,
    new_customer,
    new_order,
    new_product,
    unique_email,
    unique_tag,
)


def allowed(response: httpx.Response) -> set[str]:
    return {method.strip().upper() for method in response.headers["Allow"].split(",")}


def padded_body(size: int, **fields: Any) -> bytes:
    """A valid JSON object of exactly `size` bytes: `fields` plus an unknown field `pad`."""
    skeleton = json.dumps({**fields, "pad": ""}).encode()
    body = json.dumps({**fields, "pad": "x" * (size - len(skeleton))}).encode()
    assert len(body) == size
    return body


# --- routing -----------------------------------------------------------------------------------


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


# --- body checks -------------------------------------------------------------------------------


@pytest.fixture
def product(client: httpx.Client, admin: Account) -> dict[str, Any]:
    return new_product(client, admin)


def write_routes(admin: Account, product: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """One write per resource, as a caller allowed to make it."""
    return [
        ("POST", "/v1/auth/register", {}),
        ("POST", "/v1/auth/token", {}),
        ("POST", "/v1/products", admin.headers),
        ("PUT", f"/v1/products/{product['id']}", admin.headers),
        ("PATCH", f"/v1/products/{product['id']}", admin.headers),
        ("PATCH", f"/v1/users/{admin.id}", admin.headers),
        ("POST", "/v1/orders", admin.headers),
    ]


@pytest.fixture(params=range(7), ids=["register", "token", "create", "put", "patch", "user", "order"])
def write_route(
    request: pytest.FixtureRequest, admin: Account, product: dict[str, Any]
) -> tuple[str, str, dict[str, str]]:
    route: tuple[str, str, dict[str, str]] = write_routes(admin, product)[request.param]
    return route


def test_body_over_the_limit_is_413_on_every_route(
    client: httpx.Client, target: Target, write_route: tuple[str, str, dict[str, str]]
) -> None:
    method, path, headers = write_route
    body = padded_body(target.max_body_bytes + 1)
    response = client.request(method, path, content=body, headers={**headers, **JSON, **CLOSE})
    assert_error(response, 413, "payload_too_large")


def test_body_of_exactly_the_limit_is_read_and_validated(
    client: httpx.Client, target: Target, write_route: tuple[str, str, dict[str, str]]
) -> None:
    method, path, headers = write_route
    body = padded_body(target.max_body_bytes)
    response = client.request(method, path, content=body, headers={**headers, **JSON})
    assert response.status_code == 422, response.text
    assert "pad" in {detail["field"] for detail in response.json()["details"]}


def chunked(body: bytes) -> Iterator[bytes]:
    """Sent with `Transfer-Encoding: chunked` (no Content-Length)."""
    for start in range(0, len(body), 4096):
        yield body[start : start + 4096]


def test_chunked_body_is_read(client: httpx.Client) -> None:
    email = unique_email()
    body = json.dumps({"email": email, "password": PASSWORD, "name": "Chunky"}).encode()
    response = client.post("/v1/auth/register", content=chunked(body), headers=JSON)
    assert response.status_code == 201, response.text
    assert response.json()["email"] == email


def test_chunked_body_over_the_limit_is_413(client: httpx.Client, target: Target) -> None:
    body = padded_body(target.max_body_bytes + 1, email=unique_email(), password=PASSWORD, name="Chunky")
    response = client.post("/v1/auth/register", content=chunked(body), headers={**JSON, **CLOSE})
    assert_error(response, 413, "payload_too_large")


def test_connection_is_usable_after_an_oversized_body(target: Target) -> None:
    """A server that answers without reading the whole body must close the connection and say so.

    Whether the unread rest of a body breaks a kept-alive connection depends on timing, so the
    check is repeated; a correct server passes every time.
    """
    body = padded_body(target.max_body_bytes + 1)
    for attempt in range(50):
        with httpx.Client(base_url=target.base_url, timeout=30.0, verify=TLS) as http:
            response = http.post("/v1/auth/register", content=body, headers=JSON)
            assert_error(response, 413, "payload_too_large")
            if response.headers.get("Connection", "").lower() == "close":
                continue
            try:
                follow_up = http.get("/health")
            except httpx.TransportError as exc:
                pytest.fail(f"attempt {attempt}: the 413 kept the connection alive, then it failed: {exc!r}")
            assert follow_up.status_code == 200


def test_body_checks_apply_to_get_and_delete_too(
    client: httpx.Client, target: Target, admin: Account
) -> None:
    big = b"[" + b"1," * target.max_body_bytes + b"1]"
    assert_error(
        client.request("GET", "/health", content=big, headers={**JSON, **CLOSE}), 413, "payload_too_large"
    )
    assert_error(
        client.request("GET", "/v1/products", content=b"{}", headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    assert_error(client.request("GET", "/v1/products", content=b"{", headers=JSON), 400, "malformed_json")
    product = new_product(client, admin)
    response = client.request(
        "DELETE",
        f"/v1/products/{product['id']}",
        content=b"{}",
        headers={**admin.headers, "Content-Type": "text/plain"},
    )
    assert_error(response, 415, "unsupported_media_type")
    assert client.get(f"/v1/products/{product['id']}").status_code == 200


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/merge-patch+json",
        "application/vnd.api+json",
        "text/json",
        "application/jsonx",
    ],
)
def test_body_that_is_not_declared_application_json_is_415(
    client: httpx.Client, write_route: tuple[str, str, dict[str, str]], content_type: str | None
) -> None:
    method, path, headers = write_route
    extra = {} if content_type is None else {"Content-Type": content_type}
    response = client.request(method, path, content=b'{"name": "x"}', headers={**headers, **extra})
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/json;charset=UTF-8"]
)
def test_json_media_type_parameters_are_allowed(client: httpx.Client, content_type: str) -> None:
    body = json.dumps({"email": unique_email(), "password": PASSWORD, "name": "Params"}).encode()
    response = client.post("/v1/auth/register", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"name": "x",}',
        b"{'name': 'x'}",
        b'{"price_cents": NaN}',
        b'{"price_cents": Infinity}',
        b'{"price_cents": -Infinity}',
        b'{"name": "\xff\xfe"}',
        b"not json",
        b"   ",
    ],
    ids=[
        "truncated",
        "trailing-comma",
        "single-quotes",
        "nan",
        "infinity",
        "-infinity",
        "bad-utf8",
        "text",
        "spaces",
    ],
)
def test_body_that_is_not_json_is_400(
    client: httpx.Client, write_route: tuple[str, str, dict[str, str]], body: bytes
) -> None:
    method, path, headers = write_route
    response = client.request(method, path, content=body, headers={**headers, **JSON})
    assert_error(response, 400, "malformed_json")


def test_empty_body_where_one_is_required_is_400(
    client: httpx.Client, write_route: tuple[str, str, dict[str, str]]
) -> None:
    method, path, headers = write_route
    assert_error(client.request(method, path, headers={**headers, **JSON}), 400, "malformed_json")
    assert_error(client.request(method, path, headers=headers), 400, "malformed_json")


@pytest.mark.parametrize("body", ["[]", "[{}]", '"text"', "1", "1.5", "true", "null"])
def test_json_that_is_not_an_object_is_422_naming_body(
    client: httpx.Client, write_route: tuple[str, str, dict[str, str]], body: str
) -> None:
    method, path, headers = write_route
    response = client.request(method, path, content=body.encode(), headers={**headers, **JSON})
    assert_error(response, 422, "validation_error", {"body"})


# --- strict input ------------------------------------------------------------------------------


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


# --- headers -----------------------------------------------------------------------------------


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


# --- which error wins --------------------------------------------------------------------------


def test_unknown_route_beats_body_checks(client: httpx.Client, target: Target) -> None:
    huge = b"x" * (target.max_body_bytes + 1)
    assert_error(client.post("/v1/nope", content=huge, headers={**JSON, **CLOSE}), 404, "not_found")
    assert_error(
        client.post("/v1/nope", content=b"{}", headers={"Content-Type": "text/plain"}), 404, "not_found"
    )
    assert_error(client.patch("/v1/products/abc", content=b"{", headers=JSON), 404, "not_found")
    assert_error(client.put("/v1/products/", content=huge, headers={**JSON, **CLOSE}), 404, "not_found")


def test_wrong_method_beats_body_checks(client: httpx.Client, target: Target) -> None:
    huge = b"x" * (target.max_body_bytes + 1)
    assert_error(
        client.patch("/v1/users/me", content=huge, headers={**JSON, **CLOSE}), 405, "method_not_allowed"
    )
    assert_error(
        client.put("/v1/orders", content=b"{}", headers={"Content-Type": "text/plain"}),
        405,
        "method_not_allowed",
    )
    assert_error(
        client.request("DELETE", "/v1/products", content=b"{", headers=JSON), 405, "method_not_allowed"
    )


def test_wrong_method_beats_authentication(client: httpx.Client) -> None:
    assert_error(client.delete("/v1/orders"), 405, "method_not_allowed")
    assert_error(client.post("/v1/users"), 405, "method_not_allowed")


def test_size_beats_media_type_and_media_type_beats_syntax(client: httpx.Client, target: Target) -> None:
    huge = b"x" * (target.max_body_bytes + 1)
    text = {"Content-Type": "text/plain"}
    assert_error(
        client.post("/v1/auth/register", content=huge, headers={**text, **CLOSE}), 413, "payload_too_large"
    )
    assert_error(client.post("/v1/auth/register", content=b"{", headers=text), 415, "unsupported_media_type")


def test_body_checks_beat_authentication(client: httpx.Client, target: Target) -> None:
    huge = b"x" * (target.max_body_bytes + 1)
    assert_error(
        client.post("/v1/products", content=huge, headers={**JSON, **CLOSE}), 413, "payload_too_large"
    )
    assert_error(
        client.post("/v1/orders", content=b"{}", headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    assert_error(client.patch("/v1/users/1", content=b"{", headers=JSON), 400, "malformed_json")
    assert_error(client.post("/v1/orders", headers=JSON), 400, "malformed_json")


def test_body_checks_beat_role(client: httpx.Client, target: Target, customer: Account) -> None:
    huge = b"x" * (target.max_body_bytes + 1)
    assert_error(
        client.post("/v1/products", content=huge, headers={**customer.headers, **JSON, **CLOSE}),
        413,
        "payload_too_large",
    )
    assert_error(
        client.post("/v1/products", content=b"{", headers=customer.headers), 415, "unsupported_media_type"
    )
    assert_error(
        client.post("/v1/products", content=b"{", headers={**customer.headers, **JSON}), 400, "malformed_json"
    )


def test_authentication_beats_validation(client: httpx.Client) -> None:
    assert_unauthorized(client.post("/v1/orders", json={"items": []}))
    assert_unauthorized(client.post("/v1/products", json={"name": ""}))
    assert_unauthorized(client.get("/v1/orders", params={"limit": 0}))
    assert_unauthorized(client.get("/v1/users", params={"cursor": "!!"}))
    assert_unauthorized(client.post("/v1/orders", json={"items": []}, headers={"Idempotency-Key": ""}))


def test_authentication_beats_role_and_existence(client: httpx.Client) -> None:
    assert_unauthorized(client.get("/v1/users"))
    assert_unauthorized(client.delete(f"/v1/products/{MAX_ID}"))
    assert_unauthorized(client.get(f"/v1/orders/{MAX_ID}"))
    assert_unauthorized(client.patch(f"/v1/users/{MAX_ID}", json={"role": "admin"}))


def test_role_beats_validation(client: httpx.Client, customer: Account) -> None:
    assert_error(client.post("/v1/products", json={"name": ""}, headers=customer.headers), 403, "forbidden")
    assert_error(client.post("/v1/products", json=[], headers=customer.headers), 403, "forbidden")
    assert_error(client.get("/v1/users", params={"limit": 0}, headers=customer.headers), 403, "forbidden")


def test_role_beats_existence_and_preconditions(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    assert_error(client.delete(f"/v1/products/{MAX_ID}", headers=customer.headers), 403, "forbidden")
    product = new_product(client, admin)
    response = client.patch(
        f"/v1/products/{product['id']}", json={"stock": 1}, headers={**customer.headers, "If-Match": '"99"'}
    )
    assert_error(response, 403, "forbidden")


def test_validation_beats_existence(client: httpx.Client, admin: Account, customer: Account) -> None:
    missing = f"/v1/products/{MAX_ID}"
    assert_error(
        client.patch(missing, json={"price_cents": -1}, headers=admin.headers),
        422,
        "validation_error",
        {"price_cents"},
    )
    assert_error(
        client.put(missing, json={"name": "x"}, headers=admin.headers),
        422,
        "validation_error",
        {"description", "price_cents", "stock"},
    )
    assert_error(
        client.patch(f"/v1/orders/{MAX_ID}", json={"status": "lost"}, headers=admin.headers),
        422,
        "validation_error",
        {"status"},
    )
    assert_error(
        client.patch(f"/v1/users/{MAX_ID}", json={"name": ""}, headers=customer.headers),
        422,
        "validation_error",
        {"name"},
    )


def test_validation_beats_resource_permission(client: httpx.Client, customer: Account) -> None:
    response = client.patch(f"/v1/users/{customer.id}", json={"role": "emperor"}, headers=customer.headers)
    assert_error(response, 422, "validation_error", {"role"})
    response = client.get("/v1/orders", params={"user_id": "abc"}, headers=customer.headers)
    assert_error(response, 422, "validation_error", {"user_id"})


def test_existence_beats_resource_permission(client: httpx.Client, customer: Account) -> None:
    other = new_customer(client)
    response = client.patch(f"/v1/users/{other.id}", json={"role": "admin"}, headers=customer.headers)
    assert_error(response, 404, "not_found")
    response = client.patch(f"/v1/users/{MAX_ID}", json={"role": "admin"}, headers=customer.headers)
    assert_error(response, 404, "not_found")


def test_existence_beats_precondition(client: httpx.Client, admin: Account) -> None:
    missing = f"/v1/products/{MAX_ID}"
    stale = {**admin.headers, "If-Match": '"99"'}
    assert_error(client.patch(missing, json={"stock": 1}, headers=stale), 404, "not_found")
    assert_error(client.delete(missing, headers=stale), 404, "not_found")


def test_resource_permission_beats_business_rule(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    """An owner may not ship (403) even a paid order; an unlisted move is 409 for the owner too."""
    product = new_product(client, admin)
    order = new_order(client, customer, [{"product_id": product["id"], "quantity": 1}])
    path = f"/v1/orders/{order['id']}"
    assert client.patch(path, json={"status": "paid"}, headers=customer.headers).status_code == 200
    assert_error(client.patch(path, json={"status": "shipped"}, headers=customer.headers), 403, "forbidden")
    assert_error(
        client.patch(path, json={"status": "pending"}, headers=customer.headers),
        409,
        "invalid_status_transition",
    )


def test_precondition_beats_business_rule(client: httpx.Client, admin: Account, customer: Account) -> None:
    product = new_product(client, admin)
    new_order(client, customer, [{"product_id": product["id"], "quantity": 1}])
    path = f"/v1/products/{product['id']}"
    assert_error(
        client.delete(path, headers={**admin.headers, "If-Match": '"1"'}), 412, "precondition_failed"
    )
    assert_error(client.delete(path, headers=admin.headers), 409, "product_in_use")


def test_validation_beats_business_rules(client: httpx.Client, customer: Account) -> None:
    response = client.post(
        "/v1/auth/register", json={"email": customer.email, "password": "short", "name": "N"}
    )
    assert_error(response, 422, "validation_error", {"password"})
