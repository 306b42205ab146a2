"""What every response carries: the request id and the security headers."""

from __future__ import annotations

import re
import secrets

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

Headers = tuple[tuple[str, str], ...]
_SECURITY_HEADERS: Headers = (("X-Content-Type-Options", "nosniff"),)
_NO_STORE_HEADERS: Headers = (*_SECURITY_HEADERS, ("Cache-Control", "no-store"))
_NO_STORE_PREFIXES = ("/v1/auth/", "/v1/users")


def request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID when well-formed, else a fresh one."""
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return secrets.token_hex(16)


def security_headers(path: str) -> Headers:
    """Headers for every response; auth and user responses must never be cached."""
    return _NO_STORE_HEADERS if path.startswith(_NO_STORE_PREFIXES) else _SECURITY_HEADERS
