"""The `front_ends` fixture: Flask and FastAPI in this process, started once per session.

They run only with the suite's default options (in-process, SQLite, both front ends): under
--mode=live, --database=postgresql, --base-url or --front-end the differential test skips.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest
from anyio.from_thread import start_blocking_portal

from contract_tests.differential.front_ends import FrontEnds, PortalTransport, settings_for
from core.migrate import upgrade
from core.runtime import build_runtime
from fastapi_impl.app import create_app as create_fastapi_app
from flask_impl.app import create_app as create_flask_app


@pytest.fixture(scope="session")
def front_ends(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FrontEnds]:
    config = request.config
    options = (config.getoption("mode"), config.getoption("database"), config.getoption("base_url"))
    if options != ("inprocess", "sqlite", None) or config.getoption("front_end"):
        pytest.skip(
            "the differential test runs only with the default options: both front ends, in-process, SQLite"
        )
    directory = tmp_path_factory.mktemp("differential")
    template = directory / "template.db"
    upgrade(f"sqlite:///{template}")
    build_runtime(settings_for(template)).db.dispose()  # creates the bootstrap admin
    flask_db, fastapi_db = directory / "flask.db", directory / "fastapi.db"
    for database in (flask_db, fastapi_db):
        shutil.copyfile(template, database)
    flask_app = create_flask_app(settings_for(flask_db))
    fastapi_app = create_fastapi_app(settings_for(fastapi_db))
    with (
        start_blocking_portal() as portal,
        httpx.Client(transport=httpx.WSGITransport(app=flask_app), base_url="http://flask") as flask,
        httpx.Client(transport=PortalTransport(fastapi_app, portal), base_url="http://fastapi") as fastapi,
    ):
        yield FrontEnds(template, {flask_db: flask, fastapi_db: fastapi})
