"""The OpenAPI document of the FastAPI front end: FastAPI builds it from the route signatures;
this adds what both documents must agree on (core.http.openapi): the title, the operation ids
(the endpoint names, as Flask's are its view names) and each operation's error responses."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

from core.http import openapi
from core.schemas import ErrorBody

# FastAPI's constructor arguments for the document and its pages.
APP_DOCUMENT: dict[str, Any] = {
    "title": openapi.API_TITLE,
    "version": openapi.API_VERSION,
    "description": openapi.API_DESCRIPTION,
    "redoc_url": None,
}


def operation_id(route: APIRoute) -> str:
    return route.name


def documented_responses(operation_id: str) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"description": openapi.describe(status), **({"model": ErrorBody} if status >= 400 else {})}
        for status in openapi.extra_statuses(operation_id)
    }
