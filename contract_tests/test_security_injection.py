"""Security battery (OWASP API8), injection: hostile text, NUL, lone surrogates and SQL in emails
are only data. SECURITY.md says what each test defends against.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from contract_tests.helpers import (
    JSON,
    PASSWORD,
    Account,
    assert_error,
    me,
    new_product,
    token_for,
    unique_email,
    unique_tag,
)

HOSTILE_TEXTS = {
    "sql": "Robert'); DROP TABLE users; --",
    "sql-tautology": "' OR '1'='1",
    "like-wildcards": "100% _off_ \\",
    "control-characters": "a\x01b\x1fc\x7fd\x1be",
    "bidi-override": "abc\u202edcba",
    "zero-width": "a\u200bb\u200dc\ufeffd",
    "emoji": "cart \U0001f6d2 \U0001f469\u200d\U0001f469\u200d\U0001f467",
    "combining": "e\u0301 vs \u00e9",
    "cjk": "\u8d2d\u7269\u8f66",
    "html": "<script>alert(1)</script>",
    "crlf": "a\r\nSet-Cookie: x=1",
}


@pytest.mark.parametrize("hostile", HOSTILE_TEXTS.values(), ids=HOSTILE_TEXTS.keys())
def test_hostile_text_is_stored_returned_and_searched_verbatim(
    client: httpx.Client, admin: Account, customer: Account, hostile: str
) -> None:
    bystander = new_product(client, admin)
    name = f"{unique_tag()} {hostile}"
    product = new_product(client, admin, name=name, description=hostile)
    assert (product["name"], product["description"]) == (name, hostile)
    assert client.get(f"/v1/products/{product['id']}").json() == product
    assert client.get("/v1/products", params={"q": name}).json() == {"items": [product], "next_cursor": None}
    matches = client.get("/v1/products", params={"q": hostile, "limit": 100}).json()["items"]
    assert product in matches
    assert all(hostile.lower() in match["name"].lower() for match in matches)

    registered = client.post(
        "/v1/auth/register", json={"email": unique_email(), "password": PASSWORD, "name": hostile}
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["name"] == hostile
    renamed = client.patch(f"/v1/users/{customer.id}", json={"name": hostile}, headers=customer.headers)
    assert renamed.json()["name"] == hostile
    assert me(client, customer.token).json()["name"] == hostile
    assert client.get(f"/v1/products/{bystander['id']}").json() == bystander


def test_nul_in_stored_or_searched_text_is_422(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    """PostgreSQL text cannot hold U+0000, so no database stores it; a password is only hashed."""
    product = {"name": "a\x00b", "description": "\x00", "price_cents": 1, "stock": 1}
    assert_error(
        client.post("/v1/products", json=product, headers=admin.headers),
        422,
        "validation_error",
        {"name", "description"},
    )
    created = new_product(client, admin)
    response = client.patch(f"/v1/products/{created['id']}", json={"name": "\x00"}, headers=admin.headers)
    assert_error(response, 422, "validation_error", {"name"})
    register = {"email": unique_email(), "password": PASSWORD, "name": "Nul\x00"}
    assert_error(client.post("/v1/auth/register", json=register), 422, "validation_error", {"name"})
    response = client.patch(f"/v1/users/{customer.id}", json={"name": "\x00"}, headers=customer.headers)
    assert_error(response, 422, "validation_error", {"name"})
    assert_error(client.get("/v1/products", params={"q": "a\x00"}), 422, "validation_error", {"q"})

    email, password = unique_email(), "nul\x00in-the-password"
    assert (
        client.post("/v1/auth/register", json={"email": email, "password": password, "name": "N"}).status_code
        == 201
    )
    assert token_for(client, email, password)
    wrong = client.post("/v1/auth/token", json={"email": email, "password": "nul"})
    assert_error(wrong, 401, "invalid_credentials")


def test_lone_surrogates_are_422(client: httpx.Client, admin: Account) -> None:
    """Valid JSON escapes, yet not Unicode text: no database could store them as UTF-8."""
    body = b'{"name": "a\\ud800b", "description": "\\udfff", "price_cents": 1, "stock": 1}'
    response = client.post("/v1/products", content=body, headers={**admin.headers, **JSON})
    assert_error(response, 422, "validation_error", {"name", "description"})
    body = f'{{"email": "{unique_email()}", "password": "{PASSWORD}", "name": "\\ud83d"}}'.encode()
    assert_error(
        client.post("/v1/auth/register", content=body, headers=JSON), 422, "validation_error", {"name"}
    )


def test_sql_text_in_emails_is_only_data(client: httpx.Client, customer: Account) -> None:
    email = f"o'brien+{uuid.uuid4().hex[:8]}'or'1'='1@example.com"
    registered = client.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Quote"}
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["email"] == email
    assert me(client, token_for(client, email, PASSWORD)).json()["email"] == email
    for invalid in [
        "' OR '1'='1",
        f"{customer.email}' --",
        f"{customer.email}\x00",
        "x@example.com; DROP TABLE users",
    ]:
        response = client.post("/v1/auth/token", json={"email": invalid, "password": PASSWORD})
        assert_error(response, 422, "validation_error", {"email"})
    for unknown in ["x'or'x'='x@example.com", f"'or'1'='1'--@{customer.email.split('@')[1]}"]:
        response = client.post("/v1/auth/token", json={"email": unknown, "password": PASSWORD})
        assert_error(response, 401, "invalid_credentials")
    assert me(client, customer.token).json() == customer.user
