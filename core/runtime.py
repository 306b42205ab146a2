"""What a front end needs at start-up, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from core.auth import Passwords, Tokens
from core.db import Database
from core.logs import configure_logging
from core.metrics import Metrics
from core.services.users import ensure_admin
from core.settings import Settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    passwords: Passwords
    tokens: Tokens
    metrics: Metrics | None  # None: METRICS_ENABLED is off


def build_runtime(settings: Settings, *, asynchronous: bool = False) -> Runtime:
    """Connect to the database and configure logging; a sync runtime also creates the bootstrap
    admin (an asynchronous one does it with `core.bridge.call(bootstrap_admin, runtime)` once
    its event loop runs)."""
    configure_logging(settings)
    db = Database(
        settings.database_url,
        settings.db_pool_size,
        asynchronous=asynchronous,
        pool_timeout=settings.db_pool_timeout,
    )
    metrics = Metrics() if settings.metrics_enabled else None
    if metrics is not None:
        metrics.watch_pool(db.engine)
    runtime = Runtime(
        settings=settings,
        db=db,
        passwords=Passwords.from_settings(settings),
        tokens=Tokens.from_settings(settings),
        metrics=metrics,
    )
    if not asynchronous:
        bootstrap_admin(runtime)
    return runtime


def bootstrap_admin(runtime: Runtime) -> None:
    """Create the admin named by ADMIN_EMAIL / ADMIN_PASSWORD, if configured and not there yet."""
    settings = runtime.settings
    if settings.admin_email and settings.admin_password:
        ensure_admin(
            settings.admin_email, settings.admin_password, "Admin", db=runtime.db, passwords=runtime.passwords
        )
