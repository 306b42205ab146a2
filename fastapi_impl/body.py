"""The contract's body checks (413, 415, 400) for a routed request, before its dependencies run;
FastAPI then finds the body already read and parsed."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from core.errors import PayloadTooLarge
from core.http.body import BODY_METHODS, parse_json_body
from core.runtime import Runtime

# A request with either header has a body (ASGI header names are lower-case bytes).
_BODY_HEADERS = (b"content-length", b"transfer-encoding")


def needs_check(request: Request) -> bool:
    """Whether the request has a body or its method needs one. The raw header list, not
    `request.headers`: this runs on every request, and almost none has a body."""
    return request.method in BODY_METHODS or any(
        name in _BODY_HEADERS for name, _ in request.scope["headers"]
    )


async def check_body(request: Request) -> None:
    runtime: Runtime = request.app.state.runtime
    max_bytes = runtime.settings.max_body_bytes
    raw = await read_body(request, max_bytes)
    parsed = parse_json_body(request.method, request.headers.get("content-type"), raw, max_bytes)
    cache_body(request, raw, parsed)


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The body, read no further than one byte past the limit: uvicorn has no limit of its own,
    and `request.body()` would buffer a body of any size before its 413."""
    if int(request.headers.get("content-length", 0)) > max_bytes:
        raise PayloadTooLarge()
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > max_bytes:
            raise PayloadTooLarge()
    return bytes(raw)


def cache_body(request: Request, raw: bytes, parsed: Any) -> None:
    """Leave the body where Starlette's `request.body()` and `request.json()` look first, so
    FastAPI neither reads the (consumed) stream again nor parses the JSON twice. These are
    private attributes of Starlette's Request: tests/unit/test_framework_internals.py fails
    loudly if an upgrade renames them."""
    request._body = raw
    if parsed is not None:
        request._json = parsed
