"""The verification gate passes the Flask and FastAPI front ends and their floors, and refuses every sabotaged
variant (loadtests/gate/sabotage.py), naming the one check it breaks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.types import ASGIApp

from contract_tests.differential.front_ends import PortalTransport
from core.auth import Passwords
from core.db import Database
from core.settings import Settings, settings_from
from devtools.databases import fresh_database
from fastapi_impl.app import create_app as create_fastapi_app
from flask_impl.app import create_app as create_flask_app
from loadtests.config.dataset import SeedSpec
from loadtests.config.matrix import SERVER_ENV
from loadtests.env.fixture import Fixture, seeded_fixture
from loadtests.env.seed import PASSWORD, seed
from loadtests.floor.fastapi_app import create_app as create_fastapi_floor
from loadtests.floor.flask_app import create_app as create_flask_floor
from loadtests.gate import sabotage
from loadtests.gate.verify import VERIFY_ENV, verify_floor, verify_implementation

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

SPEC = SeedSpec(users=50, products=300, orders=100)
FRONT_ENDS = ("flask", "fastapi")
REAL_APPS: dict[str, Callable[[Settings], WSGIApplication | ASGIApp]] = {
    "flask": create_flask_app,
    "fastapi": create_fastapi_app,
}
REAL_FLOORS: dict[str, Callable[[], WSGIApplication | ASGIApp]] = {
    "flask": create_flask_floor,
    "fastapi": create_fastapi_floor,
}
# The check each variant breaks: the gate must name it, and no other.
BROKEN_CHECK = {
    "product_ids": "product by id",
    "q_filter": "q filter",
    "price_filter": "price filter",
    "cursor": "cursor",
    "forged_token": "forged token",
    "expired_token": "expired token",
    "wrong_password_body": "wrong password",
    "conditional_get": "conditional GET",
    "product_cache": "sql statements",
    "floor_product_ids": "product by id",
}


@dataclass(frozen=True)
class Seeded:
    url: str
    settings: Settings
    fixture: Fixture


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    with fresh_database("sqlite", tmp_path_factory.mktemp("verify"), "verify") as url:
        settings = settings_from(SERVER_ENV | VERIFY_ENV | {"DATABASE_URL": url})
        db = Database(url)
        seed(db, SPEC, Passwords.from_settings(settings).hash(PASSWORD))
        db.dispose()
        yield Seeded(url, settings, seeded_fixture(SPEC, settings))


@pytest.fixture(scope="module")
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal() as portal:
        yield portal


@pytest.fixture
def floor_env(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """The floor apps read their database from the environment."""
    monkeypatch.setenv("DATABASE_URL", seeded.url)


def _client(front_end: str, app: WSGIApplication | ASGIApp, portal: BlockingPortal) -> httpx.Client:
    if front_end == "flask":
        transport: httpx.BaseTransport = httpx.WSGITransport(app=app)  # type: ignore[arg-type]
    else:
        transport = PortalTransport(app, portal)  # type: ignore[arg-type]
    return httpx.Client(transport=transport, base_url="http://test")


def _failed_checks(failures: list[str]) -> set[str]:
    return {failure.split(":", 1)[0] for failure in failures}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_the_gate_passes_the_real_front_end(front_end: str, seeded: Seeded, portal: BlockingPortal) -> None:
    with _client(front_end, REAL_APPS[front_end](seeded.settings), portal) as client:
        assert verify_implementation(client, seeded.fixture, seeded.url, seeded.settings) == []


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_the_gate_passes_the_real_floor(
    front_end: str, seeded: Seeded, portal: BlockingPortal, floor_env: None
) -> None:
    with _client(front_end, REAL_FLOORS[front_end](), portal) as client:
        assert verify_floor(client, seeded.url) == []


@pytest.mark.parametrize("variant", sabotage.VARIANTS["implementation"])
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_the_gate_refuses_a_sabotaged_front_end_naming_the_broken_check(
    front_end: str, variant: str, seeded: Seeded, portal: BlockingPortal
) -> None:
    factory = sabotage.flask_app if front_end == "flask" else sabotage.fastapi_app
    with _client(front_end, factory(variant, seeded.settings), portal) as client:
        failures = verify_implementation(client, seeded.fixture, seeded.url, seeded.settings)
    assert failures, f"{variant} went unnoticed"
    assert _failed_checks(failures) == {BROKEN_CHECK[variant]}, failures


@pytest.mark.parametrize("variant", sabotage.VARIANTS["floor"])
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_the_gate_refuses_a_sabotaged_floor_naming_the_broken_check(
    front_end: str, variant: str, seeded: Seeded, portal: BlockingPortal, floor_env: None
) -> None:
    factory = sabotage.flask_floor_app if front_end == "flask" else sabotage.fastapi_floor_app
    with _client(front_end, factory(variant), portal) as client:
        failures = verify_floor(client, seeded.url)
    assert failures, f"{variant} went unnoticed"
    assert _failed_checks(failures) == {BROKEN_CHECK[variant]}, failures


def test_the_factories_take_their_variant_from_bench_sabotage(
    seeded: Seeded, portal: BlockingPortal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_SABOTAGE", "q_filter")
    with _client("fastapi", sabotage.fastapi_app(settings=seeded.settings), portal) as client:
        failures = verify_implementation(client, seeded.fixture, seeded.url, seeded.settings)
    assert _failed_checks(failures) == {"q filter"}
    monkeypatch.setenv("BENCH_SABOTAGE", "no_such_variant")
    with pytest.raises(ValueError, match="BENCH_SABOTAGE must name one of"):
        sabotage.flask_app(settings=seeded.settings)
