"""Security battery (OWASP API2), authentication: tokens. Forged, malformed and oversized tokens
are 401, and a bad token changes nothing on any protected route. SECURITY.md says what each test
defends against.

Token verification that test_auth.py already covers (wrong key, issuer, missing claims, `alg:
none`, unknown `kid`, a tampered payload) is not repeated here; key rotation needs a server of
its own (own_server/test_key_rotation.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest

from contract_tests.helpers import (
    Account,
    assert_unauthorized,
    b64,
    bearer,
    claims_for,
    forge,
    hand_signed,
    kid_of,
    me,
    new_order,
    new_product,
    product_state,
    secret_of,
)
from contract_tests.targets import Target


@pytest.mark.parametrize("alg", ["RS256", "ES256", "PS256", "EdDSA", "hs256", "HS256 "])
def test_token_whose_header_names_another_algorithm_is_401_even_with_a_valid_hmac(
    client: httpx.Client, target: Target, customer: Account, alg: str
) -> None:
    """Algorithm confusion: the signature is the right HMAC, only the header's `alg` differs."""
    secret = secret_of(target)
    claims = claims_for(target, customer)
    genuine = hand_signed({"alg": "HS256", "typ": "JWT", "kid": kid_of(secret)}, claims, secret)
    assert me(client, genuine).status_code == 200
    assert_unauthorized(
        me(client, hand_signed({"alg": alg, "typ": "JWT", "kid": kid_of(secret)}, claims, secret))
    )


@pytest.mark.parametrize(
    "kid_from",
    [lambda kid: 5, lambda kid: None, lambda kid: True, lambda kid: [kid], lambda kid: {"kid": kid}],
    ids=["number", "null", "boolean", "list-holding-the-key-id", "object-holding-the-key-id"],
)
def test_token_whose_key_id_is_not_a_string_is_401(
    client: httpx.Client, target: Target, customer: Account, kid_from: Callable[[str], object]
) -> None:
    secret = secret_of(target)
    header = {"alg": "HS256", "typ": "JWT", "kid": kid_from(kid_of(secret))}
    assert_unauthorized(me(client, hand_signed(header, claims_for(target, customer), secret)))


@pytest.mark.parametrize("claim", ["nbf", "iat", "exp"])
def test_token_outside_the_allowed_clock_skew_is_401(
    client: httpx.Client, target: Target, customer: Account, claim: str
) -> None:
    """Not yet valid (`nbf`), issued (`iat`) in the future, or expired, by 30 s: beyond the 10 s skew."""
    now = int(time.time())
    claims = {"nbf": {"nbf": now + 30}, "iat": {"iat": now + 30}, "exp": {"iat": now - 900, "exp": now - 30}}
    assert_unauthorized(me(client, forge(target, customer, claims=claims[claim])))


def in_digits(number: int, zero: int) -> str:
    """`number` written with the decimal digits that start at code point `zero`."""
    return "".join(chr(zero + int(digit)) for digit in str(number))


@pytest.mark.parametrize("form", ["leading-zero", "fullwidth", "arabic-indic", "plus", "space"])
def test_token_whose_subject_is_not_a_canonical_id_is_401(
    client: httpx.Client, target: Target, customer: Account, form: str
) -> None:
    """`sub` is the user id as issued; `int()` would also read each of these as the customer's id."""
    subject = {
        "leading-zero": f"0{customer.id}",
        "fullwidth": in_digits(customer.id, 0xFF10),
        "arabic-indic": in_digits(customer.id, 0x0660),
        "plus": f"+{customer.id}",
        "space": f" {customer.id}",
    }[form]
    assert int(subject) == customer.id
    assert_unauthorized(me(client, forge(target, customer, claims={"sub": subject})))


@pytest.mark.parametrize(
    "claims_of",
    [
        lambda account: {"sub": account.id},
        lambda account: {"sub": [str(account.id)]},
        lambda account: {"exp": "never"},
        lambda account: {"iat": "now"},
        lambda account: {"nbf": "later"},
        lambda account: {"iss": ["shop-api"]},
    ],
    ids=["sub-number", "sub-list", "exp-text", "iat-text", "nbf-text", "iss-list"],
)
def test_token_with_a_claim_of_the_wrong_type_is_401(
    client: httpx.Client, target: Target, customer: Account, claims_of: Callable[[Account], dict[str, Any]]
) -> None:
    secret = secret_of(target)
    header = {"alg": "HS256", "typ": "JWT", "kid": kid_of(secret)}
    claims = claims_for(target, customer, **claims_of(customer))
    assert_unauthorized(me(client, hand_signed(header, claims, secret)))


@pytest.mark.parametrize(
    "token",
    [
        "a.b",
        "a.b.c.d",
        "a.b.c.d.e",
        "..",
        "...",
        "!!!.###.$$$",
        "e30.e30.",
        f"{b64(b'[]')}.e30.c2ln",
        f"{b64(b'null')}.e30.c2ln",
        f"{b64(b'{not json')}.e30.c2ln",
        f"{b64({'alg': 'HS256'})}==.e30.c2ln",
        f"{b64(b'[' * 1000 + b']' * 1000)}.e30.c2ln",
        "a" * 6000,
        f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64({'pad': 'x' * 5000})}.c2ln",
    ],
    ids=[
        "two-segments",
        "four-segments",
        "five-segments",
        "empty-segments",
        "three-dots",
        "not-base64",
        "empty-signature",
        "header-array",
        "header-null",
        "header-not-json",
        "header-padded",
        "header-nested-1000-deep",
        "oversized-garbage",
        "oversized-token",
    ],
)
def test_malformed_token_is_401(client: httpx.Client, token: str) -> None:
    assert_unauthorized(me(client, token))
    assert_unauthorized(client.get("/v1/orders", headers=bearer(token)))


def test_oversized_token_is_401_even_when_validly_signed(
    client: httpx.Client, target: Target, customer: Account
) -> None:
    token = forge(target, customer, claims={"pad": "x" * 3500})
    # Over the server's 4 KiB cap, under the 8 KiB header limit of gunicorn (which answers itself).
    assert 4096 < len(token) < 8000
    assert_unauthorized(me(client, token))


def test_issued_token_carries_only_the_documented_claims(customer: Account) -> None:
    """No personal data (email, name) in a token anyone holding it can read."""
    header = jwt.get_unverified_header(customer.token)
    claims = jwt.decode(customer.token, options={"verify_signature": False})
    assert set(claims) == {"sub", "role", "iat", "exp", "iss", "jti"}, claims
    assert set(header) <= {"alg", "typ", "kid"}, header


def protected_operations(user_id: int, product_id: int, order_id: int) -> list[tuple[str, str, Any]]:
    """One request for every route that needs a token, each one that would change something if
    it were let through."""
    product = {"name": "Let through", "description": "", "price_cents": 1, "stock": 1}
    return [
        ("GET", "/v1/users/me", None),
        ("GET", "/v1/users", None),
        ("GET", f"/v1/users/{user_id}", None),
        ("PATCH", f"/v1/users/{user_id}", {"name": "Let through"}),
        ("DELETE", f"/v1/users/{user_id}", None),
        ("POST", "/v1/products", product),
        ("PUT", f"/v1/products/{product_id}", product),
        ("PATCH", f"/v1/products/{product_id}", {"stock": 1}),
        ("DELETE", f"/v1/products/{product_id}", None),
        ("GET", "/v1/orders", None),
        ("POST", "/v1/orders", {"items": [{"product_id": product_id, "quantity": 1}]}),
        ("GET", f"/v1/orders/{order_id}", None),
        ("PATCH", f"/v1/orders/{order_id}", {"status": "cancelled"}),
    ]


@pytest.mark.parametrize("kind", ["garbage", "alg-none", "expired", "other-key", "deactivated-user"])
def test_every_protected_route_answers_401_to_a_bad_token_and_changes_nothing(
    client: httpx.Client, target: Target, admin: Account, customer: Account, kind: str
) -> None:
    product = new_product(client, admin)
    order = new_order(client, customer, [{"product_id": product["id"], "quantity": 1}])
    if kind == "deactivated-user":
        token = customer.token
        assert client.delete(f"/v1/users/{customer.id}", headers=customer.headers).status_code == 204
    elif kind == "garbage":
        token = "garbage"
    elif kind == "alg-none":
        header = {"alg": "none", "typ": "JWT", "kid": kid_of(secret_of(target))}
        token = f"{b64(header)}.{b64(claims_for(target, customer, role='admin'))}."
    elif kind == "expired":
        now = int(time.time())
        token = forge(target, customer, claims={"iat": now - 1000, "exp": now - 100})
    else:
        token = forge(target, customer, secret="not-the-server-secret-0123456789abcdef")
    stock = product_state(client, product["id"])
    for method, path, body in protected_operations(customer.id, product["id"], order["id"]):
        assert_unauthorized(client.request(method, path, json=body, headers=bearer(token)))
    assert product_state(client, product["id"]) == stock
    assert client.get(f"/v1/orders/{order['id']}", headers=admin.headers).json() == order
    assert client.get("/v1/products", params={"q": "Let through"}).json()["items"] == []
    if kind != "deactivated-user":
        assert me(client, customer.token).json() == customer.user
