"""How an error becomes an HTTP answer, written once for every front end: the contract's error
for each status a framework raises itself, the `WWW-Authenticate` rule, and the 500 for anything
unexpected (logged the same way everywhere)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from core.errors import (
    DomainError,
    MalformedJson,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from core.logs import log_unexpected_error, log_unexpected_status

# The statuses a framework answers by itself (routing, body limits); any other is a bug.
PROTOCOL_ERRORS: dict[int, type[DomainError]] = {
    400: MalformedJson,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}


@dataclass(frozen=True)
class ErrorAnswer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def answer(error: DomainError, allow: str | None = None) -> ErrorAnswer:
    """The contract's JSON body; a 401 names the scheme to use (RFC 6750), a 405 the methods."""
    headers: dict[str, str] = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if allow is not None:
        headers["Allow"] = allow
    body = json.dumps(error.body(), ensure_ascii=False, separators=(",", ":")).encode()
    return ErrorAnswer(error.status, body, headers)


def protocol_error(status: int, *, method: str, path: str, request_id: str) -> DomainError:
    """The contract's error for a status the framework answered by itself. Any other status is
    unexpected: logged, and answered as a 500."""
    error = PROTOCOL_ERRORS.get(status)
    if error is None:
        log_unexpected_status(status, method, path, request_id)
        return DomainError()
    return error()


def unexpected_error(error: BaseException, *, method: str, path: str, request_id: str) -> ErrorAnswer:
    """The 500 for an exception nothing else handled, logged with its trace."""
    log_unexpected_error(error, method, path, request_id)
    return answer(DomainError())
