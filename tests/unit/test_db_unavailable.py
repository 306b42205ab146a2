"""A database that is down, or a pool with every connection busy, is a bounded 503, not a hang or
a 500 (core/db.py; docs/resilience.md). PostgreSQL cases need PG_ADMIN_URL's server."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import exc, text

from core.bridge import call
from core.db import Database, unavailable
from core.errors import ServiceUnavailable
from devtools.databases import fresh_database, pg_admin_url, postgres_unavailable_reason
from devtools.servers import free_port


def _require_postgres() -> None:
    reason = postgres_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("REQUIRE_POSTGRES"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    _require_postgres()
    with fresh_database("postgresql", tmp_path, "unavailable", pg_admin_url()) as url:
        yield url


def _read(db: Database) -> None:
    with db.read() as session:
        session.execute(text("SELECT 1"))


def _elapsed_until_unavailable(run: Callable[[], None]) -> float:
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        run()
    return time.monotonic() - started


@pytest.mark.parametrize("asynchronous", [False, True], ids=["psycopg", "asyncpg"])
def test_a_busy_pool_answers_service_unavailable_after_the_pool_timeout(
    postgres_url: str, asynchronous: bool
) -> None:
    db = Database(postgres_url, pool_size=1, asynchronous=asynchronous, pool_timeout=0.5)

    def scenario() -> float:
        with ExitStack() as held:
            for _ in range(2):  # pool_size 1 plus 1 overflow connection
                held.enter_context(db.engine.connect())
            elapsed = _elapsed_until_unavailable(lambda: _read(db))
        _read(db)  # once connections are returned, the same pool serves again
        db.dispose()
        return elapsed

    async def in_event_loop() -> float:
        return await call(scenario)

    elapsed = asyncio.run(in_event_loop()) if asynchronous else scenario()
    assert 0.4 <= elapsed < 3.0


@pytest.mark.parametrize("asynchronous", [False, True], ids=["psycopg", "asyncpg"])
def test_a_database_nobody_listens_for_answers_service_unavailable_at_once(asynchronous: bool) -> None:
    db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none", asynchronous=asynchronous)
    try:
        if asynchronous:
            elapsed = _elapsed_until_unavailable(lambda: asyncio.run(call(_read, db)))
            ping = _elapsed_until_unavailable(lambda: asyncio.run(call(db.ping)))
        else:
            elapsed = _elapsed_until_unavailable(lambda: _read(db))
            ping = _elapsed_until_unavailable(db.ping)
        assert elapsed < 3.0 and ping < 3.0
    finally:
        db.dispose()


def test_a_connection_lost_as_a_read_ends_answers_service_unavailable(postgres_url: str) -> None:
    # Found by `make resilience` (database outage): ending a read sends ROLLBACK, and the
    # database may vanish right then; that was a 500.
    db = Database(postgres_url)
    try:
        with pytest.raises(ServiceUnavailable), db.read() as session:
            backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with db.engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        _read(db)  # the pool replaces the lost connection
    finally:
        db.dispose()


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "expected"),
    [("57P01", True), ("57P03", True), ("08006", True), ("23505", False), ("40001", False)],
)
def test_a_server_shutting_down_or_starting_is_unavailable_whatever_the_driver_calls_it(
    sqlstate: str, expected: bool
) -> None:
    # Found by `make resilience` (database outage on the async front end): asyncpg reports
    # "the database system is shutting down" (57P03) as a plain DBAPIError, which was a 500.
    assert unavailable(exc.DBAPIError("SELECT 1", None, _DriverError(sqlstate))) is expected
