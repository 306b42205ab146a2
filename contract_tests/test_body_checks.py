"""Body checks (contract §1), on every write route and beyond: size (413, also chunked), media type
(415), JSON syntax (400), and JSON that is not an object (422 naming `body`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contract_tests.helpers import CLOSE, JSON, PASSWORD, Account, assert_error, new_product, unique_email
from contract_tests.targets import TLS, Target


def padded_body(size: int, **fields: Any) -> bytes:
    """A valid JSON object of exactly `size` bytes: `fields` plus an unknown field `pad`."""
    skeleton = json.dumps({**fields, "pad": ""}).encode()
    body = json.dumps({**fields, "pad": "x" * (size - len(skeleton))}).encode()
    assert len(body) == size
    return body


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
