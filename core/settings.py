"""Configuration from the environment (and an optional `.env` file)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "development-only-secret-do-not-deploy-0123456789"
MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_env: Literal["production", "development", "test"] = "production"
    database_url: str = "sqlite:///var/shop.db"
    jwt_secret: str = ""
    jwt_old_secrets: str = ""
    jwt_issuer: str = "shop-api"
    jwt_ttl_seconds: int = Field(default=900, ge=1)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    max_body_bytes: int = Field(default=65536, ge=1)
    admin_email: str | None = None
    admin_password: str | None = None
    log_requests: bool = True
    log_level: str = "INFO"
    db_pool_size: int = Field(default=10, ge=1)
    # How many sync route handlers FastAPI runs at once (anyio's threadpool; its default is 40).
    # Benchmarks set it equal to the Flask server's thread count, so both get the same concurrency.
    threadpool_limit: int = Field(default=40, ge=1)

    @model_validator(mode="after")
    def _require_strong_secret(self) -> Settings:
        if not self.jwt_secret and self.app_env == "development":
            self.jwt_secret = DEVELOPMENT_JWT_SECRET
        if len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes "
                "(a development default is used only when APP_ENV=development)"
            )
        return self

    @property
    def old_jwt_secrets(self) -> list[str]:
        return [secret.strip() for secret in self.jwt_old_secrets.split(",") if secret.strip()]


def settings_from(values: Mapping[str, str]) -> Settings:
    """Settings from environment-style names (DATABASE_URL=...), over the real environment."""
    return Settings(**{name.lower(): value for name, value in values.items()})  # type: ignore[arg-type]


@lru_cache
def get_settings() -> Settings:
    return Settings()
