"""How the verification gate reads an answer and words what is wrong with it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx

from core.models import Product

PRODUCT_KEYS = {"id", "name", "description", "price_cents", "stock", "created_at", "updated_at"}


class Expect:
    """Records the failures of one named check as sentences."""

    def __init__(self, check: str, failures: list[str]) -> None:
        self.check, self.failures = check, failures

    def __call__(self, ok: bool, sentence: str) -> None:
        if not ok:
            self.failures.append(f"{self.check}: {sentence}")

    def answer(self, ok: bool, request: str, response: httpx.Response, wanted: str) -> None:
        self(ok, f"{request} answered {response.status_code} {short(response.text)}, not {wanted}")

    def error(self, request: str, response: httpx.Response, status: int, code: str) -> None:
        """The contract's error body: exactly `error` and a non-empty `message`."""
        body = json_object(response)
        ok = response.status_code == status and set(body) == {"error", "message"} and body["error"] == code
        ok = ok and isinstance(body["message"], str) and body["message"] != ""
        self.answer(ok, request, response, f"{status} {{'error': {code!r}, 'message': ...}}")
        if code == "unauthorized":
            bearer = response.headers.get("WWW-Authenticate") == "Bearer"
            self(bearer, f"{request} answered without WWW-Authenticate: Bearer")


# --- comparisons -------------------------------------------------------------------------------


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The JSON object answered, or {} for anything else."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def instant(value: object, pattern: re.Pattern[str]) -> datetime | None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:  # well-formed but impossible, such as month 13
        return None


def product_mismatch(body: dict[str, Any], row: Product, timestamps: re.Pattern[str]) -> str | None:
    """How `body` differs from the product's row (None when it does not)."""
    if set(body) != PRODUCT_KEYS:
        return f"its fields are {sorted(body)}"
    for key in ("id", "name", "description", "price_cents", "stock"):
        expected = getattr(row, key)
        if (type(body[key]), body[key]) != (type(expected), expected):
            return f"{key} is {short(body[key])}, the database has {expected!r}"
    for key in ("created_at", "updated_at"):
        if instant(body[key], timestamps) != getattr(row, key):
            return f"{key} is {short(body[key])}, the database has {getattr(row, key).isoformat()}"
    return None


def page_ids(body: dict[str, Any]) -> list[Any] | None:
    items = body.get("items")
    if not isinstance(items, list):
        return None
    return [item.get("id") if isinstance(item, dict) else item for item in items]
