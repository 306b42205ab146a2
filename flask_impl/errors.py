"""Every error becomes the contract's JSON answer here (built by core.http.errors), registered on
the app: 404/405 for unknown URLs never reach a blueprint's handlers."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from core.errors import DomainError
from core.http import errors
from flask_impl.deps import REQUEST_ID_KEY


def error_response(error: DomainError, allow: str | None = None) -> Response:
    answer = errors.answer(error, allow)
    return Response(answer.body, answer.status, answer.headers, content_type="application/json")


def handle_domain_error(error: DomainError) -> Response:
    return error_response(error)


def handle_http_exception(error: HTTPException) -> Response:
    """What Werkzeug answers by itself (routing, limits), as the contract's error."""
    status = error.code or 500
    domain_error = errors.protocol_error(
        status, method=request.method, path=request.path, request_id=_request_id()
    )
    allow = dict(error.get_headers()).get("Allow") if status == 405 else None
    return error_response(domain_error, allow)


def handle_unexpected_error(error: Exception) -> Response:
    answer = errors.unexpected_error(
        error, method=request.method, path=request.path, request_id=_request_id()
    )
    return Response(answer.body, answer.status, answer.headers, content_type="application/json")


def _request_id() -> str:
    rid: str = request.environ.get(REQUEST_ID_KEY, "-")
    return rid


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)
