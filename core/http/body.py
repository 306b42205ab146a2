"""The contract's request-body checks, in its order: size 413, media type 415, syntax 400."""

from __future__ import annotations

import json
from collections.abc import Iterable
from email.message import Message
from typing import Any

from core.errors import MalformedJson, PayloadTooLarge, UnsupportedMediaType

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Deeper JSON is refused (400) at one fixed depth: left to the parser, the cut-off would be
# wherever the interpreter's stack runs out, which differs between the front ends.
MAX_JSON_DEPTH = 32


def is_json_media_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = Message()
    message["content-type"] = content_type
    return message.get_content_type() == "application/json"


def parse_json_body(method: str, content_type: str | None, body: bytes, max_bytes: int) -> Any:
    """Apply the contract's body checks in its order: size 413, media type 415, syntax 400.

    Returns the parsed JSON, or None when there is no body and the method does not need one.
    """
    if len(body) > max_bytes:
        raise PayloadTooLarge()
    if not body:
        if method in BODY_METHODS:
            raise MalformedJson("Request body is required")
        return None
    if not is_json_media_type(content_type):
        raise UnsupportedMediaType()
    try:
        parsed = json.loads(body, parse_constant=_reject_non_json_constant)
    except (ValueError, RecursionError):
        raise MalformedJson() from None
    # Counting brackets first skips the walk for almost every body.
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and _nested_deeper(parsed, MAX_JSON_DEPTH):
        raise MalformedJson(f"Request body is nested deeper than {MAX_JSON_DEPTH} levels")
    return parsed


def _nested_deeper(value: Any, depth: int) -> bool:
    """Whether `value` holds arrays or objects nested more than `depth` levels deep."""
    if isinstance(value, dict):
        children: Iterable[Any] = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return False
    return depth == 0 or any(_nested_deeper(child, depth - 1) for child in children)


def _reject_non_json_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON does not.
    raise ValueError(f"{name} is not JSON")
