"""A database that cannot be reached (contract §3 Service, error table): `/ready` and every
route that needs the database answer 503 `service_unavailable` in the error format, while
`/health`, which touches no database, stays 200.

Each front end is started (in the suite's --mode) on a database that is not there: for
--database=postgresql a PostgreSQL URL on a local port nobody listens on, for sqlite a
"database file" that is a directory. No bootstrap admin is configured, since creating it at
start-up would need the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from contract_tests.helpers import PASSWORD, assert_error
from contract_tests.targets import TLS, Target, server_env, start_server
from devtools.servers import free_port


@pytest.fixture(scope="module")
def dead_client(
    target: Target, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    if target.jwt_secret is None:
        pytest.skip("starts a server of our own front ends (not possible for an external --base-url)")
    workdir = tmp_path_factory.mktemp(f"dead-db-{target.name}")
    if request.config.getoption("database") == "postgresql":
        database_url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    else:
        database_url = f"sqlite:///{workdir}"  # a directory: SQLite cannot open it
    env = server_env(database_url)
    del env["ADMIN_EMAIL"], env["ADMIN_PASSWORD"]
    with ExitStack() as stack:
        base_url = start_server(request.config.getoption("mode"), stack, target.name, env, workdir)
        with httpx.Client(base_url=base_url, timeout=30.0, verify=TLS) as client:
            yield client


def test_health_stays_200_without_a_database(dead_client: httpx.Client) -> None:
    response = dead_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_is_503_without_a_database(dead_client: httpx.Client) -> None:
    response = dead_client.get("/ready", headers={"X-Request-ID": "ready-probe"})
    assert_error(response, 503, "service_unavailable")
    assert response.headers["X-Request-ID"] == "ready-probe"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/products", None),
        ("GET", "/v1/products/1", None),
        ("POST", "/v1/auth/token", {"email": "someone@example.com", "password": PASSWORD}),
        ("POST", "/v1/auth/register", {"email": "someone@example.com", "password": PASSWORD, "name": "N"}),
    ],
)
def test_routes_that_need_the_database_are_503(
    dead_client: httpx.Client, method: str, path: str, body: dict[str, str] | None
) -> None:
    response = dead_client.request(method, path, json=body)
    assert_error(response, 503, "service_unavailable")
    if path.startswith("/v1/auth/"):
        assert response.headers["Cache-Control"] == "no-store"


def test_checks_before_the_database_still_answer_first(dead_client: httpx.Client) -> None:
    """Routing, body checks, authentication of a bad token and validation need no database."""
    assert_error(dead_client.get("/v1/nope"), 404, "not_found")
    assert_error(
        dead_client.post("/v1/orders", content=b"{", headers={"Content-Type": "application/json"}),
        400,
        "malformed_json",
    )
    assert_error(dead_client.get("/v1/users/me", headers={"Authorization": "Bearer x"}), 401, "unauthorized")
    assert_error(dead_client.get("/v1/products", params={"limit": 0}), 422, "validation_error", {"limit"})
