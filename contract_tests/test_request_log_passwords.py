"""No password in the request log (contract §2: passwords are never logged): a live server of each
front end runs with request logging on at DEBUG level, its output captured to a file, and is sent
every kind of request that carries a password — register, login, change of password — answered
201, 200, 400, 401, 409, 413 and 422, each password a marker of its own. The log must hold each
request's line and no marker. (test_security_events.py checks the security events and a wider
set of secrets at INFO level; this one is about the request log around password bodies.)

Live only: logging is configured per process, and the in-process servers share the test's."""

from __future__ import annotations

import json
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from contract_tests.helpers import CLOSE, JSON, bearer, unique_email
from contract_tests.targets import TLS, Target, server_env, start_live
from devtools.databases import fresh_database


@dataclass(frozen=True)
class Run:
    log: str
    markers: list[str]
    answers: dict[str, int]  # request id -> status the client saw


def marker(label: str) -> str:
    return f"pw-{label}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def run(target: Target, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    if target.jwt_secret is None:
        pytest.skip("starts a server of our own front ends and reads its log (not possible for --base-url)")
    if request.config.getoption("mode") != "live":
        pytest.skip("reads a server's captured output: logging is per process, so this needs --mode=live")
    workdir = tmp_path_factory.mktemp(f"request-log-{target.name}")
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database(request.config.getoption("database"), workdir, "logs"))
        env = {**server_env(url), "LOG_REQUESTS": "true", "LOG_LEVEL": "DEBUG"}
        base_url, _ = start_live(stack, target.name, env, workdir)
        with httpx.Client(base_url=base_url, timeout=30.0, verify=TLS) as client:
            markers, answers = send_passwords(client, target.max_body_bytes)
    # The server has stopped: every line it wrote is in the file.
    return Run((workdir / "server.log").read_text(), markers, answers)


def send_passwords(client: httpx.Client, max_body_bytes: int) -> tuple[list[str], dict[str, int]]:
    first, second, new, wrong, short = (marker(label) for label in ("first", "second", "new", "wrong", "x"))
    short = short[:7]  # below the 8 characters a password needs
    malformed, oversized = marker("malformed"), marker("oversized")
    email = unique_email("log")
    answers: dict[str, int] = {}

    def send(expected: int, method: str, path: str, **kwargs: Any) -> httpx.Response:
        request_id = f"log-{uuid.uuid4().hex}"
        headers = {**kwargs.pop("headers", {}), "X-Request-ID": request_id}
        response = client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expected, (method, path, response.text)
        answers[request_id] = expected
        return response

    register = "/v1/auth/register"
    user = send(201, "POST", register, json={"email": email, "password": first, "name": "Log"}).json()
    send(409, "POST", register, json={"email": email, "password": second, "name": "Log"})
    send(422, "POST", register, json={"email": "not-an-email", "password": second, "name": "Log"})
    send(422, "POST", register, json={"email": unique_email(), "password": short, "name": "Log"})
    send(400, "POST", register, content=f'{{"password": "{malformed}"'.encode(), headers=JSON)
    padding = "x" * max_body_bytes
    huge = json.dumps({"email": email, "password": oversized, "name": padding}).encode()
    send(413, "POST", register, content=huge, headers={**JSON, **CLOSE})
    token = send(200, "POST", "/v1/auth/token", json={"email": email, "password": first}).json()[
        "access_token"
    ]
    send(401, "POST", "/v1/auth/token", json={"email": email, "password": wrong})
    path = f"/v1/users/{user['id']}"
    send(422, "PATCH", path, json={"password": short}, headers=bearer(token))
    send(200, "PATCH", path, json={"password": new}, headers=bearer(token))
    send(401, "POST", "/v1/auth/token", json={"email": email, "password": first})
    send(200, "POST", "/v1/auth/token", json={"email": email, "password": new})
    return [first, second, new, wrong, short, malformed, oversized], answers


def test_every_request_with_a_password_is_in_the_request_log(run: Run) -> None:
    logged = {}
    for line in run.log.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == "request":
                logged[record["request_id"]] = record["status"]
    assert {rid: logged.get(rid) for rid in run.answers} == run.answers


def test_no_password_appears_in_the_request_log(run: Run) -> None:
    assert run.log.count("\n") >= len(run.answers), "the log was captured"
    for password in run.markers:
        assert password not in run.log, f"password {password!r} in the server log"
