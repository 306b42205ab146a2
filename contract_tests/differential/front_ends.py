"""Both front ends in this process, each on its own SQLite file, both reset to one migrated
template before every sequence so that they start from identical databases.

The apps are driven directly, Flask through httpx's WSGI transport and FastAPI through its ASGI
transport on an event loop thread: no server, no socket. For Flask that is about 1 ms per
request faster than the contract suite's in-process servers (for FastAPI it is the same), and
the HTTP servers themselves are what `make contract` covers.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
from anyio.from_thread import BlockingPortal
from starlette.types import ASGIApp

from contract_tests.differential.replay import Replayer
from contract_tests.targets import server_env
from core.settings import Settings, settings_from


class PortalTransport(httpx.BaseTransport):
    """httpx 0.28 has no sync ASGI transport: run its async one on a portal's event loop."""

    def __init__(self, app: ASGIApp, portal: BlockingPortal) -> None:
        self._transport = httpx.ASGITransport(app=app)
        self._portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._portal.call(self._handle, request)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        response = await self._transport.handle_async_request(request)
        return httpx.Response(response.status_code, headers=response.headers, content=await response.aread())


class FrontEnds:
    def __init__(self, template: Path, clients: dict[Path, httpx.Client]) -> None:
        """`clients` maps each front end's database to its client, Flask first."""
        self._template = template
        self._clients = clients

    def fresh(self) -> list[Replayer]:
        """A Replayer per front end (Flask first), each on a database just reset to the template."""
        for database in self._clients:
            _reset(database, self._template)
        return [Replayer(client) for client in self._clients.values()]


def _reset(database: Path, template: Path) -> None:
    """Copy every table of the template, in SQL: the app's pooled connections stay valid, and
    SQLite (no AUTOINCREMENT) numbers new rows from the copied ones, as in a fresh database."""
    with closing(sqlite3.connect(database, isolation_level=None)) as connection:
        connection.execute("ATTACH DATABASE ? AS template", (str(template),))
        tables = connection.execute("SELECT name FROM template.sqlite_master WHERE type = 'table'").fetchall()
        connection.execute("BEGIN IMMEDIATE")
        for (table,) in tables:
            connection.execute(f'DELETE FROM main."{table}"')
            connection.execute(f'INSERT INTO main."{table}" SELECT * FROM template."{table}"')
        connection.execute("COMMIT")


def settings_for(database: Path) -> Settings:
    """The contract suite's server settings (low Argon2 costs, its admin) on this SQLite file."""
    return settings_from(server_env(f"sqlite:///{database}"))
