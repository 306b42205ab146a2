"""What a front end needs at start-up, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry.sdk.trace import TracerProvider

from core.auth import Passwords, Tokens
from core.bridge import ThreadedPasswords
from core.db import Database
from core.logs import configure_logging
from core.metrics import Metrics
from core.services.users import ensure_admin
from core.settings import Settings
from core.tracing import instrument_engine, tracer_provider


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    passwords: Passwords
    tokens: Tokens
    metrics: Metrics | None  # None: METRICS_ENABLED is off
    tracer_provider: TracerProvider | None  # None: OTEL_TRACES_EXPORTER=none


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
    tracing = tracer_provider(settings.otel_traces_exporter, settings.otel_service_name)
    if tracing is not None:
        instrument_engine(db.engine, tracing)
    runtime = Runtime(
        settings=settings,
        db=db,
        passwords=(ThreadedPasswords if asynchronous else Passwords).from_settings(settings),
        tokens=Tokens.from_settings(settings),
        metrics=metrics,
        tracer_provider=tracing,
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
