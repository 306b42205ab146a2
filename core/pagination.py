"""Opaque keyset cursors: the id of the last item served, so a deep page costs what the first does."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Protocol, TypeVar

from core.errors import invalid_fields
from core.ids import MAX_ID
from core.schemas import Page

_PREFIX = "after:"
_CURSOR_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor points after, or None for the first page; 422 naming `cursor` if bad."""
    if cursor is None:
        return None
    try:
        if not _CURSOR_SHAPE.match(cursor):
            raise ValueError(cursor)
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(_PREFIX):
            raise ValueError(text)
        last_id = int(text.removeprefix(_PREFIX))
        if not 0 < last_id <= MAX_ID or encode_cursor(last_id) != cursor:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid_fields(["cursor"], "not a cursor returned by this API") from None
    return last_id


class HasId(Protocol):
    @property
    def id(self) -> int: ...


ItemT = TypeVar("ItemT", bound=HasId)


def make_page(rows: list[ItemT], limit: int) -> Page[ItemT]:
    """A page from up to limit+1 rows: the extra row only tells that another page exists."""
    if len(rows) > limit:
        return Page(items=rows[:limit], next_cursor=encode_cursor(rows[limit - 1].id))
    return Page(items=rows, next_cursor=None)
