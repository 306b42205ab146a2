"""The one place a front end leans on a framework's private attributes: fastapi_impl/body.py
leaves the checked body where Starlette's Request looks before reading the stream. If a
Starlette upgrade renames those attributes, this fails here, naming the cause, rather than as
500s all over the contract suite."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.types import Message

from fastapi_impl.body import cache_body


async def _stream_already_read() -> Message:
    raise AssertionError("Starlette read the stream again instead of the cached body")


def test_starlette_reads_the_cached_body_and_json_instead_of_the_stream() -> None:
    scope = {"type": "http", "method": "POST", "path": "/", "headers": [], "query_string": b""}
    request = Request(scope, receive=_stream_already_read)
    cache_body(request, b'{"a": 1}', {"a": 1})

    async def read() -> tuple[bytes, object]:
        return await request.body(), await request.json()

    assert asyncio.run(read()) == (b'{"a": 1}', {"a": 1})
