"""Apply the Alembic migrations to a database (used by `make migrate`, the servers' start-up
scripts and the test fixtures, so every database is built the same way)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def _config(database_url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Roll back to `revision` (default: an empty database)."""
    command.downgrade(_config(database_url), revision)


def head_and_previous() -> tuple[str, str]:
    """The newest revision and the one it upgrades from (what a rolling release expands)."""
    script = ScriptDirectory.from_config(_config("sqlite://"))
    head = script.get_revision("head")
    if head is None or not isinstance(head.down_revision, str):
        raise RuntimeError("the newest migration must follow exactly one other")
    return head.revision, head.down_revision
