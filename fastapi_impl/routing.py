"""URL rules and the route class: the id converter (`{product_id:id}`, as flask_impl/routing.py
has its own) and `ContractRoute`, which every route of this front end uses."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.convertors import Convertor, register_url_convertor

from core.ids import ID_PATTERN
from fastapi_impl import body, openapi


class IdConvertor(Convertor[int]):
    """Only canonical positive 64-bit ids match; anything else is an unknown route (404)."""

    regex = ID_PATTERN

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


# Registered before any router is built: routers import this module for ContractRoute.
register_url_convertor("id", IdConvertor())


class ContractRoute(APIRoute):
    """Documents the operation's error responses (by the endpoint's name, which is its operation
    id) and runs the contract's body checks (fastapi_impl/body.py) after routing and before
    dependencies, so they win over authentication and validation as the contract orders them.
    FastAPI alone would treat a body without Content-Type as JSON and answer bad JSON with a 422."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        responses = openapi.documented_responses(endpoint.__name__)
        kwargs["responses"] = {**responses, **(kwargs.get("responses") or {})}
        kwargs["generate_unique_id_function"] = openapi.operation_id
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked_handler(request: Request) -> Response:
            if body.needs_check(request):
                await body.check_body(request)
            return await handler(request)

        return checked_handler
