"""Domain errors, each carrying the contract's status and error code.

* DomainError
  x MalformedJson          400 malformed_json
  x Unauthorized           401 unauthorized
  x InvalidCredentials     401 invalid_credentials
  x Forbidden              403 forbidden
  x NotFound               404 not_found
  x MethodNotAllowed       405 method_not_allowed
  x Conflict               409 (code per case)
    x EmailTaken             email_taken
    x InsufficientStock      insufficient_stock (details)
    x InvalidStatusTransition invalid_status_transition
    x IdempotencyKeyReused   idempotency_key_reused
    x ProductInUse           product_in_use
  x PreconditionFailed     412 precondition_failed
  x PayloadTooLarge        413 payload_too_large
  x UnsupportedMediaType   415 unsupported_media_type
  x InvalidInput           422 validation_error (details)
  x ServiceUnavailable     503 service_unavailable

The status int is the only HTTP notion here; `core.http.errors` turns a DomainError into an
answer for every front end. Anything else is a 500 `internal_error` with a fixed message (the
base class itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

Detail = dict[str, str]

INTERNAL_ERROR_MESSAGE = "Internal server error"


def error_body(code: str, message: str, details: list[Detail] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    return body


class DomainError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = INTERNAL_ERROR_MESSAGE

    def __init__(self, message: str | None = None, details: list[Detail] | None = None) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


class MalformedJson(DomainError):
    status, code, default_message = 400, "malformed_json", "Request body is not valid JSON"


class Unauthorized(DomainError):
    status, code, default_message = 401, "unauthorized", "Missing or invalid access token"


class InvalidCredentials(DomainError):
    status, code, default_message = 401, "invalid_credentials", "Wrong email or password"


class Forbidden(DomainError):
    status, code, default_message = 403, "forbidden", "Your role does not allow this action"


class NotFound(DomainError):
    status, code, default_message = 404, "not_found", "Resource not found"


class MethodNotAllowed(DomainError):
    status, code, default_message = 405, "method_not_allowed", "Method not allowed for this resource"


class Conflict(DomainError):
    status = 409


class EmailTaken(Conflict):
    code, default_message = "email_taken", "This email is already registered"


class InsufficientStock(Conflict):
    code, default_message = "insufficient_stock", "Not enough stock for some items"


class InvalidStatusTransition(Conflict):
    code, default_message = "invalid_status_transition", "This status change is not allowed"


class IdempotencyKeyReused(Conflict):
    code, default_message = "idempotency_key_reused", "Idempotency-Key was used with a different request"


class ProductInUse(Conflict):
    code, default_message = "product_in_use", "The product is referenced by orders"


class PreconditionFailed(DomainError):
    status, code, default_message = 412, "precondition_failed", "If-Match does not match the current ETag"


class PayloadTooLarge(DomainError):
    status, code, default_message = 413, "payload_too_large", "Request body is too large"


class UnsupportedMediaType(DomainError):
    status, code, default_message = 415, "unsupported_media_type", "Request body must be application/json"


class InvalidInput(DomainError):
    status, code, default_message = 422, "validation_error", "Request is invalid"


class ServiceUnavailable(DomainError):
    status, code, default_message = 503, "service_unavailable", "The database cannot be reached"


def invalid_fields(fields: Iterable[str], message: str) -> InvalidInput:
    """One InvalidInput naming each field with the same message."""
    return InvalidInput(details=[{"field": field, "message": message} for field in fields])


def details_from_pydantic(errors: Sequence[Any], drop_prefix: tuple[str, ...] = ()) -> list[Detail]:
    """Turn pydantic error dicts into contract details: `loc` becomes a dotted field.

    `drop_prefix` lists location heads to strip (FastAPI prefixes with body/query/header/path);
    an empty location names the whole body.
    """
    details: list[Detail] = []
    for error in errors:
        loc = [str(part) for part in error["loc"]]
        if loc and loc[0] in drop_prefix:
            loc = loc[1:]
        details.append({"field": ".".join(loc) or "body", "message": str(error["msg"])})
    return details
