"""Liveness and readiness."""

from __future__ import annotations

from flask import Blueprint, Response

from core.schemas import Status
from flask_impl.deps import endpoint, json_response, runtime

bp = Blueprint("service", __name__)

# One response for every call: its bytes never change, nothing after the view changes a response
# (the WSGI middleware adds its headers on the way out), and building a Werkzeug response costs
# more than the rest of the view.
OK = json_response(Status())


@bp.get("/health")
@endpoint("public", response=Status)
def health() -> Response:
    return OK


@bp.get("/ready")
@endpoint("public", response=Status)
def ready() -> Response:
    runtime().db.ping()
    return OK
