"""Security events on `shop.security` (core/logs.py), emitted by the core for every front end:
`login_failed`, `token_rejected` / `token_missing` and `forbidden`, each one JSON line with the
request's id and never a password or a token (SECURITY.md, "Security events")."""

from __future__ import annotations

import base64
import contextvars
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy import exc, text

from core import logs
from core.auth import Passwords, Principal, Tokens, key_id
from core.db import Database, make_engine
from core.errors import Forbidden, InvalidCredentials, Unauthorized
from core.http.context import request_id
from core.schemas import OrderQuery, TokenRequest, UserRegister, UserUpdate
from core.services import orders, users
from core.settings import Settings
from tests.values import SECRET

PASSWORD = "events-password-123"
OTHER_SECRET = "another-secret-of-sufficient-length-xx"


class Lines(logging.Handler):
    """Every line `shop.security` writes, parsed, with the level of its record."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.events: list[dict[str, Any]] = []
        self.raw: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.raw.append(record.getMessage())
        self.events.append({**json.loads(record.getMessage()), "record_level": record.levelname})


@pytest.fixture
def restore_loggers() -> Iterator[None]:
    """configure_logging changes process-wide loggers; put them back for the other tests."""
    saved = [
        (logger, logger.handlers[:], logger.level, logger.propagate, logger.disabled)
        for logger in (logs.access_log, logs.error_log, logs.security_log)
    ]
    yield
    for logger, handlers, level, propagate, disabled in saved:
        logger.handlers[:], logger.level, logger.propagate, logger.disabled = (
            handlers,
            level,
            propagate,
            disabled,
        )


@pytest.fixture
def lines(restore_loggers: None) -> Lines:
    handler = Lines()
    logs.security_log.handlers[:] = [handler]
    logs.security_log.setLevel(logging.INFO)
    logs.security_log.propagate = False
    return handler


def _register(db: Database, passwords: Passwords, email: str = "buyer@example.com") -> Principal:
    user = users.register_user(
        UserRegister(email=email, name="Buyer", password=PASSWORD), db=db, passwords=passwords
    )
    return Principal(user.id, user.role)


def _forge(secret: str = SECRET, kid: str | None = "derive", **claims: Any) -> str:
    now = datetime.now(UTC)
    payload = {"sub": "7", "iat": now, "exp": now + timedelta(minutes=5), "iss": "shop-api", **claims}
    payload = {name: value for name, value in payload.items() if value is not None}
    headers = {} if kid is None else {"kid": key_id(secret) if kid == "derive" else kid}
    return jwt.encode(payload, secret, algorithm="HS256", headers=headers)


def test_each_failed_login_is_logged_with_its_reason_and_the_email_never_the_password(
    db: Database, passwords: Passwords, tokens: Tokens, lines: Lines
) -> None:
    actor = _register(db, passwords)
    attempts = [
        ("wrong_password", TokenRequest(email="Buyer@Example.com", password="not-the-password")),
        ("unknown_email", TokenRequest(email="nobody@example.com", password=PASSWORD)),
    ]
    for reason, attempt in attempts:
        request_id(f"login-{reason}")
        with pytest.raises(InvalidCredentials):
            users.issue_token(attempt, db=db, passwords=passwords, tokens=tokens)
    request_id("login-ok")
    users.issue_token(
        TokenRequest(email="buyer@example.com", password=PASSWORD), db=db, passwords=passwords, tokens=tokens
    )
    users.deactivate_user(actor.user_id, db=db, actor=actor)
    request_id("login-inactive_user")
    with pytest.raises(InvalidCredentials):
        users.issue_token(
            TokenRequest(email="buyer@example.com", password=PASSWORD),
            db=db,
            passwords=passwords,
            tokens=tokens,
        )

    assert lines.events == [
        {
            "event": "login_failed",
            "level": "WARNING",
            "request_id": f"login-{reason}",
            "email": email,
            "reason": reason,
            "record_level": "WARNING",
        }
        for reason, email in [
            ("wrong_password", "buyer@example.com"),  # as the API reads it: trimmed, lower-cased
            ("unknown_email", "nobody@example.com"),
            ("inactive_user", "buyer@example.com"),
        ]
    ]
    assert not any(secret in line for line in lines.raw for secret in (PASSWORD, "not-the-password"))


def _hand_signed(header: dict[str, Any]) -> str:
    """A token with a header PyJWT would not write, validly signed with SECRET."""
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": "7", "iat": now, "exp": now + 300, "iss": "shop-api"}
    signing_input = ".".join(_b64(json.dumps(part).encode()) for part in (header, claims))
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        ("Basic YWxhZGRpbjpvcGVuc2VzYW1l", "malformed"),
        ("Bearer", "malformed"),
        ("Bearer not.a.jwt", "malformed"),
        ("Bearer " + "a" * 5000, "oversized"),
        ("Bearer " + _forge(kid=None), "unknown_kid"),
        ("Bearer " + _forge(kid="unknown-kid"), "unknown_kid"),
        ("Bearer " + _hand_signed({"alg": "HS256", "kid": [key_id(SECRET)]}), "malformed"),
        ("Bearer " + _forge(secret=OTHER_SECRET), "unknown_kid"),
        ("Bearer " + _forge(secret=OTHER_SECRET, kid=key_id(SECRET)), "bad_signature"),
        ("Bearer " + _hand_signed({"alg": "none", "kid": key_id(SECRET)}), "bad_algorithm"),
        ("Bearer " + _forge(exp=datetime.now(UTC) - timedelta(seconds=30)), "expired"),
        ("Bearer " + _forge(iat=datetime.now(UTC) + timedelta(minutes=5)), "not_yet_valid"),
        ("Bearer " + _forge(iss="someone-else"), "wrong_issuer"),
        ("Bearer " + _forge(sub=None), "invalid_claims"),
        ("Bearer " + _forge(sub="07"), "invalid_claims"),
        ("Bearer " + _forge(iat="now"), "invalid_claims"),
    ],
)
def test_each_refused_token_is_logged_with_its_reason_and_never_the_token(
    db: Database, tokens: Tokens, lines: Lines, authorization: str, reason: str
) -> None:
    request_id("token-request")
    with pytest.raises(Unauthorized):
        users.authenticate(authorization, operation_id="read_me", db=db, tokens=tokens)
    [event] = lines.events
    assert event == {
        "event": "token_rejected",
        "level": "WARNING",
        "request_id": "token-request",
        "reason": reason,
        "user_id": None,
        "operation_id": "read_me",
        "record_level": "WARNING",
    }
    token = authorization.partition(" ")[2]
    assert not token or token not in lines.raw[0]


@pytest.mark.parametrize("authorization", [None, ""])
def test_a_missing_token_on_a_protected_operation_is_an_info_event(
    db: Database, tokens: Tokens, lines: Lines, authorization: str | None
) -> None:
    request_id("no-token")
    with pytest.raises(Unauthorized):
        users.authenticate(authorization, operation_id="list_orders", db=db, tokens=tokens)
    assert lines.events == [
        {
            "event": "token_missing",
            "level": "INFO",
            "request_id": "no-token",
            "operation_id": "list_orders",
            "record_level": "INFO",
        }
    ]


def test_tokens_of_a_deactivated_or_unknown_user_are_logged_with_the_verified_subject(
    db: Database, passwords: Passwords, tokens: Tokens, lines: Lines
) -> None:
    actor = _register(db, passwords)
    token = tokens.issue(actor.user_id, actor.role)
    request_id("valid")
    assert users.authenticate(f"Bearer {token}", operation_id="read_me", db=db, tokens=tokens) == actor
    assert lines.events == []  # a valid token is no event
    users.deactivate_user(actor.user_id, db=db, actor=actor)
    for user_id, reason in [(actor.user_id, "inactive_user"), (actor.user_id + 1000, "unknown_user")]:
        request_id(reason)
        with pytest.raises(Unauthorized):
            users.authenticate(
                f"Bearer {tokens.issue(user_id, 'customer')}", operation_id="read_me", db=db, tokens=tokens
            )
    assert [(e["request_id"], e["reason"], e["user_id"]) for e in lines.events] == [
        ("inactive_user", "inactive_user", actor.user_id),
        ("unknown_user", "unknown_user", actor.user_id + 1000),
    ]


def test_every_403_is_logged_with_user_role_and_the_operation_the_access_check_named(
    db: Database, passwords: Passwords, tokens: Tokens, lines: Lines
) -> None:
    actor = _register(db, passwords)
    bearer = f"Bearer {tokens.issue(actor.user_id, actor.role)}"
    admin_only = ("list_users", lambda: users.require_admin(actor))
    role_change = (
        "update_user",
        lambda: users.update_user(
            actor.user_id, UserUpdate(role="admin"), db=db, actor=actor, passwords=passwords
        ),
    )
    user_filter = ("list_orders", lambda: orders.list_orders(OrderQuery(user_id=1), db=db, actor=actor))
    for operation, attempt in (admin_only, role_change, user_filter):
        request_id(f"forbidden-{operation}")
        # As a front end does: its access check names the operation, then the route runs.
        assert users.authenticate(bearer, operation_id=operation, db=db, tokens=tokens) == actor
        with pytest.raises(Forbidden):
            attempt()
    assert lines.events == [
        {
            "event": "forbidden",
            "level": "WARNING",
            "request_id": f"forbidden-{operation}",
            "user_id": actor.user_id,
            "role": "customer",
            "operation_id": operation,
            "record_level": "WARNING",
        }
        for operation in ("list_users", "update_user", "list_orders")
    ]


def test_the_request_context_follows_the_request_into_a_thread_and_back(lines: Lines) -> None:
    """FastAPI runs a sync dependency in a thread on a copy of the request's context: the
    operation it names there must be seen by the route that runs later, in another copy."""
    request_id("copied")

    def in_a_thread(work: Any) -> None:
        context = contextvars.copy_context()
        thread = threading.Thread(target=context.run, args=(work,))
        thread.start()
        thread.join()

    in_a_thread(lambda: logs.bind_operation("place_order"))
    in_a_thread(lambda: logs.log_forbidden(3, "customer"))
    assert [(e["request_id"], e["operation_id"]) for e in lines.events] == [("copied", "place_order")]


def test_a_new_request_starts_a_fresh_context(lines: Lines) -> None:
    request_id("first")
    logs.bind_operation("list_users")
    request_id("second")
    logs.log_forbidden(3, "customer")
    assert [(e["request_id"], e["operation_id"]) for e in lines.events] == [("second", None)]


def test_configure_logging_writes_security_events_to_stderr_at_the_configured_level(
    settings: Settings, restore_loggers: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure_logging(settings.model_copy(update={"log_level": "WARNING", "log_requests": False}))
    request_id("configured")
    logs.log_token_rejected("missing", None)  # INFO: below the level
    logs.log_token_rejected("expired", None)
    [line] = capsys.readouterr().err.splitlines()
    assert json.loads(line) == {
        "event": "token_rejected",
        "level": "WARNING",
        "request_id": "configured",
        "reason": "expired",
        "user_id": None,
        "operation_id": None,
    }


def test_a_database_error_in_the_error_log_carries_no_statement_parameters(tmp_path: Path) -> None:
    """An unexpected database error is logged with its trace (shop.error); SQLAlchemy puts the
    statement's parameters in the message unless told not to, and they can hold a password hash."""
    engine = make_engine(f"sqlite:///{tmp_path / 'params.db'}")
    try:
        with pytest.raises(exc.DBAPIError) as raised, engine.connect() as connection:
            connection.execute(
                text("INSERT INTO no_such_table VALUES (:hash)"), {"hash": "argon2-hash-secret"}
            )
        assert "argon2-hash-secret" not in str(raised.value)
        assert "hidden due to hide_parameters" in str(raised.value)
    finally:
        engine.dispose()
