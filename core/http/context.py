"""What every response carries: the request id and the security headers."""

from __future__ import annotations

import re
import secrets

from core.logs import begin_request

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

Headers = tuple[tuple[str, str], ...]
_SECURITY_HEADERS: Headers = (("X-Content-Type-Options", "nosniff"),)
_NO_STORE_HEADERS: Headers = (*_SECURITY_HEADERS, ("Cache-Control", "no-store"))
_NO_STORE_PREFIXES = ("/v1/auth/", "/v1/users")


def request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID when well-formed, else a fresh one. Every front end's middleware
    calls this once, as the request comes in, so it also begins the request's log context: the
    security events written deeper down carry this id (core.logs)."""
    rid = incoming if incoming and _REQUEST_ID.match(incoming) else secrets.token_hex(16)
    begin_request(rid)
    return rid


def security_headers(path: str) -> Headers:
    """Headers for every response; auth and user responses must never be cached."""
    return _NO_STORE_HEADERS if path.startswith(_NO_STORE_PREFIXES) else _SECURITY_HEADERS


# The request fields the API reads that a client might repeat. A WSGI server (gunicorn, Werkzeug)
# hands Flask repeated lines as one value, joined by commas in order, as RFC 9110 §5.3 lets a
# recipient combine them; an ASGI server passes every line on. Combining them here gives every
# front end the same value to judge (docs/api-contract.md, section 5: repeated header lines).
COMBINED_FIELDS = frozenset(
    {b"authorization", b"if-match", b"if-none-match", b"idempotency-key", b"x-request-id"}
)
# A single value that commas cannot join: of repeated lines, both WSGI servers keep the last.
LAST_LINE_FIELDS = frozenset({b"content-type"})

RawHeaders = list[tuple[bytes, bytes]]


def combine_repeated_fields(headers: RawHeaders) -> RawHeaders:
    """ASGI request headers with each repeated line of COMBINED_FIELDS folded into its first, and
    of LAST_LINE_FIELDS only the last line's value kept. Worth calling only when some name
    repeats (`len(dict(headers)) < len(headers)`)."""
    values: dict[bytes, list[bytes]] = {}
    kept: RawHeaders = []
    for name, value in headers:
        if name in COMBINED_FIELDS or name in LAST_LINE_FIELDS:
            if name in values:
                values[name] = [value] if name in LAST_LINE_FIELDS else [*values[name], value]
                continue
            values[name] = [value]
        kept.append((name, value))
    return [(name, b",".join(values[name]) if name in values else value) for name, value in kept]
