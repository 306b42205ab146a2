"""The `own_server` fixture: one live server per front end for every test of this folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from contract_tests.own_server.server import ROTATED_SECRET, OwnServer
from contract_tests.targets import TLS, Target, server_env, start_live
from devtools.databases import fresh_database


# Package scope: each start is a live server and a migrated database, so the folder shares one.
@pytest.fixture(scope="package")
def own_server(
    target: Target, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OwnServer]:
    """A live server of the target's front end on its own fresh database, for tests that corrupt
    rows, read the server's log or measure its memory. Its keys have been rotated once since the
    suite's: a new JWT_SECRET, the suite's secret retired, the suite's retired secret dropped."""
    if target.jwt_secret is None:
        pytest.skip("starts a server of our own front ends (not possible for an external --base-url)")
    workdir = tmp_path_factory.mktemp(f"own-{target.name}")
    with ExitStack() as stack:
        kind = request.config.getoption("database")
        database_url = stack.enter_context(fresh_database(kind, workdir, f"own_{target.name}"))
        env = {**server_env(database_url), "JWT_SECRET": ROTATED_SECRET, "JWT_OLD_SECRETS": target.jwt_secret}
        base_url, server = start_live(stack, target.name, env, workdir)
        yield OwnServer(base_url, database_url, workdir / "server.log", server.process.pid)


@pytest.fixture
def own_client(own_server: OwnServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_server.base_url, timeout=30.0, verify=TLS) as http:
        yield http
