"""Liveness and readiness."""

from __future__ import annotations

from flask import Blueprint, Response

from core.schemas import Status
from flask_impl.deps import json_response, runtime
from flask_impl.openapi import operation

bp = Blueprint("service", __name__)


@bp.get("/health")
@operation(response=Status)
def health() -> Response:
    return json_response(Status())


@bp.get("/ready")
@operation(response=Status)
def ready() -> Response:
    runtime().db.ping()
    return json_response(Status())
