"""Every error becomes the contract's JSON body here, in one place, registered on the app
(404/405 for unknown URLs never reach a blueprint's handlers)."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from core.errors import (
    DomainError,
    MalformedJson,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    internal_error_body,
)
from core.logs import log_unexpected_error
from flask_impl.deps import REQUEST_ID_KEY

# What Werkzeug raises itself (routing, body limit); anything else from it is a 500 for us.
WERKZEUG_ERRORS: dict[int, type[DomainError]] = {
    400: MalformedJson,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}


def json_error(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


def handle_domain_error(error: DomainError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return json_error(error.status, error.body(), headers)


def handle_http_exception(error: HTTPException) -> Response:
    domain_error = WERKZEUG_ERRORS.get(error.code or 500)
    if domain_error is None:
        return handle_unexpected_error(error)
    allow = dict(error.get_headers()).get("Allow")
    return json_error(domain_error.status, domain_error().body(), {"Allow": allow} if allow else None)


def handle_unexpected_error(error: Exception) -> Response:
    log_unexpected_error(error, request.method, request.path, request.environ.get(REQUEST_ID_KEY, "-"))
    return json_error(500, internal_error_body())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)
