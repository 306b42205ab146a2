"""Keyset cursors: the id of the last item served, so a deep page costs what the first does.

A cursor is that id in decimal, so the OpenAPI documents can say exactly which strings are
cursors (the pattern of `core.schemas.Cursor`)."""

from __future__ import annotations

from typing import Protocol, TypeVar

from core.errors import invalid_fields
from core.ids import is_canonical_id
from core.schemas import Page


def encode_cursor(last_id: int) -> str:
    return str(last_id)


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor points after, or None for the first page; 422 naming `cursor` if bad."""
    if cursor is None:
        return None
    if not is_canonical_id(cursor):
        raise invalid_fields(["cursor"], "not a cursor returned by this API")
    return int(cursor)


class HasId(Protocol):
    @property
    def id(self) -> int: ...


ItemT = TypeVar("ItemT", bound=HasId)


def make_page(rows: list[ItemT], limit: int) -> Page[ItemT]:
    """A page from up to limit+1 rows: the extra row only tells that another page exists."""
    if len(rows) > limit:
        return Page(items=rows[:limit], next_cursor=encode_cursor(rows[limit - 1].id))
    return Page(items=rows, next_cursor=None)
