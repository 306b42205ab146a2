"""GET /metrics (core/metrics.py): not behind auth, outside the API's OpenAPI document, and not
there at all when METRICS_ENABLED is off."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from core.metrics import CONTENT_TYPE, METRICS_PATH, Metrics


def add_metrics_route(app: FastAPI, metrics: Metrics) -> None:
    def metrics_text(_request: Request) -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    app.add_route(METRICS_PATH, metrics_text, methods=["GET"], include_in_schema=False)
