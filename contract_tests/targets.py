"""The servers the contract suite tests and what it knows of them, for the fixtures in conftest.py,
the tests that start servers of their own, the differential test and the fuzz run.

`Targets` starts each front end once per session, on first use, on its own fresh database, with the
environment `server_env` gives: in this process (`--mode=inprocess`) or as the production command
line (`start_live`); a `Target` is what a test sees of one.
"""

from __future__ import annotations

import importlib
import os
import ssl
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings, settings_from
from devtools.databases import fresh_database, postgres_unavailable_reason
from devtools.servers import ASGI_FACTORIES, ServerProcess, free_port, server_command, wait_healthy

ADMIN_EMAIL = "contract-admin@example.com"
ADMIN_PASSWORD = "contract-admin-password"
JWT_SECRET = "contract-suite-secret-0123456789abcdef"
OLD_JWT_SECRET = "contract-suite-retired-secret-0123456789"
JWT_ISSUER = "shop-api"
# One TLS context for every client: building one per test (httpx's default) costs ~20 ms each.
TLS = ssl.create_default_context()


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str
    admin_email: str
    admin_password: str
    # What the suite knows of the server's configuration (None for --base-url targets).
    jwt_secret: str | None = None
    old_jwt_secret: str | None = None
    jwt_issuer: str = JWT_ISSUER
    max_body_bytes: int = 65536


def server_env(database_url: str) -> dict[str, str]:
    return {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "JWT_SECRET": JWT_SECRET,
        "JWT_OLD_SECRETS": OLD_JWT_SECRET,
        "JWT_ISSUER": JWT_ISSUER,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
        "ARGON2_PARALLELISM": "1",
        "LOG_REQUESTS": "false",
        "SQL_COUNT_HEADER": "true",
    }


class Targets:
    """Starts each front end once per session (server and database), on first use."""

    def __init__(self, config: pytest.Config, stack: ExitStack, tmp: pytest.TempPathFactory) -> None:
        self._config, self._stack, self._tmp = config, stack, tmp
        self._started: dict[str, Target] = {}

    def get(self, name: str) -> Target:
        if name not in self._started:
            self._started[name] = self._start(name)
        return self._started[name]

    def _start(self, name: str) -> Target:
        config = self._config
        if name == "external":
            return Target(
                name,
                config.getoption("base_url").rstrip("/"),
                os.environ.get("CONTRACT_ADMIN_EMAIL", ADMIN_EMAIL),
                os.environ.get("CONTRACT_ADMIN_PASSWORD", ADMIN_PASSWORD),
            )
        database = config.getoption("database")
        if database == "postgresql" and (reason := postgres_unavailable_reason()):
            if os.environ.get("REQUIRE_POSTGRES") == "1":
                pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
            pytest.skip(f"PostgreSQL tests skipped: {reason}")
        workdir = self._tmp.mktemp(name)
        env = server_env(self._stack.enter_context(fresh_database(database, workdir, name)))
        base_url = start_server(config.getoption("mode"), self._stack, name, env, workdir)
        return Target(name, base_url, ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, OLD_JWT_SECRET)


def start_server(mode: str, stack: ExitStack, name: str, env: dict[str, str], workdir: Path) -> str:
    """`name` served as the suite's --mode says (stopped when `stack` closes); its base URL."""
    if mode == "live":
        return start_live(stack, name, env, workdir)[0]
    return _start_in_process(stack, name, env)


def start_live(stack: ExitStack, name: str, env: dict[str, str], workdir: Path) -> tuple[str, ServerProcess]:
    """The production command line of `name`, logging to workdir/server.log; its base URL."""
    port = free_port()
    server = ServerProcess(server_command(name, port), env, log_path=workdir / "server.log")
    stack.callback(server.stop)
    base_url = f"http://127.0.0.1:{port}"
    server.wait_healthy(base_url)
    return base_url, server


def asgi_app(front_end: str, settings: Settings) -> Any:
    """A FastAPI front end's app, from its factory in devtools.servers.ASGI_FACTORIES."""
    module, _, factory = ASGI_FACTORIES[front_end].partition(":")
    return getattr(importlib.import_module(module), factory)(settings)


def _start_in_process(stack: ExitStack, name: str, env: dict[str, str]) -> str:
    settings = settings_from(env)
    port = free_port()
    if name == "flask":
        from werkzeug.serving import make_server

        from flask_impl.app import create_app as create_flask_app

        wsgi_server = make_server("127.0.0.1", port, create_flask_app(settings), threaded=True)
        thread = threading.Thread(target=wsgi_server.serve_forever, daemon=True)
        thread.start()
        stack.callback(wsgi_server.shutdown)
    else:
        import uvicorn

        app = asgi_app(name, settings)
        asgi_server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=asgi_server.run, daemon=True)
        thread.start()

        def stop() -> None:
            asgi_server.should_exit = True
            thread.join(timeout=10)

        stack.callback(stop)
    base_url = f"http://127.0.0.1:{port}"
    if not wait_healthy(base_url):
        raise RuntimeError(f"in-process {name} server did not become healthy")
    return base_url
