"""Settings guard, password hashing, and token verification."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from pydantic import ValidationError

from core.auth import Passwords, Tokens, key_id
from core.bridge import ThreadedPasswords, call
from core.errors import Unauthorized
from core.runtime import build_runtime
from core.settings import DEVELOPMENT_JWT_SECRET, Settings
from tests.values import SECRET


def test_settings_refuse_a_missing_or_short_secret_outside_development() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(app_env="production", jwt_secret="")
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(app_env="test", jwt_secret="short")


def test_development_gets_a_default_secret() -> None:
    assert (
        Settings(app_env="development", jwt_secret="").jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET
    )


def test_settings_read_old_secrets_as_a_list_and_hide_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv("JWT_OLD_SECRETS", " first-retired-secret , ,second-retired-secret")
    monkeypatch.setenv("LOG_LEVEL", "warning")

    settings = Settings()

    assert [old.get_secret_value() for old in settings.jwt_old_secrets] == [
        "first-retired-secret",
        "second-retired-secret",
    ]
    assert settings.log_level == "WARNING"
    assert SECRET not in repr(settings) and "first-retired-secret" not in repr(settings)
    with pytest.raises(ValidationError, match="log_level"):
        Settings(log_level="LOUD")


def test_passwords_verify_only_the_right_password(passwords: Passwords) -> None:
    hashed = passwords.hash("s3cret-password")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "s3cret-password")
    assert not passwords.verify(hashed, "wrong")
    assert not passwords.verify(None, "s3cret-password")
    assert not passwords.verify("not-a-hash", "s3cret-password")


def test_issued_tokens_verify_to_their_subject(tokens: Tokens) -> None:
    token = tokens.issue(7, "customer")
    assert tokens.user_id_from_header(f"Bearer {token}") == 7
    assert tokens.user_id_from_header(f"bearer {token}") == 7
    assert jwt.get_unverified_header(token)["kid"] == key_id(SECRET)


def _forge(claims: dict[str, object], secret: str = SECRET, kid: str | None = None) -> str:
    now = datetime.now(UTC)
    payload = {"sub": "7", "iat": now, "exp": now + timedelta(minutes=5), "iss": "shop-api", **claims}
    payload = {key: value for key, value in payload.items() if value is not None}
    return jwt.encode(payload, secret, algorithm="HS256", headers={"kid": kid or key_id(secret)})


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Basic abc",
        "Bearer not.a.jwt",
        "Bearer " + "a" * 5000,
        "Bearer " + _forge({"exp": datetime.now(UTC) - timedelta(seconds=30)}),
        "Bearer " + _forge({"iss": "someone-else"}),
        "Bearer " + _forge({"sub": None}),
        "Bearer " + _forge({"exp": None}),
        "Bearer " + _forge({"sub": "0"}),
        "Bearer " + _forge({"sub": "abc"}),
        "Bearer " + _forge({"sub": 7}),
        "Bearer " + _forge({"iat": datetime.now(UTC) + timedelta(minutes=5)}),
        "Bearer " + _forge({}, secret="another-secret-of-sufficient-length-xx"),
        "Bearer " + _forge({}, kid="unknown-kid"),
        "Bearer " + _forge({}, kid="../../etc/passwd"),
    ],
)
def test_anything_but_a_valid_token_is_unauthorized(tokens: Tokens, header: str | None) -> None:
    with pytest.raises(Unauthorized):
        tokens.user_id_from_header(header)


def test_old_secrets_still_verify_but_never_sign(settings: Settings) -> None:
    old = "retired-secret-0123456789abcdef0123456"
    rotated = Tokens(SECRET, old_secrets=[old], issuer=settings.jwt_issuer)
    assert rotated.user_id_from_header("Bearer " + _forge({}, secret=old)) == 7
    assert jwt.get_unverified_header(rotated.issue(1, "admin"))["kid"] == key_id(SECRET)


def test_clock_skew_of_ten_seconds_is_tolerated(tokens: Tokens) -> None:
    just_expired = _forge({"exp": datetime.now(UTC) - timedelta(seconds=5)})
    assert tokens.user_id_from_header(f"Bearer {just_expired}") == 7


def test_the_async_front_ends_passwords_hash_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run on the event loop, each Argon2 hash (tens of ms) stopped every other request of the
    worker; ThreadedPasswords hands it to a worker thread."""
    passwords = ThreadedPasswords(time_cost=1, memory_kib=8, parallelism=1)
    threads: list[int] = []
    hasher = passwords._hasher

    class RecordingHasher:
        def hash(self, *args: Any) -> Any:
            threads.append(threading.get_ident())
            return hasher.hash(*args)

        def verify(self, *args: Any) -> Any:
            threads.append(threading.get_ident())
            return hasher.verify(*args)

    monkeypatch.setattr(passwords, "_hasher", RecordingHasher())

    async def register_then_log_in() -> tuple[int, bool, bool]:
        password_hash = await call(passwords.hash, "correct horse")
        right = await call(passwords.verify, password_hash, "correct horse")
        wrong = await call(passwords.verify, password_hash, "wrong horse")
        return threading.get_ident(), right, wrong

    loop_thread, right, wrong = asyncio.run(register_then_log_in())
    assert (right, wrong) == (True, False)
    assert len(threads) == 3 and loop_thread not in threads


def test_only_the_asynchronous_runtime_hashes_in_threads(settings: Settings) -> None:
    runtimes = [build_runtime(settings, asynchronous=flag) for flag in (False, True)]
    try:
        assert [type(runtime.passwords) for runtime in runtimes] == [Passwords, ThreadedPasswords]
    finally:
        for runtime in runtimes:
            runtime.db.dispose()
