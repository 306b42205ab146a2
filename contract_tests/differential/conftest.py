"""The `front_ends` fixture: Flask and both FastAPI front ends, started once per session, as the
suite's options say: `--mode=inprocess` (apps driven in this process) or `--mode=live` (the
production servers over HTTP), on `--database=sqlite` or `--database=postgresql`.

Under --base-url or --front-end the differential test skips: it needs every front end of ours.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from anyio.from_thread import start_blocking_portal

from contract_tests.differential.front_ends import (
    FrontEnds,
    LiveTransport,
    PortalTransport,
    PostgresSnapshot,
    Reset,
    settings_for,
    sqlite_reset,
)
from contract_tests.targets import asgi_app, server_env, start_live
from core.migrate import upgrade
from core.runtime import build_runtime
from devtools.databases import fresh_database, postgres_unavailable_reason
from devtools.servers import FRONT_ENDS
from flask_impl.app import create_app as create_flask_app


@pytest.fixture(scope="session")
def front_ends(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FrontEnds]:
    config = request.config
    if config.getoption("base_url") or config.getoption("front_end"):
        pytest.skip("the differential test compares all of our front ends (no --base-url, no --front-end)")
    mode, database = config.getoption("mode"), config.getoption("database")
    if database == "postgresql" and (reason := postgres_unavailable_reason()):
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    directory = tmp_path_factory.mktemp("differential")
    with ExitStack() as stack:
        if database == "sqlite":
            urls, resets = _sqlite_databases(directory)
        else:
            urls, resets = _postgres_databases(stack, directory)
        transports = _live(stack, urls, directory) if mode == "live" else _in_process(stack, urls)
        # The host names the front end in a disagreement's report.
        clients = [
            stack.enter_context(httpx.Client(transport=transports[name], base_url=f"http://{name}"))
            for name in FRONT_ENDS
        ]
        yield FrontEnds([(resets[name], client) for name, client in zip(FRONT_ENDS, clients, strict=True)])


def _sqlite_databases(directory: Path) -> tuple[dict[str, str], dict[str, Reset]]:
    """A copy per front end of one migrated template with the bootstrap admin."""
    template = directory / "template.db"
    upgrade(f"sqlite:///{template}")
    build_runtime(settings_for(f"sqlite:///{template}")).db.dispose()  # creates the bootstrap admin
    databases = {name: directory / f"{name}.db" for name in FRONT_ENDS}
    for path in databases.values():
        shutil.copyfile(template, path)
    urls = {name: f"sqlite:///{path}" for name, path in databases.items()}
    return urls, {name: sqlite_reset(path, template) for name, path in databases.items()}


def _postgres_databases(stack: ExitStack, directory: Path) -> tuple[dict[str, str], dict[str, Reset]]:
    """A fresh migrated database per front end with the bootstrap admin, snapshotted so."""
    urls: dict[str, str] = {}
    resets: dict[str, Reset] = {}
    for name in FRONT_ENDS:
        url = stack.enter_context(fresh_database("postgresql", directory, f"differential_{name}"))
        build_runtime(settings_for(url)).db.dispose()  # creates the bootstrap admin
        snapshot = PostgresSnapshot(url)
        stack.callback(snapshot.dispose)
        urls[name], resets[name] = url, snapshot
    return urls, resets


def _in_process(stack: ExitStack, urls: dict[str, str]) -> dict[str, httpx.BaseTransport]:
    portal = stack.enter_context(start_blocking_portal())
    transports: dict[str, httpx.BaseTransport] = {
        "flask": httpx.WSGITransport(app=create_flask_app(settings_for(urls["flask"])))
    }
    for name in FRONT_ENDS[1:]:
        transports[name] = PortalTransport(asgi_app(name, settings_for(urls[name])), portal)
    return transports


def _live(stack: ExitStack, urls: dict[str, str], directory: Path) -> dict[str, httpx.BaseTransport]:
    transports: dict[str, httpx.BaseTransport] = {}
    for name in FRONT_ENDS:
        workdir = directory / name
        workdir.mkdir()
        base_url, _ = start_live(stack, name, server_env(urls[name]), workdir)
        transports[name] = LiveTransport(base_url)
    return transports
