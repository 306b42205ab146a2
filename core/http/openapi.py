"""What the front ends' OpenAPI documents must agree on beyond the schemas: which errors each
operation can answer. Each front end attaches these to its own routes; the route functions have
the same names in every front end, and those names are the operation ids.

422 is listed for every operation that takes a parameter or a body: path ids are routed by
pattern, but an OpenAPI client cannot know that (and FastAPI documents it for them too)."""

from __future__ import annotations

from http import HTTPStatus

BODY_ERRORS = (400, 413, 415, 422)

ERROR_STATUSES: dict[str, tuple[int, ...]] = {
    "health": (),
    "ready": (503,),
    "register_user": (*BODY_ERRORS, 409),
    "issue_token": (*BODY_ERRORS, 401),
    "read_me": (401,),
    "list_users": (401, 403, 422),
    "read_user": (401, 404, 422),
    "update_user": (*BODY_ERRORS, 401, 403, 404),
    "delete_user": (401, 404, 422),
    "list_products": (422,),
    "read_product": (404, 422),
    "create_product": (*BODY_ERRORS, 401, 403),
    "replace_product": (*BODY_ERRORS, 401, 403, 404, 412),
    "update_product": (*BODY_ERRORS, 401, 403, 404, 412),
    "delete_product": (401, 403, 404, 409, 412, 422),
    "place_order": (*BODY_ERRORS, 401, 409),
    "list_orders": (401, 403, 422),
    "read_order": (401, 404, 422),
    "change_order_status": (*BODY_ERRORS, 401, 403, 404, 409),
}


# Non-error answers besides the main success status.
OTHER_STATUSES: dict[str, tuple[int, ...]] = {"read_product": (304,)}


def extra_statuses(operation_id: str) -> list[int]:
    """Every documented status besides the operation's success status."""
    return sorted({*ERROR_STATUSES[operation_id], *OTHER_STATUSES.get(operation_id, ())})


def describe(status: int) -> str:
    return HTTPStatus(status).phrase


API_TITLE = "Shop API"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "The shop contract v1: users, products, orders, JWT auth with roles. "
    "Normative text: docs/api-contract.md in the repository."
)
BEARER_SCHEME_NAME = "HTTPBearer"
BEARER_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
