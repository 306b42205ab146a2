"""The front ends a differential sequence is sent to, each on its own database, every database put
back to the same starting state before every sequence, so that all start from identical data.

In-process (the default), the apps are driven directly, Flask through httpx's WSGI transport and
FastAPI through its ASGI transport on an event loop thread: no server, no socket. For Flask that
is about 1 ms per request faster than the contract suite's in-process servers (for FastAPI it is
the same). Live (`--mode=live`), the requests go over HTTP to the production servers (gunicorn,
uvicorn), as `make contract` runs them. Either way each client's base URL is `http://<front end>`,
so the URL's host names the front end in a disagreement's report.

SQLite databases are reset by copying a migrated template's tables in SQL; PostgreSQL databases
by truncating every table, restarting its id sequence, and inserting the rows it had when the
session began (the bootstrap admin).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal
from sqlalchemy import create_engine, insert, select, text
from starlette.types import ASGIApp

from contract_tests.differential.replay import Replayer
from contract_tests.targets import server_env
from core.models import Base
from core.settings import Settings, settings_from

Reset = Callable[[], None]


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


class LiveTransport(httpx.BaseTransport):
    """Sends a request for `http://<front end>/...` to a live server's address. The client keeps
    the request it made, so `response.request.url.host` still names the front end."""

    def __init__(self, base_url: str) -> None:
        self._address = httpx.URL(base_url)
        self._transport = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url.copy_with(host=self._address.host, port=self._address.port)
        sent = httpx.Request(request.method, url, headers=request.headers, content=request.read())
        return self._transport.handle_request(sent)

    def close(self) -> None:
        self._transport.close()


class FrontEnds:
    def __init__(self, front_ends: list[tuple[Reset, httpx.Client]]) -> None:
        """Each front end's database reset and its client, Flask first."""
        self._front_ends = front_ends

    def fresh(self) -> list[Replayer]:
        """A Replayer per front end (Flask first), each on a database just reset."""
        for reset, _ in self._front_ends:
            reset()
        return [Replayer(client) for _, client in self._front_ends]


def sqlite_reset(database: Path, template: Path) -> Reset:
    return partial(_reset, database, template)


class PostgresSnapshot:
    """The rows of a PostgreSQL database when taken; calling it puts the database back to them.
    TRUNCATE waits for the servers' open transactions: between sequences there are none."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_engine(database_url)
        self._tables = Base.metadata.sorted_tables  # parents before children
        with self._engine.connect() as connection:
            self._rows = {
                table.name: [dict(row._mapping) for row in connection.execute(select(table))]
                for table in self._tables
            }

    def __call__(self) -> None:
        names = ", ".join(f'"{table.name}"' for table in self._tables)
        with self._engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in self._tables:
                rows: list[dict[str, Any]] = self._rows[table.name]
                if not rows:
                    continue
                connection.execute(insert(table), rows)
                if "id" in table.c:  # new rows are numbered after the restored ones
                    connection.execute(
                        text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                        {"table": table.name, "last": max(row["id"] for row in rows)},
                    )

    def dispose(self) -> None:
        self._engine.dispose()


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


def settings_for(database_url: str) -> Settings:
    """The contract suite's server settings (low Argon2 costs, its admin) on this database."""
    return settings_from(server_env(database_url))
