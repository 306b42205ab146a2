"""Security events in the log of a live server (SECURITY.md, "Security events"): each front end is
started as in production, with its output captured to a file, and sent one request per event
(each with an X-Request-ID of its own): failed logins, refused or missing tokens, and 403s. The
log must hold exactly the expected event line for each, the same on every front end, and no
password, token or signing key anywhere in the whole run's output.

The servers are our own (whatever `--mode`), on `--database`; an external `--base-url` is skipped.
"""

from __future__ import annotations

import json
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from contract_tests.helpers import (
    PASSWORD,
    Account,
    bearer,
    claims_for,
    forge,
    hand_signed,
    kid_of,
    login,
    new_customer,
    unique_email,
)
from contract_tests.targets import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    JWT_SECRET,
    OLD_JWT_SECRET,
    TLS,
    Target,
    server_env,
    start_live,
)
from devtools.databases import fresh_database
from devtools.servers import FRONT_ENDS

WRONG_PASSWORD = "events-wrong-password-4711"
OTHER_SECRET = "events-attacker-secret-0123456789abcdef"
UNKNOWN_USER_ID = 10**12


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "front_end" in metafunc.fixturenames:
        config = metafunc.config
        names = (
            ["external"] if config.getoption("base_url") else (config.getoption("front_end") or FRONT_ENDS)
        )
        metafunc.parametrize("front_end", list(names), scope="session")


@dataclass(frozen=True)
class Probe:
    """One request and the security event it must log (None: it must log none)."""

    label: str
    method: str
    path: str
    event: dict[str, Any] | None
    status: int
    token: str | None = None
    body: dict[str, Any] | None = None
    request_id: str = field(default_factory=lambda: f"events-{uuid.uuid4().hex}")


@dataclass(frozen=True)
class Run:
    front_end: str
    log: str
    probes: list[Probe]
    secrets: list[str]

    @property
    def lines(self) -> list[str]:
        return self.log.splitlines()

    def records(self) -> list[dict[str, Any]]:
        """Every JSON line of the log (the servers' own start-up lines are plain text)."""
        found = []
        for line in self.lines:
            if line.startswith("{"):
                found.append(json.loads(line))
        return found

    def security_events(self, request_id: str) -> list[dict[str, Any]]:
        return [r for r in self.records() if r.get("request_id") == request_id and r["event"] != "request"]


class Runs:
    """Each front end started, probed and stopped once per session, on first use."""

    def __init__(self, config: pytest.Config, tmp: pytest.TempPathFactory) -> None:
        self._config, self._tmp = config, tmp
        self._done: dict[str, Run] = {}

    def get(self, front_end: str) -> Run:
        if front_end == "external":
            pytest.skip(
                "starts servers of our own front ends and reads their logs (not possible for --base-url)"
            )
        if front_end not in self._done:
            self._done[front_end] = self._run(front_end)
        return self._done[front_end]

    def _run(self, front_end: str) -> Run:
        workdir = self._tmp.mktemp(f"events-{front_end}")
        with ExitStack() as stack:
            database = self._config.getoption("database")
            url = stack.enter_context(fresh_database(database, workdir, f"events_{front_end}"))
            env = {**server_env(url), "LOG_REQUESTS": "true", "LOG_LEVEL": "INFO"}
            base_url, _ = start_live(stack, front_end, env, workdir)
            with httpx.Client(base_url=base_url, timeout=30.0, verify=TLS) as client:
                target = Target(front_end, base_url, ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, OLD_JWT_SECRET)
                probes, tokens = _probe(client, target)
        # The server has stopped: every line it wrote is in the file.
        log = (workdir / "server.log").read_text()
        return Run(front_end, log, probes, [ADMIN_PASSWORD, PASSWORD, WRONG_PASSWORD, *_secrets_of(tokens)])


def _secrets_of(tokens: list[str]) -> list[str]:
    """Each token, and its payload and signature alone (a log must hold no part of one)."""
    parts = list(tokens)
    for token in tokens:
        parts.extend(part for part in token.split(".")[1:] if len(part) >= 16)
    return [*parts, JWT_SECRET, OLD_JWT_SECRET]


def _probe(client: httpx.Client, target: Target) -> tuple[list[Probe], list[str]]:
    admin = login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    customer = new_customer(client)
    gone = new_customer(client)
    response = client.delete(f"/v1/users/{gone.id}", headers=admin.headers)
    assert response.status_code == 204, response.text
    kid = kid_of(JWT_SECRET)
    now = int(time.time())
    stranger = Account({"id": UNKNOWN_USER_ID, "role": "customer"}, "", "", "")

    def login_failed(email: str, reason: str) -> dict[str, Any]:
        return {"event": "login_failed", "level": "WARNING", "email": email, "reason": reason}

    def rejected(reason: str, user_id: int | None = None) -> dict[str, Any]:
        return {
            "event": "token_rejected",
            "level": "WARNING",
            "reason": reason,
            "user_id": user_id,
            "operation_id": "read_me",
        }

    def forbidden(operation_id: str) -> dict[str, Any]:
        return {
            "event": "forbidden",
            "level": "WARNING",
            "user_id": customer.id,
            "role": "customer",
            "operation_id": operation_id,
        }

    unknown = unique_email("nobody")
    login_path, me = "/v1/auth/token", "/v1/users/me"
    probes = [
        Probe("wrong password", "POST", login_path, login_failed(customer.email, "wrong_password"), 401,
              body={"email": customer.email, "password": WRONG_PASSWORD}),
        Probe("unknown email", "POST", login_path, login_failed(unknown, "unknown_email"), 401,
              body={"email": unknown, "password": PASSWORD}),
        Probe("deactivated user's login", "POST", login_path, login_failed(gone.email, "inactive_user"), 401,
              body={"email": gone.email, "password": PASSWORD}),
        Probe("no token, protected route", "GET", me,
              {"event": "token_missing", "level": "INFO", "operation_id": "read_me"}, 401),
        Probe("malformed token", "GET", me, rejected("malformed"), 401, token="not-a-jwt"),
        Probe("expired token", "GET", me, rejected("expired"), 401,
              token=forge(target, customer, claims={"iat": now - 1000, "exp": now - 100})),
        Probe("token signed with another key", "GET", me, rejected("bad_signature"), 401,
              token=forge(target, customer, secret=OTHER_SECRET, kid=kid)),
        Probe("unknown kid", "GET", me, rejected("unknown_kid"), 401,
              token=forge(target, customer, secret=OTHER_SECRET)),
        Probe("wrong issuer", "GET", me, rejected("wrong_issuer"), 401,
              token=forge(target, customer, claims={"iss": "someone-else"})),
        Probe("alg none", "GET", me, rejected("bad_algorithm"), 401,
              token=hand_signed({"alg": "none", "kid": kid}, claims_for(target, customer), JWT_SECRET)),
        Probe("deactivated user's token", "GET", me, rejected("inactive_user", gone.id), 401,
              token=gone.token),
        Probe("unknown user's token", "GET", me, rejected("unknown_user", UNKNOWN_USER_ID), 401,
              token=forge(target, stranger)),
        Probe("customer creates a product", "POST", "/v1/products", forbidden("create_product"), 403,
              token=customer.token, body={"name": "Forbidden", "price_cents": 100, "stock": 1}),
        Probe("customer lists users", "GET", "/v1/users", forbidden("list_users"), 403, token=customer.token),
        Probe("customer changes a role", "PATCH", f"/v1/users/{customer.id}", forbidden("update_user"), 403,
              token=customer.token, body={"role": "admin"}),
        Probe("customer filters by user", "GET", "/v1/orders?user_id=1", forbidden("list_orders"), 403,
              token=customer.token),
        Probe("valid token", "GET", me, None, 200, token=customer.token),
        Probe("public route, no token", "GET", "/v1/products", None, 200),
        Probe("good login", "POST", login_path, None, 200,
              body={"email": customer.email, "password": PASSWORD}),
    ]  # fmt: skip
    sent = [admin.token, customer.token, gone.token]
    for probe in probes:
        headers = {"X-Request-ID": probe.request_id, **(bearer(probe.token) if probe.token else {})}
        response = client.request(probe.method, probe.path, json=probe.body, headers=headers)
        assert response.status_code == probe.status, (probe.label, response.text)
        assert response.headers["X-Request-ID"] == probe.request_id
        if probe.token:
            sent.append(probe.token)
        if response.status_code == 200 and probe.path == login_path:
            sent.append(response.json()["access_token"])
    return probes, sent


@pytest.fixture(scope="session")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(request.config, tmp_path_factory)


@pytest.fixture(scope="session")
def run(front_end: str, runs: Runs) -> Run:
    return runs.get(front_end)


@pytest.mark.parametrize("kind", ["login_failed", "token", "forbidden", None])
def test_each_request_logs_exactly_its_security_event_with_its_request_id(run: Run, kind: str | None) -> None:
    """kind None: requests that succeed, or need no token, log no security event."""
    probes = [
        probe
        for probe in run.probes
        if (probe.event is None if kind is None else probe.event and probe.event["event"].startswith(kind))
    ]
    assert probes
    for probe in probes:
        expected = [] if probe.event is None else [{**probe.event, "request_id": probe.request_id}]
        assert run.security_events(probe.request_id) == expected, probe.label


def test_each_event_is_a_request_of_the_access_log_with_the_status_the_client_saw(run: Run) -> None:
    requests = {(r["request_id"], r["status"]) for r in run.records() if r["event"] == "request"}
    for probe in run.probes:
        assert (probe.request_id, probe.status) in requests, probe.label


def test_no_password_token_or_key_in_any_line_of_the_log(run: Run) -> None:
    assert len(run.records()) >= len(run.probes)  # the log was captured: access lines and events
    for line in run.lines:
        for secret in run.secrets:
            assert secret not in line, f"a secret ({secret[:4]}…) in the log: {line[:200]}"


def test_same_events_and_fields_on_every_front_end(runs: Runs, request: pytest.FixtureRequest) -> None:
    names = request.config.getoption("front_end") or FRONT_ENDS
    if request.config.getoption("base_url") or len(names) < 2:
        pytest.skip("compares front ends: needs at least two of our own")
    shapes = {}
    for name in names:
        run = runs.get(name)
        # Field names and every value but the ones that differ by run (ids, emails).
        shapes[name] = {
            probe.label: [
                (
                    sorted(event),
                    event["event"],
                    event["level"],
                    event.get("reason"),
                    event.get("operation_id"),
                )
                for event in run.security_events(probe.request_id)
            ]
            for probe in run.probes
        }
    first, *others = names
    for name in others:
        assert shapes[name] == shapes[first], (first, name)
