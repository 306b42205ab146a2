"""The `front_ends` fixture: Flask and both FastAPI front ends in this process, started once per
session.

They run only with the suite's default options (in-process, SQLite, every front end): under
--mode=live, --database=postgresql, --base-url or --front-end the differential test skips.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from anyio.from_thread import start_blocking_portal

from contract_tests.differential.front_ends import FrontEnds, PortalTransport, settings_for
from contract_tests.targets import asgi_app
from core.migrate import upgrade
from core.runtime import build_runtime
from devtools.servers import FRONT_ENDS
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
    databases = {name: directory / f"{name}.db" for name in FRONT_ENDS}
    for database in databases.values():
        shutil.copyfile(template, database)
    with start_blocking_portal() as portal, ExitStack() as clients:
        flask_app = create_flask_app(settings_for(databases["flask"]))
        transports: dict[str, httpx.BaseTransport] = {"flask": httpx.WSGITransport(app=flask_app)}
        for name in FRONT_ENDS[1:]:
            transports[name] = PortalTransport(asgi_app(name, settings_for(databases[name])), portal)
        # The host names the front end in a disagreement's report.
        yield FrontEnds(
            template,
            {
                databases[name]: clients.enter_context(
                    httpx.Client(transport=transport, base_url=f"http://{name}")
                )
                for name, transport in transports.items()
            },
        )
