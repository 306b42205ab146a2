"""URL rules: the id converter (`<id:product_id>`), as fastapi_impl/routing.py registers its own."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import BaseConverter

from core.ids import ID_PATTERN


class IdConverter(BaseConverter):
    """Only canonical positive 64-bit ids match; anything else is an unknown route (404)."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(value)
