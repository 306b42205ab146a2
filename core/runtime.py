"""What a front end needs at start-up, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from core.auth import Passwords, Tokens
from core.db import Database
from core.logs import configure_logging
from core.services.users import ensure_admin
from core.settings import Settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    passwords: Passwords
    tokens: Tokens


def build_runtime(settings: Settings) -> Runtime:
    """Connect to the database, configure logging, create the bootstrap admin if configured."""
    configure_logging(settings)
    runtime = Runtime(
        settings=settings,
        db=Database(settings.database_url, settings.db_pool_size),
        passwords=Passwords.from_settings(settings),
        tokens=Tokens.from_settings(settings),
    )
    if settings.admin_email and settings.admin_password:
        ensure_admin(
            settings.admin_email, settings.admin_password, "Admin", db=runtime.db, passwords=runtime.passwords
        )
    return runtime
