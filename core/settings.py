"""Configuration from the environment (and an optional `.env` file)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "development-only-secret-do-not-deploy-0123456789"
MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_env: Literal["production", "development", "test"] = "production"
    database_url: str = "sqlite:///var/shop.db"
    jwt_secret: SecretStr = SecretStr("")
    # Comma-separated in the environment: retired secrets that still verify (key rotation).
    jwt_old_secrets: Annotated[list[SecretStr], NoDecode] = []
    jwt_issuer: str = "shop-api"
    jwt_ttl_seconds: int = Field(default=900, ge=1)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    max_body_bytes: int = Field(default=65536, ge=1)
    admin_email: str | None = None
    admin_password: str | None = None
    log_requests: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # PostgreSQL's pool per process (plus as many overflow connections). SQLite ignores it: its
    # pool is sized for the largest threadpool in core/db.py, since its connections are local.
    db_pool_size: int = Field(default=10, ge=1)
    # Seconds a request waits for a pooled connection before it is answered 503
    # service_unavailable (SQLAlchemy's own default is 30 s; docs/decisions/0004-pool-timeout.md).
    db_pool_timeout: float = Field(default=5.0, gt=0)
    # How many sync route handlers FastAPI runs at once (anyio's threadpool; its default is 40).
    # Benchmarks set it equal to the Flask server's thread count, so both get the same concurrency.
    threadpool_limit: int = Field(default=40, ge=1)
    # Send X-SQL-Statements (the SQL statements a request issued) on every response: for the
    # contract suite, which checks every front end does the same work (off in production and benchmarks).
    sql_count_header: bool = False
    # GET /metrics in Prometheus' text format (core/metrics.py). The benchmark turns it off except
    # where it measures what instrumentation costs (docs/observability.md, "Metrics").
    metrics_enabled: bool = True
    # OpenTelemetry traces (core/tracing.py): the SDK's own variable names; `none` is off,
    # `discard` makes every span and drops it (what the benchmark uses to measure tracing's cost).
    otel_traces_exporter: Literal["none", "console", "otlp", "discard"] = "none"
    otel_service_name: str = "shop-api"

    @field_validator("jwt_old_secrets", mode="before")
    @classmethod
    def _split_old_secrets(cls, value: object) -> object:
        if isinstance(value, str):
            return [secret.strip() for secret in value.split(",") if secret.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _require_strong_secret(self) -> Settings:
        if not self.jwt_secret.get_secret_value() and self.app_env == "development":
            self.jwt_secret = SecretStr(DEVELOPMENT_JWT_SECRET)
        if len(self.jwt_secret.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes "
                "(a development default is used only when APP_ENV=development)"
            )
        return self


def settings_from(values: Mapping[str, str]) -> Settings:
    """Settings from environment-style names (DATABASE_URL=...), over the real environment."""
    return Settings(**{name.lower(): value for name, value in values.items()})  # type: ignore[arg-type]


@lru_cache
def get_settings() -> Settings:
    return Settings()
