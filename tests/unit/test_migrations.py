"""Migrations roll back and forward cleanly, and head is exactly the models, on SQLite and on
PostgreSQL (which CI requires: REQUIRE_POSTGRES=1 turns an unreachable server into a failure)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from core.migrate import downgrade, upgrade
from core.models import Base
from devtools.databases import fresh_database, postgres_unavailable_reason


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def differences(url: str) -> list[object]:
    """What Alembic's autogenerate would change to make the database match the models."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def expression_indexes(url: str) -> set[str]:
    """SQLite's reflection skips expression indexes (so autogenerate cannot compare them): read
    their names from the catalogue instead."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
            return {name for (name,) in rows} & EXPRESSION_INDEXES
    finally:
        engine.dispose()


# Functional indexes of the models (lower(email), the name walk), which SQLite cannot reflect.
EXPRESSION_INDEXES = {"uq_users_email_lower", "ix_product_name_suffixes_walk"}


@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_downgrade_upgrade_leaves_exactly_the_models(kind: str, tmp_path: Path) -> None:
    if kind == "postgresql" and (reason := postgres_unavailable_reason()):
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(f"PostgreSQL migration test skipped: {reason}")
    with fresh_database(kind, tmp_path, "migrations") as url:  # migrated to head
        assert tables(url) == set(Base.metadata.tables)
        assert differences(url) == []
        downgrade(url)
        assert tables(url) == set()
        upgrade(url)
        assert tables(url) == set(Base.metadata.tables)
        assert differences(url) == []
        if kind == "sqlite":
            assert expression_indexes(url) == EXPRESSION_INDEXES
