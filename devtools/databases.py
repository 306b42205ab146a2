"""Fresh databases: a SQLite file, or a PostgreSQL database created (and later dropped) on the
server named by PG_ADMIN_URL. Each is migrated with Alembic, as `make migrate` does."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from core.migrate import upgrade

DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pg_admin_url() -> str:
    return os.environ.get("PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL)


def postgres_unavailable_reason() -> str | None:
    """None when PostgreSQL answers at PG_ADMIN_URL, else why not."""
    try:
        with psycopg.connect(pg_admin_url(), connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL is not reachable at {pg_admin_url()}: {str(error).strip()}"
    return None


@contextmanager
def fresh_database(kind: str, directory: Path, label: str, admin_url: str | None = None) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new, migrated database; drop it afterwards. PostgreSQL
    databases are created through `admin_url` (default: PG_ADMIN_URL)."""
    if kind == "sqlite":
        path = directory / f"{label}-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    name = f"shop_{label}_{uuid.uuid4().hex[:10]}".replace("-", "_")
    admin = admin_url or pg_admin_url()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = (
        make_url(admin)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
