"""core/metrics.py without HTTP servers: the pool gauges, and /metrics switched off."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.db import Database
from core.metrics import Metrics
from core.settings import Settings
from devtools.servers import FRONT_ENDS


def gauge(metrics: Metrics, name: str) -> float:
    text = metrics.exposition().decode()
    [family] = [family for family in text_string_to_metric_families(text) if family.name == name]
    return float(family.samples[0].value)


def test_pool_gauges_follow_checkouts_and_returns(db: Database) -> None:
    metrics = Metrics()
    metrics.watch_pool(db.engine)
    size = gauge(metrics, "shop_db_pool_size")
    assert size > 0
    held = [db.engine.connect() for _ in range(3)]
    assert gauge(metrics, "shop_db_pool_checked_out") == 3
    for connection in held:
        connection.close()
    assert gauge(metrics, "shop_db_pool_checked_out") == 0
    assert gauge(metrics, "shop_db_pool_overflow") == 0


def client_for(front_end: str, settings: Settings) -> Any:
    """The front end's own test client (Werkzeug's for Flask, Starlette's for the others)."""
    if front_end == "flask":
        from flask_impl.app import create_app

        return create_app(settings).test_client()
    from starlette.testclient import TestClient

    from contract_tests.targets import asgi_app

    return TestClient(asgi_app(front_end, settings))


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_metrics_switched_off_is_a_404_in_the_error_format(
    front_end: str, settings: Settings, db: Database
) -> None:
    off = settings.model_copy(update={"metrics_enabled": False})
    with client_for(front_end, off) as client:
        response = client.get("/metrics")
        body = response.get_json() if front_end == "flask" else response.json()
    assert response.status_code == 404
    assert body["error"] == "not_found", body
