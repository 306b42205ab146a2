"""Engines, sessions and transactions: the one place where commit and rollback happen.

SQLite runs in WAL mode with a busy timeout, and write transactions start with BEGIN IMMEDIATE:
the write lock is taken up front, so two workers can never both read a stock level and then
both decrement it. PostgreSQL writes lock the rows they change (SELECT ... FOR UPDATE).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from core import sqlcount
from core.errors import ServiceUnavailable

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Enough pooled connections for FastAPI's 40 threadpool workers: an overflow connection is
# closed when returned, and opening one (with its PRAGMAs) costs more than the query.
SQLITE_POOL_SIZE = 40


# The asyncio drivers that stand in for the sync ones on an asynchronous Database.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


# How long a request waits for a pooled connection, and for PostgreSQL to accept a new one,
# before it is answered 503 service_unavailable (docs/decisions/0004-pool-timeout.md). SQLAlchemy's own pool
# default is 30 s and libpq's connect timeout is unbounded: a request would hang that long.
DB_POOL_TIMEOUT_SECONDS = 5.0  # the default of DB_POOL_TIMEOUT (core/settings.py)
DB_CONNECT_TIMEOUT_SECONDS = 2
# The connect-timeout argument of each PostgreSQL driver.
CONNECT_TIMEOUT_ARGS = {"psycopg": "connect_timeout", "asyncpg": "timeout"}


def make_engine(
    database_url: str,
    pool_size: int = 10,
    *,
    asynchronous: bool = False,
    pool_timeout: float = DB_POOL_TIMEOUT_SECONDS,
    connect_timeout: int = DB_CONNECT_TIMEOUT_SECONDS,
) -> Engine:
    """A sync Engine; `asynchronous`: the sync face of an asyncio engine (aiosqlite, asyncpg),
    which only works inside `core.bridge.call` (SQLAlchemy's greenlet bridge). A request waits
    at most `pool_timeout` seconds for a pooled connection, and `connect_timeout` for PostgreSQL
    to accept a new one."""
    url = make_url(database_url)
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    if sqlite:
        options: dict[str, Any] = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE}
        if not asynchronous:
            options["connect_args"] = {"check_same_thread": False}
    else:
        options = {"pool_size": pool_size, "max_overflow": pool_size, "pool_pre_ping": True}
        driver = "asyncpg" if asynchronous else "psycopg"
        options["connect_args"] = {CONNECT_TIMEOUT_ARGS[driver]: connect_timeout}
    options["pool_timeout"] = pool_timeout
    # An unexpected database error goes to the error log with its trace; without this, its message
    # lists the statement's parameters (emails, password hashes).
    options["hide_parameters"] = True
    engine = _create(url, asynchronous, options)
    sqlcount.install(engine)
    if sqlite:
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _create(url: URL, asynchronous: bool, options: dict[str, Any]) -> Engine:
    if not asynchronous:
        return create_engine(url, **options)
    driver = ASYNC_DRIVERS[url.get_backend_name()]
    return create_async_engine(url.set(drivername=driver), **options).sync_engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling defers it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    mode = "IMMEDIATE" if connection.get_execution_options().get("write") else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


# What a transaction answers 503 to. asyncpg reports a refused or timed-out connect as a bare
# OSError / asyncio TimeoutError (no DBAPI error for SQLAlchemy to wrap).
UNAVAILABLE: tuple[type[BaseException], ...] = (exc.OperationalError, exc.TimeoutError, OSError, TimeoutError)


# SQLSTATEs that mean the server is not there to serve, whichever driver reports them: class 08
# (connection exception) and 57P (shutting down, starting up). asyncpg reports "the database
# system is shutting down" as a plain DBAPIError where psycopg raises an OperationalError.
UNAVAILABLE_SQLSTATES = ("08", "57P")


def unavailable(error: BaseException) -> bool:
    """The database is down, unreachable, shutting down or starting, or locked past the busy
    timeout, the connection was lost, or every pooled connection stayed busy past the pool
    timeout: a 503, not a 500."""
    if isinstance(error, exc.DBAPIError):
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        if error.connection_invalidated or sqlstate.startswith(UNAVAILABLE_SQLSTATES):
            return True
    return isinstance(error, UNAVAILABLE)


class Database:
    """Hands out transactions; services never commit or roll back themselves."""

    def __init__(
        self,
        database_url: str,
        pool_size: int = 10,
        *,
        asynchronous: bool = False,
        pool_timeout: float = DB_POOL_TIMEOUT_SECONDS,
    ) -> None:
        self.engine = make_engine(
            database_url, pool_size, asynchronous=asynchronous, pool_timeout=pool_timeout
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def read(self) -> AbstractContextManager[Session]:
        return self._transaction(write=False)

    def write(self) -> AbstractContextManager[Session]:
        """A transaction that commits when the block ends normally and rolls back on any error."""
        return self._transaction(write=True)

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Session]:
        session = self._sessions()
        try:
            try:
                if write:
                    session.connection(execution_options={"write": True})
                yield session
                if write:
                    session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                # Ending even a read sends ROLLBACK: the database can vanish right then too.
                session.close()
        except BaseException as error:
            if unavailable(error):
                raise ServiceUnavailable() from error
            raise

    def ping(self) -> None:
        """Raise ServiceUnavailable unless the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except BaseException as error:
            if unavailable(error) or isinstance(error, exc.DBAPIError):
                raise ServiceUnavailable() from error
            raise

    def dispose(self) -> None:
        self.engine.dispose()
