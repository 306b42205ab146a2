"""What the front ends must agree on, and how a disagreement is reported: every front end's
answer to the failing step and a standalone script that replays the sequence against a running server."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from contextlib import suppress
from string import Template
from typing import Any

import httpx

from contract_tests.differential.replay import Replayer
from contract_tests.differential.steps import Call
from contract_tests.helpers import TIMESTAMP
from contract_tests.targets import ADMIN_EMAIL, ADMIN_PASSWORD

# The contract's headers, and the security headers every front end sends (docs/api-contract.md, section 5).
COMPARED_HEADERS = ("Location", "ETag", "WWW-Authenticate", "Cache-Control", "X-Content-Type-Options")
# Frameworks may add these to Allow (contract §1).
FRAMEWORK_METHODS = {"HEAD", "OPTIONS"}


def observe(response: httpx.Response) -> dict[str, Any]:
    """The parts of a response every front end must agree on, with what the contract lets
    differ (generated values, human messages, the order of details) normalized away."""
    media_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    allow = response.headers.get("Allow")
    body: Any = response.text
    if media_type == "application/json":
        # Invalid JSON stays text, which the other side's valid JSON cannot match.
        with suppress(ValueError):
            body = _normalize(response.json())
    return {
        "status": response.status_code,
        "content_type": media_type,
        **{name: response.headers.get(name) for name in COMPARED_HEADERS},
        "Allow": None if allow is None else sorted({m.strip() for m in allow.split(",")} - FRAMEWORK_METHODS),
        "body": body,
    }


def _normalize(value: Any) -> Any:
    if isinstance(value, list):
        return [_normalize(item) for item in value]
    if not isinstance(value, dict):
        return value
    normalized = {key: _normalize_field(key, item) for key, item in value.items()}
    if isinstance(normalized.get("error"), str):
        if isinstance(normalized.get("message"), str):
            normalized["message"] = "<message>"
        details = normalized.get("details")
        if isinstance(details, list) and all(isinstance(d, dict) and "field" in d for d in details):
            normalized["details"] = sorted({str(detail["field"]) for detail in details})
    return normalized


def _normalize_field(key: str, value: Any) -> Any:
    if key in ("created_at", "updated_at") and isinstance(value, str) and TIMESTAMP.match(value):
        return "<timestamp>"
    if key in ("access_token", "next_cursor") and isinstance(value, str):
        return f"<{key}>"
    return _normalize(value)


def agree(responses: Sequence[httpx.Response]) -> bool:
    """Whether every front end's answer to one call agrees with Flask's (the first), none being
    a 5xx."""
    flask, *others = (observe(response) for response in responses)
    return all(other == flask for other in others) and all(r.status_code < 500 for r in responses)


def report(calls: Sequence[Call], responses: Sequence[httpx.Response]) -> str:
    """The last call's answers, what differs from Flask's, and a script that replays the calls."""
    observed = {response.request.url.host: observe(response) for response in responses}
    flask = observed["flask"]
    last = calls[-1]
    lines = [f"The front ends disagree at step {last.number}: {last.method} {last.path}", ""]
    for response in responses:
        shown = {name.lower() for name in (*COMPARED_HEADERS, "Allow")}
        headers = {k: v for k, v in response.headers.items() if k.lower() in shown}
        name = response.request.url.host
        lines.append(f"{name:>13}: {response.status_code} {response.headers.get('content-type')} {headers}")
        lines.append(f"{'':>13}  {response.text[:2000]}")
    lines += ["", "compared with Flask (after normalizing what the contract lets differ):"]
    lines += [
        f"  {key}: flask {flask[key]!r} / {name} {other[key]!r}"
        for name, other in observed.items()
        for key in flask
        if flask[key] != other[key]
    ]
    lines += ["", "The shortest failing sequence found, as a script:", "", script(calls)]
    return "\n".join(lines)


SCRIPT = Template('''\
"""Replays a differential-test sequence. Start the front end on a FRESH database whose bootstrap
admin is the contract suite's, e.g. from the repository root:

    export PYTHONPATH=. APP_ENV=development DATABASE_URL=sqlite:////tmp/replay.db \\
        ADMIN_EMAIL=$admin_email ADMIN_PASSWORD=$admin_password
    rm -f /tmp/replay.db* && .venv/bin/python -m alembic upgrade head
    .venv/bin/python -m gunicorn 'flask_impl.app:create_app()' -b 127.0.0.1:8001
    # or: .venv/bin/python -m uvicorn fastapi_impl.app:create_app --factory --port 8002
    # or: .venv/bin/python -m uvicorn fastapi_async_impl.app:create_app --factory --port 8003

then: python replay.py http://127.0.0.1:8001
"""

from __future__ import annotations

import sys
from typing import Any

import httpx


$replayer


def replay(client: httpx.Client) -> list[httpx.Response]:
    r = Replayer(client)
    return [
$calls
    ]


if __name__ == "__main__":
    with httpx.Client(base_url=sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8001") as client:
        for number, response in enumerate(replay(client), 1):
            print(f"{number}. {response.request.method} {response.request.url} -> {response.status_code}")
            print(f"   {response.headers}")
            print(f"   {response.text}")
''')


def script(calls: Sequence[Call]) -> str:
    """A standalone Python script (httpx only) that sends these calls to a server."""
    return SCRIPT.substitute(
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        replayer=inspect.getsource(Replayer).rstrip(),
        calls="\n".join(f"        r.call({', '.join(_arguments(call))})," for call in calls),
    )


def _arguments(call: Call) -> list[str]:
    keywords = [f"{name}={_literal(value)}" for name, value in call.kwargs.items()]
    return [str(call.number), repr(call.method), repr(call.path), *keywords]


def _literal(value: Any) -> str:
    """Python source for a value, with long runs of one character or item written as `x * n`."""
    if isinstance(value, str | bytes) and len(value) > 40 and len(set(value)) == 1:
        return f"{value[:1]!r} * {len(value)}"
    if isinstance(value, list) and len(value) > 3 and all(item == value[0] for item in value):
        return f"[{_literal(value[0])}] * {len(value)}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, tuple):
        items = [_literal(item) for item in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)
