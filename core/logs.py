"""Structured logs, one JSON object a line: each request on `shop.access`, unexpected errors on
`shop.error`, security events on `shop.security` (SECURITY.md, "Security events").

A request's log context (its id, and the operation its access check guards) is set as the request
goes: `begin_request` when its id is decided (core.http.context.request_id, called by every front
end's middleware), `bind_operation` by the access check (core.services.users.authenticate). It is
one mutable list in a context variable, so that code running in a copied context (a threadpool
thread, a greenlet) sees, and adds to, the request's own (as core/sqlcount.py).
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from typing import Any, Literal

from core.settings import Settings

access_log = logging.getLogger("shop.access")
error_log = logging.getLogger("shop.error")
security_log = logging.getLogger("shop.security")

LoginFailure = Literal["unknown_email", "wrong_password", "inactive_user"]
TokenRejection = Literal[
    "missing",  # logged as its own event, `token_missing`, at INFO
    "malformed",
    "oversized",
    "unknown_kid",
    "bad_algorithm",
    "bad_signature",
    "expired",
    "not_yet_valid",
    "wrong_issuer",
    "invalid_claims",
    "unknown_user",
    "inactive_user",
]


# One mutable [request id, operation id] per request: code running in a copied context (a
# threadpool thread, a greenlet) sees, and adds to, the request's own. A list, as in
# core/sqlcount.py: it is made on every request's path, and a dataclass costs three times as much.
_request: ContextVar[list[str | None] | None] = ContextVar("shop_request_log", default=None)
_ID, _OPERATION = 0, 1
NO_REQUEST_ID = "-"


def begin_request(request_id: str) -> None:
    _request.set([request_id, None])


def bind_operation(operation_id: str) -> None:
    """Name the operation (OpenAPI operationId) the current request's access check guards."""
    context = _request.get()
    if context is None:  # outside a request (a script, a unit test)
        context = [NO_REQUEST_ID, None]
        _request.set(context)
    context[_OPERATION] = operation_id


def _context() -> list[str | None]:
    return _request.get() or [NO_REQUEST_ID, None]


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for logger in (access_log, error_log, security_log):
        logger.handlers[:] = [handler]
        logger.setLevel(settings.log_level)
        logger.propagate = False
    access_log.disabled = not settings.log_requests


def log_request(method: str, path: str, status: int, duration_ms: float, request_id: str) -> None:
    if access_log.disabled:
        return
    access_log.info(
        json.dumps(
            {
                "event": "request",
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(duration_ms, 2),
                "request_id": request_id,
            }
        )
    )


def log_unexpected_error(error: BaseException, method: str, path: str, request_id: str) -> None:
    """Log an unexpected exception with its trace, tagged with the request id."""
    error_log.error(
        json.dumps({"event": "unhandled_error", "method": method, "path": path, "request_id": request_id}),
        exc_info=error,
    )


def log_unexpected_status(status: int, method: str, path: str, request_id: str) -> None:
    """A status the framework answered by itself that the contract has no error for."""
    error_log.error(
        json.dumps(
            {
                "event": "unexpected_status",
                "status": status,
                "method": method,
                "path": path,
                "request_id": request_id,
            }
        )
    )


# --- security events: never a password, a token or a key, only what names the attempt ---------


def log_login_failed(email: str, reason: LoginFailure) -> None:
    """A refused login; the client gets one `invalid_credentials` for every reason."""
    _security_event(logging.WARNING, "login_failed", email=email, reason=reason)


def log_token_rejected(reason: TokenRejection, user_id: int | None) -> None:
    """A refused token (`user_id`: its subject, only once its signature verified), or none on a
    route that needs one (`token_missing`, INFO: clients that are not signed in, not an attack)."""
    operation_id = _context()[_OPERATION]
    if reason == "missing":
        _security_event(logging.INFO, "token_missing", operation_id=operation_id)
        return
    _security_event(
        logging.WARNING, "token_rejected", reason=reason, user_id=user_id, operation_id=operation_id
    )


def log_forbidden(user_id: int, role: str) -> None:
    """A signed-in user whose role does not allow the operation (a 403)."""
    _security_event(
        logging.WARNING, "forbidden", user_id=user_id, role=role, operation_id=_context()[_OPERATION]
    )


def _security_event(level: int, event: str, **fields: Any) -> None:
    if security_log.isEnabledFor(level):
        line = {"event": event, "level": logging.getLevelName(level), "request_id": _context()[_ID]}
        security_log.log(level, json.dumps({**line, **fields}))
