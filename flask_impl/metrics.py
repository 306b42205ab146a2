"""GET /metrics (core/metrics.py): not behind auth, outside the API's OpenAPI document, and not
there at all when METRICS_ENABLED is off."""

from __future__ import annotations

from flask import Flask, Response

from core.metrics import CONTENT_TYPE, METRICS_PATH, Metrics
from flask_impl.deps import Endpoint


def operations(app: Flask) -> dict[str, str]:
    """Each API view's endpoint name -> its OpenAPI operationId (the metrics' `operation` label)."""
    return {name: view.__name__ for name, view in app.view_functions.items() if isinstance(view, Endpoint)}


def add_metrics_route(app: Flask, metrics: Metrics) -> None:
    def metrics_text() -> Response:
        return Response(metrics.exposition(), content_type=CONTENT_TYPE)

    app.add_url_rule(METRICS_PATH, "metrics", metrics_text, methods=["GET"])
