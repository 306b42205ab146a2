"""The OpenAPI document of the FastAPI front end: FastAPI builds it from the route signatures;
this adds what every front end's document must agree on (core.http.openapi): the title, the operation ids
(the endpoint names, as Flask's are its view names) and each operation's error responses.

The documentation pages are core/http/docs.py's, as on Flask: FastAPI's own /docs and /redoc
(from a CDN) are off, and `pages` serves them, outside the document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute

from core.errors import NotFound
from core.http import docs, openapi
from core.schemas import ErrorBody
from fastapi_impl import body

# FastAPI's constructor arguments for the document and its pages.
APP_DOCUMENT: dict[str, Any] = {
    "title": openapi.API_TITLE,
    "version": openapi.API_VERSION,
    "description": openapi.API_DESCRIPTION,
    "openapi_url": docs.OPENAPI_URL,
    "docs_url": None,
    "redoc_url": None,
}


def operation_id(route: APIRoute) -> str:
    return route.name


def documented_responses(operation_id: str) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"description": openapi.describe(status), **({"model": ErrorBody} if status >= 400 else {})}
        for status in openapi.extra_statuses(operation_id)
    }


async def checked_body(request: Request) -> None:
    """The contract's body checks apply to these routes too (ContractRoute runs them for the API's)."""
    if body.needs_check(request):
        await body.check_body(request)


pages = APIRouter(include_in_schema=False, dependencies=[Depends(checked_body)])


@pages.get("/docs")
async def swagger_ui() -> Response:
    return _page(docs.swagger_ui_page())


@pages.get("/redoc")
async def redoc() -> Response:
    return _page(docs.redoc_page())


@pages.get(docs.ASSET_PREFIX + "{name}")
async def docs_asset(name: str) -> Response:
    found = docs.asset(name)
    if found is None:
        raise NotFound()
    return Response(found.body, headers=dict(found.headers))


def _page(page: docs.Page) -> Response:
    return Response(page.body, headers=dict(page.headers))
