"""The floor: the least each framework can do for two of our routes, to measure our own overhead.

A floor app does the same job as the implementation with nothing of ours around it:

* `GET /hello` answers `{"message":"hello"}` from bytes encoded once, at import.
* `GET /products/{id}` runs the implementation's query (`session.get(Product, id)` in a
  `core.db.Database.read()` transaction, on the same engine settings and pool size) and encodes
  the row straight to JSON bytes with the standard library: the same fields and the same
  timestamp form as `ProductPublic`, no pydantic. An unknown id is a 404 with the contract's body.

Both answer with the framework's raw response class and an explicit Content-Type: no middleware,
no validation, no error mapping, no framework JSON encoding. A floor must never do more than the
implementation for the same bytes, or a share above 100 % measures the floor, not us.

Concurrency is the implementation's: each server runs a floor with the same workers and threads,
and FastAPI's product route stays a sync `def` on the same THREADPOOL_LIMIT threadpool because
our read is sync. An `async def` floor with an async driver would measure the threadpool choice,
not our overhead; whether the implementation should read asynchronously is another question.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from core.db import Database
from core.models import Product

JSON = "application/json"
HELLO = b'{"message":"hello"}'
NOT_FOUND = b'{"error":"not_found","message":"Resource not found"}'
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def database() -> Database:
    """The implementation's Database, sized as the server's runtime sizes it."""
    return Database(os.environ["DATABASE_URL"], int(os.environ.get("DB_POOL_SIZE", "10")))


def rfc3339(value: datetime) -> str:
    """The API's timestamp form (core.schemas.Timestamp): RFC 3339 in UTC, microseconds, `Z`."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def threadpool_limit() -> int:
    return int(os.environ.get("THREADPOOL_LIMIT", "40"))


def read_product_json(db: Database, product_id: int) -> bytes | None:
    """The product as the API's JSON bytes, or None if there is no such product."""
    with db.read() as session:
        product = session.get(Product, product_id)
        if product is None:
            return None
        return _encode(
            {
                "id": product.id,
                "name": product.name,
                "description": product.description,
                "price_cents": product.price_cents,
                "stock": product.stock,
                "created_at": rfc3339(product.created_at),
                "updated_at": rfc3339(product.updated_at),
            }
        ).encode()
