"""One deterministically seeded template database per run; every server process gets a fresh,
identical copy (a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL)."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from core.auth import Passwords
from core.db import Database
from core.settings import settings_from
from devtools.databases import fresh_database
from loadtests.config.dataset import DatabaseKind, SeedSpec
from loadtests.config.matrix import SERVER_ENV
from loadtests.env.seed import PASSWORD, seed

MEMORY = Path("/dev/shm")


def in_memory(stack: ExitStack, fallback: Path) -> Path:
    """A folder in memory for SQLite databases, removed with `stack` (`fallback` where there is
    no /dev/shm): on a shared machine a disk's fsync at a WAL checkpoint stalls a window now and
    then, which measures the disk, not the framework (create_order's window-to-window spread
    fell from 14 % to 7 % here)."""
    if not MEMORY.is_dir():
        return fallback
    folder = Path(tempfile.mkdtemp(prefix="bench-", dir=MEMORY))
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    return folder


class SeededDatabases:
    def __init__(
        self, kind: DatabaseKind, workdir: Path, spec: SeedSpec, admin_url: str | None, stack: ExitStack
    ) -> None:
        """`admin_url`: a PostgreSQL server to create databases on (None for SQLite)."""
        if kind == "postgresql" and admin_url is None:
            raise ValueError("PostgreSQL needs an admin URL to create databases with")
        self.kind, self.workdir, self.admin_url = kind, workdir, admin_url
        workdir.mkdir(parents=True, exist_ok=True)
        self.template_url = stack.enter_context(fresh_database(kind, workdir, "bench_template", admin_url))
        database = Database(self.template_url)
        seed(database, spec, Passwords.from_settings(settings_from(SERVER_ENV)).hash(PASSWORD))
        if kind == "sqlite":
            with database.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database.dispose()

    @contextmanager
    def copy(self, label: str) -> Iterator[str]:
        """The URL of a new copy of the template, removed afterwards."""
        if self.kind == "sqlite":
            source = Path(make_url(self.template_url).database or "")
            target = self.workdir / f"{label}.db"
            shutil.copyfile(source, target)
            try:
                yield f"sqlite:///{target}"
            finally:
                for leftover in self.workdir.glob(f"{label}.db*"):
                    leftover.unlink()
            return
        assert self.admin_url is not None
        template = make_url(self.template_url).database
        name = f"bench_{label}_{uuid.uuid4().hex[:8]}".replace("-", "_")
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        try:
            yield make_url(self.template_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
