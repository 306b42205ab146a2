"""Conditional requests: If-Match parsed for the services, If-None-Match answered here."""

from __future__ import annotations

from core.etags import IfMatch


def _entity_tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def parse_if_match(header: str | None) -> IfMatch | None:
    """No header means no precondition (None); an empty one matches nothing."""
    return None if header is None else IfMatch(frozenset(_entity_tags(header)))


def if_none_match_hits(header: str | None, etag: str) -> bool:
    """Weak comparison: `W/"3"` matches `"3"`."""
    if header is None:
        return False
    tags = [tag.removeprefix("W/") for tag in _entity_tags(header)]
    return "*" in tags or etag.removeprefix("W/") in tags
