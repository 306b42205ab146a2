"""Headers (contract §1 and Decisions): `X-Request-ID`, `X-Content-Type-Options: nosniff`,
`Cache-Control: no-store` on auth and user responses, and public routes that ignore any
`Authorization` header."""

from __future__ import annotations

import http.client
import json
import re
from urllib.parse import urlsplit

import httpx
import pytest

from contract_tests.helpers import (
    CLOSE,
    JSON,
    MAX_ID,
    PASSWORD,
    Account,
    new_customer,
    new_product,
    unique_email,
)
from contract_tests.targets import Target

# What a front end generates when the caller sends no usable X-Request-ID (core/http/context.py):
# 128 random bits in lower-case hex.
GENERATED_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


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


def answers_without_a_body(
    client: httpx.Client, target: Target, admin: Account, headers: dict[str, str]
) -> list[httpx.Response]:
    """A 204, 304, 401, 413 and 415: answers that a front end builds in other code paths than a
    route's JSON (no body, or before routing finished)."""
    product = new_product(client, admin)
    path = f"/v1/products/{product['id']}"
    huge = b"x" * (target.max_body_bytes + 1)
    return [
        client.delete(path, headers={**admin.headers, **headers}),
        client.get(
            f"/v1/products/{new_product(client, admin)['id']}", headers={"If-None-Match": "*", **headers}
        ),
        client.get("/v1/users/me", headers=headers),
        client.post("/v1/products", content=huge, headers={**JSON, **CLOSE, **headers}),
        client.post("/v1/products", content=b"{}", headers={"Content-Type": "text/plain", **headers}),
    ]


def test_request_id_is_echoed_on_answers_without_a_body(
    client: httpx.Client, target: Target, admin: Account
) -> None:
    responses = answers_without_a_body(client, target, admin, {"X-Request-ID": "echo-me.1"})
    assert [response.status_code for response in responses] == [204, 304, 401, 413, 415]
    for response in responses:
        assert response.headers.get("X-Request-ID") == "echo-me.1", response


def test_request_id_is_generated_on_answers_without_a_body(
    client: httpx.Client, target: Target, admin: Account
) -> None:
    responses = answers_without_a_body(client, target, admin, {})
    assert [response.status_code for response in responses] == [204, 304, 401, 413, 415]
    for response in responses:
        assert GENERATED_REQUEST_ID.match(response.headers.get("X-Request-ID", "")), response.headers


def test_generated_request_ids_are_well_formed_and_unique(client: httpx.Client) -> None:
    ids = [client.get("/health").headers["X-Request-ID"] for _ in range(200)]
    assert all(GENERATED_REQUEST_ID.match(generated) for generated in ids), ids
    assert len(set(ids)) == 200


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


# --- repeated header lines ---------------------------------------------------------------------
# A client may send a field line twice; httpx would fold them, so these go through http.client.
# Every front end combines repeated lines as RFC 9110 §5.3 lets a recipient: their values joined
# by commas, in order (what gunicorn and Werkzeug hand a WSGI app), then judges that one value.


def send_lines(
    target: Target,
    method: str,
    path: str,
    lines: list[tuple[str, str]],
    body: bytes | None = None,
    content_type: str | None = "application/json",
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Status, headers and body of a request whose header lines are sent exactly as listed."""
    host, port = urlsplit(target.base_url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in lines:
            connection.putheader(name, value)
        if body is not None:
            if content_type is not None:
                connection.putheader("Content-Type", content_type)
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def error_code(body: bytes) -> str:
    code: str = json.loads(body)["error"]
    return code


def test_repeated_if_match_lines_are_one_list(target: Target, client: httpx.Client, admin: Account) -> None:
    product = new_product(client, admin)
    path = f"/v1/products/{product['id']}"
    patch = json.dumps({"stock": 7}).encode()
    auth = ("Authorization", admin.headers["Authorization"])
    status, headers, body = send_lines(
        target, "PATCH", path, [auth, ("If-Match", '"5"'), ("If-Match", '"6"')], patch
    )
    assert (status, error_code(body)) == (412, "precondition_failed")
    status, headers, body = send_lines(
        target, "PATCH", path, [auth, ("If-Match", '"5"'), ("If-Match", '"1"')], patch
    )
    assert status == 200, body
    assert headers["ETag"] == '"2"'


def test_repeated_if_none_match_lines_are_one_list(
    target: Target, client: httpx.Client, admin: Account
) -> None:
    product = new_product(client, admin)
    path = f"/v1/products/{product['id']}"
    status, headers, body = send_lines(
        target, "GET", path, [("If-None-Match", '"5"'), ("If-None-Match", '"1"')]
    )
    assert (status, body, headers["ETag"]) == (304, b"", '"1"')
    status, headers, body = send_lines(
        target, "GET", path, [("If-None-Match", '"5"'), ("If-None-Match", '"6"')]
    )
    assert status == 200
    assert json.loads(body) == product


def test_repeated_idempotency_key_lines_are_one_key(
    target: Target, client: httpx.Client, admin: Account, customer: Account
) -> None:
    product = new_product(client, admin)
    order = json.dumps({"items": [{"product_id": product["id"], "quantity": 1}]}).encode()
    auth = ("Authorization", customer.headers["Authorization"])
    status, _, first = send_lines(
        target, "POST", "/v1/orders", [auth, ("Idempotency-Key", "one"), ("Idempotency-Key", "two")], order
    )
    assert status == 201, first
    # The key is "one,two": sent in one line it replays the order, "one" alone is another key.
    status, _, again = send_lines(target, "POST", "/v1/orders", [auth, ("Idempotency-Key", "one,two")], order)
    assert (status, json.loads(again)) == (201, json.loads(first))
    status, _, other = send_lines(target, "POST", "/v1/orders", [auth, ("Idempotency-Key", "one")], order)
    assert status == 201
    assert json.loads(other)["id"] != json.loads(first)["id"]
    status, _, invalid = send_lines(
        target,
        "POST",
        "/v1/orders",
        [auth, ("Idempotency-Key", "one"), ("Idempotency-Key", "two")],
        b'{"items": []}',
    )
    assert (status, error_code(invalid)) == (422, "validation_error")  # validation comes first


def test_repeated_authorization_lines_are_401(target: Target, customer: Account) -> None:
    auth = ("Authorization", customer.headers["Authorization"])
    for lines in (
        [auth, auth],
        [auth, ("Authorization", "Bearer garbage")],
        [("Authorization", "Bearer x"), auth],
    ):
        status, headers, body = send_lines(target, "GET", "/v1/users/me", lines)
        assert (status, error_code(body)) == (401, "unauthorized"), lines
        assert headers["WWW-Authenticate"].startswith("Bearer")
    status, _, _ = send_lines(target, "GET", "/v1/products?limit=1", [auth, auth])
    assert status == 200, "public routes ignore any Authorization header"


def test_repeated_request_id_lines_get_a_fresh_id(target: Target) -> None:
    status, headers, _ = send_lines(
        target, "GET", "/health", [("X-Request-ID", "first"), ("X-Request-ID", "second")]
    )
    assert status == 200
    assert GENERATED_REQUEST_ID.match(headers["X-Request-ID"]), headers["X-Request-ID"]


def test_repeated_content_type_lines_take_the_last(
    target: Target, client: httpx.Client, admin: Account, request: pytest.FixtureRequest
) -> None:
    """Content-Type is a single value that commas cannot join: Werkzeug keeps the last line, and
    so do the FastAPI front ends. gunicorn (live Flask) refuses the request itself, with an HTML
    400, before the app sees it: the one known answer outside the error format (docs/architecture.md)."""
    auth = ("Authorization", admin.headers["Authorization"])
    body = json.dumps({"name": "Two types", "price_cents": 1, "stock": 1}).encode()
    json_last = [auth, ("Content-Type", "text/plain"), ("Content-Type", "application/json")]
    json_first = [auth, ("Content-Type", "application/json"), ("Content-Type", "text/plain")]
    answers = [
        send_lines(target, "POST", "/v1/products", lines, body, None) for lines in (json_last, json_first)
    ]
    if target.name == "flask" and request.config.getoption("mode") == "live":
        for status, _, answer in answers:
            assert status == 400 and b"Invalid HTTP Header" in answer, answer
        return
    (status, _, created), (refused, _, answer) = answers
    assert status == 201, created
    assert (refused, error_code(answer)) == (415, "unsupported_media_type")
