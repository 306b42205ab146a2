"""Password hashing (Argon2id) and access tokens (JWT, HS256, rotating keys by `kid`)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import Forbidden, Unauthorized
from core.ids import is_canonical_id
from core.logs import TokenRejection, log_forbidden
from core.settings import Settings

ALGORITHM = "HS256"
CLOCK_SKEW_SECONDS = 10
MAX_TOKEN_CHARS = 4096


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, with the role as stored in the database."""

    user_id: int
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class TokenRejected(Unauthorized):
    """A 401 `unauthorized` like any other to the client; why, and the token's subject once its
    signature verified, are for the security log (core.services.users.authenticate logs them)."""

    def __init__(self, reason: TokenRejection, user_id: int | None = None) -> None:
        super().__init__()
        self.reason: TokenRejection = reason
        self.user_id = user_id


def forbidden(actor: Principal, message: str | None = None) -> Forbidden:
    """The 403 for `actor`, logged as a `forbidden` security event: `raise forbidden(actor)`."""
    log_forbidden(actor.user_id, actor.role)
    return Forbidden(message)


# What PyJWT's refusal means, most specific class first (InvalidSignatureError is a DecodeError).
_JWT_REJECTIONS: tuple[tuple[type[Exception], TokenRejection], ...] = (
    (jwt.InvalidAlgorithmError, "bad_algorithm"),
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.MissingRequiredClaimError, "invalid_claims"),
    (jwt.InvalidIssuedAtError, "invalid_claims"),
    (jwt.exceptions.InvalidSubjectError, "invalid_claims"),
    (jwt.exceptions.InvalidJTIError, "invalid_claims"),
)


def _rejection(error: Exception) -> TokenRejection:
    return next((reason for kind, reason in _JWT_REJECTIONS if isinstance(error, kind)), "malformed")


def key_id(secret: str) -> str:
    """A public name for a secret: a truncated SHA-256, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


class Passwords:
    def __init__(self, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        # Verifying against this when the email is unknown keeps login time the same.
        self._dummy_hash = self._hasher.hash(uuid.uuid4().hex)

    @classmethod
    def from_settings(cls, settings: Settings) -> Passwords:
        return cls(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False


class Tokens:
    def __init__(
        self, secret: str, old_secrets: Sequence[str] = (), issuer: str = "shop-api", ttl_seconds: int = 900
    ):
        """`secret` signs and verifies; `old_secrets` (retired) only verify."""
        self._secret = secret
        self._issuer = issuer
        self.ttl_seconds = ttl_seconds
        self._keys = {key_id(key): key for key in (secret, *old_secrets)}

    @classmethod
    def from_settings(cls, settings: Settings) -> Tokens:
        return cls(
            settings.jwt_secret.get_secret_value(),
            [old.get_secret_value() for old in settings.jwt_old_secrets],
            settings.jwt_issuer,
            settings.jwt_ttl_seconds,
        )

    def issue(self, user_id: int, role: str) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "role": role,
            "iat": now,
            "exp": now + timedelta(seconds=self.ttl_seconds),
            "iss": self._issuer,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM, headers={"kid": key_id(self._secret)})

    def user_id_from_header(self, authorization: str | None) -> int:
        """The verified `sub` of a `Bearer` token; TokenRejected, with the reason, for anything else."""
        if not authorization:
            raise TokenRejected("missing")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise TokenRejected("malformed")
        if len(token) > MAX_TOKEN_CHARS:
            raise TokenRejected("oversized")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            if kid is not None and not isinstance(kid, str):
                raise TokenRejected("malformed")
            key = self._keys.get(kid or "")
            if key is None:
                raise TokenRejected("unknown_kid")
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["sub", "iat", "exp", "iss"]},
            )
        except (jwt.PyJWTError, TypeError, ValueError) as error:
            raise TokenRejected(_rejection(error)) from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not is_canonical_id(subject):
            raise TokenRejected("invalid_claims")
        return int(subject)
