"""A product's version as its entity tag, and the If-Match precondition as a value (parsed from
the header by `core.http.conditional`)."""

from __future__ import annotations

from dataclasses import dataclass


def etag_for(version: int) -> str:
    return f'"{version}"'


@dataclass(frozen=True)
class IfMatch:
    """The entity tags a write is allowed against (`*`: any)."""

    tags: frozenset[str]

    def allows(self, etag: str) -> bool:
        """Strong comparison: a weak tag never matches."""
        return "*" in self.tags or etag in self.tags
