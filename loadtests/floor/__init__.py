"""The floor: the least a framework can do for two of our routes, to measure our own overhead.

Each app has a hello-JSON route and a read-by-primary-key route with plain SQLAlchemy, and
nothing else: no middleware, auth, validation, error mapping or pydantic serialization.
"""

from __future__ import annotations

from typing import Any

from core.models import Product


def as_json(product: Product) -> dict[str, Any]:
    """The same fields our API returns, without pydantic."""
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "price_cents": product.price_cents,
        "stock": product.stock,
        "created_at": product.created_at.isoformat(),
        "updated_at": product.updated_at.isoformat(),
    }
