"""Core tests run the services directly against a fresh, migrated SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.auth import Passwords, Principal, Tokens
from core.db import Database
from core.migrate import upgrade
from core.settings import Settings
from tests.values import SECRET


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        app_env="test",
        database_url=f"sqlite:///{tmp_path / 'unit.db'}",
        jwt_secret=SECRET,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
        log_requests=False,
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    yield database
    database.dispose()


@pytest.fixture
def passwords(settings: Settings) -> Passwords:
    return Passwords.from_settings(settings)


@pytest.fixture
def tokens(settings: Settings) -> Tokens:
    return Tokens.from_settings(settings)


@pytest.fixture
def admin() -> Principal:
    return Principal(user_id=1, role="admin")
