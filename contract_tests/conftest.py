"""Hooks and fixtures of the contract suite: the executable form of docs/api-contract.md.

Every test takes the `target` fixture (directly or through `client`), parametrized over the
front ends, so each test shows as `test_x[flask]` and `test_x[fastapi]`:

* `--mode=inprocess` (default): each app is served from a thread of this process on a loopback
  port (Werkzeug's server for Flask, uvicorn for FastAPI), so one HTTP code path serves both modes.
* `--mode=live`: the real gunicorn and uvicorn processes, as `make serve` runs them.
* `--database=sqlite|postgresql`: each target gets its own fresh, migrated database.
* `--base-url=URL`: test any running implementation (id `[external]`); it must have an admin
  whose credentials are in CONTRACT_ADMIN_EMAIL / CONTRACT_ADMIN_PASSWORD.

The servers themselves, and what the suite knows of them, are in `contract_tests.targets`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from contract_tests.helpers import Account, login, new_customer
from contract_tests.targets import TLS, Target, Targets
from devtools.servers import FRONT_ENDS


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract")
    group.addoption("--mode", choices=["inprocess", "live"], default="inprocess")
    group.addoption("--database", choices=["sqlite", "postgresql"], default="sqlite")
    group.addoption("--front-end", action="append", choices=FRONT_ENDS, help="default: all")
    group.addoption("--base-url", help="run against this server instead of starting ours")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        config = metafunc.config
        names = (
            ["external"] if config.getoption("base_url") else (config.getoption("front_end") or FRONT_ENDS)
        )
        metafunc.parametrize("target", list(names), indirect=True, scope="session")


def pytest_report_header(config: pytest.Config) -> str:
    if config.getoption("base_url"):
        return f"contract target: {config.getoption('base_url')}"
    return f"contract mode: {config.getoption('mode')}, database: {config.getoption('database')}"


@pytest.fixture(scope="session")
def targets(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Targets]:
    """Every server is stopped and every database dropped at the end of the session."""
    with ExitStack() as stack:
        yield Targets(request.config, stack, tmp_path_factory)


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest, targets: Targets) -> Target:
    return targets.get(request.param)


@pytest.fixture
def client(target: Target) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=target.base_url, timeout=30.0, verify=TLS) as http:
        yield http


@pytest.fixture(scope="session")
def admin(target: Target) -> Account:
    with httpx.Client(base_url=target.base_url, timeout=30.0, verify=TLS) as http:
        response = http.get("/health")
        assert response.status_code == 200
        return login(http, target.admin_email, target.admin_password)


@pytest.fixture
def customer(client: httpx.Client) -> Account:
    return new_customer(client)
