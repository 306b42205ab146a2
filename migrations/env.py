"""Alembic environment: the URL comes from core.settings unless the caller set one."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from core.db import make_engine
from core.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

database_url = config.get_main_option("sqlalchemy.url")
if not database_url:
    from core.settings import Settings

    database_url = Settings(app_env="development").database_url


def run_migrations_online() -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
