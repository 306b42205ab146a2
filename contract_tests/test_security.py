"""Security battery, after the OWASP API Security Top 10: broken authentication, object- and
function-level authorization, mass assignment and data exposure, resource consumption, injection,
and errors that leak nothing. SECURITY.md says what each test defends against.

Token verification that test_auth.py already covers (wrong key, issuer, missing claims, `alg:
none`, unknown `kid`, a tampered payload) is not repeated here.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import create_engine, text

from contract_tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, TLS, Target, server_env, start_live
from contract_tests.helpers import (
    CLOSE,
    JSON,
    MAX_ID,
    ORDER_FIELDS,
    PASSWORD,
    PRODUCT_FIELDS,
    USER_FIELDS,
    Account,
    assert_error,
    assert_unauthorized,
    b64,
    bearer,
    claims_for,
    forge,
    hand_signed,
    kid_of,
    login,
    me,
    new_customer,
    new_order,
    new_product,
    product_state,
    secret_of,
    token_for,
    unique_email,
    unique_tag,
)
from devtools.databases import fresh_database

ROTATED_SECRET = "security-suite-rotated-secret-0123456789"


# --- a server of our own -----------------------------------------------------------------------


@dataclass(frozen=True)
class OwnServer:
    base_url: str
    database_url: str
    log_path: Path
    process_group: int


@pytest.fixture(scope="module")
def own_server(
    target: Target, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OwnServer]:
    """A live server of the target's front end on its own fresh database, for tests that corrupt
    rows, read the server's log or measure its memory. Its keys have been rotated once since the
    suite's: a new JWT_SECRET, the suite's secret retired, the suite's retired secret dropped."""
    if target.jwt_secret is None:
        pytest.skip("starts a server of our own front ends (not possible for an external --base-url)")
    workdir = tmp_path_factory.mktemp(f"own-{target.name}")
    with ExitStack() as stack:
        kind = request.config.getoption("database")
        database_url = stack.enter_context(fresh_database(kind, workdir, f"own_{target.name}"))
        env = {**server_env(database_url), "JWT_SECRET": ROTATED_SECRET, "JWT_OLD_SECRETS": target.jwt_secret}
        base_url, server = start_live(stack, target.name, env, workdir)
        yield OwnServer(base_url, database_url, workdir / "server.log", server.process.pid)


@pytest.fixture
def own_client(own_server: OwnServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_server.base_url, timeout=30.0, verify=TLS) as http:
        yield http


# --- authentication: tokens --------------------------------------------------------------------


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


def test_key_rotation_keeps_the_retired_secret_and_drops_the_one_before(
    own_client: httpx.Client, target: Target
) -> None:
    """On a server whose keys rotated once more: the suite's secret now only verifies, and the
    suite's retired secret (still accepted by the suite's server, see test_auth.py) is gone."""
    assert target.old_jwt_secret is not None
    customer = new_customer(own_client)
    assert jwt.get_unverified_header(customer.token)["kid"] == kid_of(ROTATED_SECRET)
    assert me(own_client, forge(target, customer)).status_code == 200
    assert_unauthorized(me(own_client, forge(target, customer, secret=target.old_jwt_secret)))


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


# --- authorization: objects (BOLA) -------------------------------------------------------------


def test_another_users_objects_are_not_found_like_missing_ones_and_stay_unchanged(
    client: httpx.Client, admin: Account
) -> None:
    owner, intruder = new_customer(client), new_customer(client)
    product = new_product(client, admin)
    order = new_order(client, owner, [{"product_id": product["id"], "quantity": 2}])
    stock = product_state(client, product["id"])
    admin_user = me(client, admin.token).json()
    attempts = [
        (method, f"/v1/users/{user_id}", body)
        for user_id in (owner.id, admin.id)
        for method, body in [
            ("GET", None),
            ("PATCH", {"name": "Intruder"}),
            ("PATCH", {"password": "intruder-password"}),
            ("PATCH", {"role": "customer"}),
            ("DELETE", None),
        ]
    ] + [
        (method, f"/v1/orders/{order['id']}", body)
        for method, body in [("GET", None), ("PATCH", {"status": "paid"}), ("PATCH", {"status": "cancelled"})]
    ]
    for method, path, body in attempts:
        response = client.request(method, path, json=body, headers=intruder.headers)
        assert_error(response, 404, "not_found")
        # The same answer as for an id that does not exist: no way to tell the object is there.
        missing = path.rsplit("/", 1)[0] + f"/{MAX_ID}"
        assert response.json() == client.request(method, missing, json=body, headers=intruder.headers).json()
    assert_error(
        client.get("/v1/orders", params={"user_id": owner.id}, headers=intruder.headers), 403, "forbidden"
    )
    assert client.get("/v1/orders", headers=intruder.headers).json() == {"items": [], "next_cursor": None}
    assert me(client, owner.token).json() == owner.user
    token_for(client, owner.email, owner.password)
    login_as_intruder = {"email": owner.email, "password": "intruder-password"}
    assert_error(client.post("/v1/auth/token", json=login_as_intruder), 401, "invalid_credentials")
    assert me(client, admin.token).json() == admin_user
    assert client.get(f"/v1/orders/{order['id']}", headers=owner.headers).json() == order
    assert product_state(client, product["id"]) == stock


# --- authorization: functions (BFLA) -----------------------------------------------------------


@pytest.mark.parametrize("token", ["issued", "admin-role-claim"])
def test_customer_is_forbidden_every_admin_operation_and_changes_nothing(
    client: httpx.Client, target: Target, admin: Account, customer: Account, token: str
) -> None:
    """Also with a validly signed token whose `role` claim says admin: the role stored wins."""
    headers = customer.headers
    if token == "admin-role-claim":
        headers = bearer(forge(target, customer, claims={"role": "admin"}))
    product = new_product(client, admin)
    order = new_order(client, customer, [{"product_id": product["id"], "quantity": 1}])
    paid = client.patch(f"/v1/orders/{order['id']}", json={"status": "paid"}, headers=customer.headers).json()
    before = client.get(f"/v1/products/{product['id']}")
    tag = unique_tag()
    replacement = {"name": tag, "description": "", "price_cents": 0, "stock": 0}
    attempts = [
        ("GET", "/v1/users", None),
        ("POST", "/v1/products", replacement),
        ("PUT", f"/v1/products/{product['id']}", replacement),
        ("PATCH", f"/v1/products/{product['id']}", {"price_cents": 0}),
        ("DELETE", f"/v1/products/{product['id']}", None),
        ("GET", f"/v1/orders?user_id={customer.id}", None),
        ("PATCH", f"/v1/users/{customer.id}", {"role": "admin"}),
        ("PATCH", f"/v1/orders/{order['id']}", {"status": "shipped"}),
    ]
    for method, path, body in attempts:
        assert_error(client.request(method, path, json=body, headers=headers), 403, "forbidden")
    after = client.get(f"/v1/products/{product['id']}")
    assert (after.json(), after.headers["ETag"]) == (before.json(), before.headers["ETag"])
    assert client.get("/v1/products", params={"q": tag}).json()["items"] == []
    assert me(client, customer.token).json()["role"] == "customer"
    assert client.get(f"/v1/orders/{order['id']}", headers=customer.headers).json() == paid


# --- properties: mass assignment and data exposure ---------------------------------------------


def test_server_owned_fields_in_request_bodies_are_rejected_by_name_and_change_nothing(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    internal: dict[str, Any] = {
        "id": 1,
        "role": "admin",
        "is_active": True,
        "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        "created_at": "2020-01-01T00:00:00.000000Z",
        "updated_at": "2020-01-01T00:00:00.000000Z",
    }
    email = unique_email()
    register = {"email": email, "password": PASSWORD, "name": "Mass", **internal}
    assert_error(client.post("/v1/auth/register", json=register), 422, "validation_error", set(internal))
    login_attempt = client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert_error(login_attempt, 401, "invalid_credentials")

    # `role` is left out: an admin may send it, a customer gets 403 (test_users.py).
    user_patch = {"name": "Mass", "email": unique_email(), **internal}
    del user_patch["role"]
    for caller in (customer, admin):
        response = client.patch(f"/v1/users/{customer.id}", json=user_patch, headers=caller.headers)
        assert_error(response, 422, "validation_error", set(user_patch) - {"name"})
    assert me(client, customer.token).json() == customer.user

    product = new_product(client, admin)
    before = client.get(f"/v1/products/{product['id']}")
    server_owned = {"id": 1, "version": 99, "etag": '"99"', "created_at": internal["created_at"]}
    writable = {"name": "Mass", "description": "", "price_cents": 1, "stock": 1}
    for method, path in [
        ("POST", "/v1/products"),
        ("PUT", f"/v1/products/{product['id']}"),
        ("PATCH", f"/v1/products/{product['id']}"),
    ]:
        response = client.request(method, path, json={**writable, **server_owned}, headers=admin.headers)
        assert_error(response, 422, "validation_error", set(server_owned))
    after = client.get(f"/v1/products/{product['id']}")
    assert (after.json(), after.headers["ETag"]) == (before.json(), before.headers["ETag"])

    items = [{"product_id": product["id"], "quantity": 1}]
    order_fields = {"user_id": admin.id, "status": "shipped", "total_cents": 0}
    response = client.post("/v1/orders", json={"items": items, **order_fields}, headers=customer.headers)
    assert_error(response, 422, "validation_error", set(order_fields))
    assert client.get("/v1/orders", headers=customer.headers).json()["items"] == []
    order = new_order(client, customer, items)
    patch = {"status": "paid", "total_cents": 0, "user_id": admin.id, "items": []}
    response = client.patch(f"/v1/orders/{order['id']}", json=patch, headers=customer.headers)
    assert_error(response, 422, "validation_error", {"total_cents", "user_id", "items"})
    assert client.get(f"/v1/orders/{order['id']}", headers=customer.headers).json() == order


def assert_exposes_only(response: httpx.Response, status: int, fields: set[str]) -> dict[str, Any]:
    """A success body with exactly these top-level fields and nothing secret anywhere in it."""
    assert response.status_code == status, response.text
    assert "argon2" not in response.text and "password" not in response.text.lower(), response.text
    body: dict[str, Any] = response.json()
    assert set(body) == fields, body
    return body


def assert_page_exposes_only(response: httpx.Response, fields: set[str]) -> None:
    page = assert_exposes_only(response, 200, {"items", "next_cursor"})
    assert page["items"]
    assert all(set(item) == fields for item in page["items"]), page


def test_success_bodies_expose_exactly_the_documented_fields(client: httpx.Client, admin: Account) -> None:
    email = unique_email()
    register = client.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Exposed"}
    )
    user = assert_exposes_only(register, 201, USER_FIELDS)
    token = client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    headers = bearer(
        assert_exposes_only(token, 200, {"access_token", "token_type", "expires_in"})["access_token"]
    )
    user_path = f"/v1/users/{user['id']}"
    assert_exposes_only(client.get("/v1/users/me", headers=headers), 200, USER_FIELDS)
    assert_exposes_only(client.get(user_path, headers=headers), 200, USER_FIELDS)
    assert_exposes_only(client.get(user_path, headers=admin.headers), 200, USER_FIELDS)
    patched = client.patch(user_path, json={"name": "Renamed", "password": "new-password-1"}, headers=headers)
    assert_exposes_only(patched, 200, USER_FIELDS)
    assert_page_exposes_only(client.get("/v1/users", headers=admin.headers), USER_FIELDS)

    product = assert_exposes_only(
        client.post(
            "/v1/products", json={"name": "Exposed", "price_cents": 5, "stock": 9}, headers=admin.headers
        ),
        201,
        PRODUCT_FIELDS,
    )
    product_path = f"/v1/products/{product['id']}"
    replacement = {"name": "Exposed", "description": "d", "price_cents": 5, "stock": 9}
    assert_exposes_only(client.get(product_path), 200, PRODUCT_FIELDS)
    assert_exposes_only(
        client.put(product_path, json=replacement, headers=admin.headers), 200, PRODUCT_FIELDS
    )
    assert_exposes_only(
        client.patch(product_path, json={"stock": 8}, headers=admin.headers), 200, PRODUCT_FIELDS
    )
    assert_page_exposes_only(client.get("/v1/products"), PRODUCT_FIELDS)

    items = [{"product_id": product["id"], "quantity": 1}]
    keyed = {**headers, "Idempotency-Key": uuid.uuid4().hex}
    order = assert_exposes_only(
        client.post("/v1/orders", json={"items": items}, headers=keyed), 201, ORDER_FIELDS
    )
    assert_exposes_only(client.post("/v1/orders", json={"items": items}, headers=keyed), 201, ORDER_FIELDS)
    assert all(set(item) == {"product_id", "quantity", "unit_price_cents"} for item in order["items"])
    order_path = f"/v1/orders/{order['id']}"
    assert_exposes_only(client.get(order_path, headers=headers), 200, ORDER_FIELDS)
    assert_exposes_only(client.patch(order_path, json={"status": "paid"}, headers=headers), 200, ORDER_FIELDS)
    assert_page_exposes_only(client.get("/v1/orders", headers=headers), ORDER_FIELDS)
    assert_page_exposes_only(client.get("/v1/orders", headers=admin.headers), ORDER_FIELDS)

    assert_exposes_only(client.get("/health"), 200, {"status"})
    assert_exposes_only(client.get("/ready"), 200, {"status"})
    deleted = client.delete(user_path, headers=headers)
    assert (deleted.status_code, deleted.content) == (204, b"")


# --- resource consumption ----------------------------------------------------------------------


def test_numbers_far_out_of_range_in_the_query_are_422(client: httpx.Client, admin: Account) -> None:
    huge = str(10**30)
    for name in ("limit", "min_price_cents", "max_price_cents", "cursor"):
        assert_error(client.get("/v1/products", params={name: huge}), 422, "validation_error", {name})
    response = client.get("/v1/orders", params={"user_id": huge}, headers=admin.headers)
    assert_error(response, 422, "validation_error", {"user_id"})


def test_oversized_values_within_the_body_limit_are_422(
    client: httpx.Client, admin: Account, customer: Account
) -> None:
    huge = "x" * 20_000
    register = {"email": f"{huge}@example.com", "password": huge, "name": huge}
    assert_error(
        client.post("/v1/auth/register", json=register),
        422,
        "validation_error",
        {"email", "password", "name"},
    )
    product = {"name": huge, "description": huge, "price_cents": 1, "stock": 1}
    assert_error(
        client.post("/v1/products", json=product, headers=admin.headers),
        422,
        "validation_error",
        {"name", "description"},
    )
    created = new_product(client, admin)
    lines = [{"product_id": created["id"], "quantity": 1}] * 1000
    response = client.post("/v1/orders", json={"items": lines}, headers=customer.headers)
    assert_error(response, 422, "validation_error", {"items"})
    assert product_state(client, created["id"])[0] == created["stock"]


def nested_arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_nested_32_levels_deep_is_parsed(client: httpx.Client) -> None:
    assert_error(
        client.post("/v1/auth/register", content=nested_arrays(32), headers=JSON),
        422,
        "validation_error",
        {"body"},
    )
    body = f'{{"email": "{unique_email()}", "password": "{PASSWORD}", "name": {nested_arrays(31)}}}'
    assert_error(
        client.post("/v1/auth/register", content=body, headers=JSON), 422, "validation_error", {"name"}
    )


@pytest.mark.parametrize("depth", [33, 1_000, 30_000])
def test_json_nested_deeper_than_32_levels_is_400_at_any_depth(client: httpx.Client, depth: int) -> None:
    """One fixed limit on both front ends; left to Python's parser, the cut-off would be wherever
    the stack runs out, which is not the same in Flask and FastAPI."""
    assert_error(
        client.post("/v1/auth/register", content=nested_arrays(depth), headers=JSON), 400, "malformed_json"
    )
    body = f'{{"email": "{unique_email()}", "password": "{PASSWORD}", "name": {nested_arrays(depth - 1)}}}'
    assert_error(client.post("/v1/auth/register", content=body, headers=JSON), 400, "malformed_json")
    assert client.get("/health").status_code == 200


def megabytes(count: int) -> Iterator[bytes]:
    """`count` MiB, streamed (chunked unless a Content-Length is given)."""
    return itertools.repeat(b"x" * (1 << 20), count)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_body_of_megabytes_is_413_and_the_server_answers_the_next_request(
    target: Target, framing: str
) -> None:
    size = 8
    length = {"Content-Length": str(size << 20)} if framing == "content-length" else {}
    with httpx.Client(base_url=target.base_url, timeout=30.0, verify=TLS) as http:
        response = http.post(
            "/v1/auth/register", content=megabytes(size), headers={**JSON, **CLOSE, **length}
        )
        assert_error(response, 413, "payload_too_large")
    with httpx.Client(base_url=target.base_url, timeout=30.0, verify=TLS) as http:
        assert http.get("/health").status_code == 200


def peak_memory_kib(process_group: int) -> dict[int, int]:
    """Peak resident memory (VmHWM) of each process in a process group, read from /proc."""
    peaks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != process_group:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[int(stat.parent.name)] = int(line.split()[1])
    return peaks


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_body_over_the_limit_is_refused_without_being_buffered(
    own_server: OwnServer, own_client: httpx.Client, framing: str
) -> None:
    """A 64 MiB body must not be held in a server process's memory on its way to a 413."""
    if not Path("/proc/self/status").is_file():
        pytest.skip("reads peak memory from /proc (Linux only)")
    size = 64
    length = {"Content-Length": str(size << 20)} if framing == "content-length" else {}
    before = peak_memory_kib(own_server.process_group)
    response = own_client.post(
        "/v1/auth/register", content=megabytes(size), headers={**JSON, **CLOSE, **length}
    )
    assert_error(response, 413, "payload_too_large")
    after = peak_memory_kib(own_server.process_group)
    growth_kib = max(after[pid] - before[pid] for pid in before.keys() & after.keys())
    assert growth_kib < 32 << 10, f"a server process grew by {growth_kib >> 10} MiB"


def test_many_query_parameters_are_ignored_or_the_last_value_wins(
    client: httpx.Client, admin: Account
) -> None:
    tag = unique_tag()
    products = [new_product(client, admin, name=tag) for _ in range(3)]
    params = [(f"u{index}", "x") for index in range(200)] + [("limit", "100")] * 100
    response = client.get("/v1/products", params=[*params, ("limit", "2"), ("q", tag)])
    assert response.status_code == 200, response.text
    assert response.json()["items"] == products[:2]


# --- injection ---------------------------------------------------------------------------------

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


# --- errors that leak nothing ------------------------------------------------------------------

# A stored value the model cannot load: for SQLite text that is no timestamp; for PostgreSQL a
# valid timestamptz that Python's datetime cannot hold.
UNLOADABLE_TIMESTAMP = {"sqlite": "not-a-timestamp", "postgresql": "infinity"}


def corrupt_created_at(database_url: str, table: str, row_id: int) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            value = UNLOADABLE_TIMESTAMP[engine.dialect.name]
            statement = text(f"UPDATE {table} SET created_at = '{value}' WHERE id = :id")
            assert connection.execute(statement, {"id": row_id}).rowcount == 1
    finally:
        engine.dispose()


def test_unexpected_error_is_a_bare_500_logged_with_its_request_id(
    own_server: OwnServer, own_client: httpx.Client
) -> None:
    admin = login(own_client, ADMIN_EMAIL, ADMIN_PASSWORD)
    customer = new_customer(own_client)
    product, bystander = new_product(own_client, admin), new_product(own_client, admin)
    corrupt_created_at(own_server.database_url, "products", product["id"])
    corrupt_created_at(own_server.database_url, "users", customer.id)
    for path, headers in [
        (f"/v1/products/{product['id']}", {}),
        ("/v1/products", {}),
        ("/v1/users/me", customer.headers),
    ]:
        request_id = f"security-{uuid.uuid4().hex}"
        response = own_client.get(path, headers={**headers, "X-Request-ID": request_id})
        assert response.status_code == 500, response.text
        assert response.json() == {"error": "internal_error", "message": "Internal server error"}
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.headers["X-Request-ID"] == request_id
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if path.startswith("/v1/users"):
            assert response.headers["Cache-Control"] == "no-store"
        log = own_server.log_path.read_text()
        logged = next(line for line in log.splitlines() if request_id in line)
        assert '"unhandled_error"' in logged
        assert "Traceback (most recent call last)" in log.split(logged, 1)[1]
    assert own_client.get(f"/v1/products/{bystander['id']}").json() == bystander
    assert own_client.get("/health").status_code == 200
