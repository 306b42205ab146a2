"""The OpenAPI document of the Flask front end, generated from its own URL map, and the routes
that serve it and the documentation pages (core/http/docs.py).

Each view is an `Endpoint` (flask_impl/deps.py) whose `Operation` declares its access, body,
query and headers — the very declaration that is enforced — and its response. Paths, methods and
path parameters come from Werkzeug's rules, so a route that exists is documented and a
documented route exists. Schemas are produced by pydantic, as FastAPI does.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, json
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from werkzeug.routing import Rule

from core.errors import NotFound
from core.http import docs, openapi
from core.schemas import ErrorBody, PathId
from flask_impl.deps import Endpoint, Operation

REF_TEMPLATE = "#/components/schemas/{model}"
PATH_ID_SCHEMA = TypeAdapter(PathId).json_schema()


def build_document(app: Flask) -> dict[str, Any]:
    documented: list[tuple[Rule, str, Operation]] = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if isinstance(view, Endpoint):
            documented.append((rule, view.__name__, view.operation))

    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for _, _, op in documented:
        if op.body is not None:
            models.append((op.body, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    refs, definitions = models_json_schema(models, ref_template=REF_TEMPLATE)

    paths: dict[str, dict[str, Any]] = {}
    for rule, operation_id, op in documented:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        tag = rule.endpoint.partition(".")[0]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _describe(
                op, operation_id, tag, rule.arguments, refs
            )

    return {
        "openapi": "3.1.0",
        "info": {
            "title": openapi.API_TITLE,
            "version": openapi.API_VERSION,
            "description": openapi.API_DESCRIPTION,
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {openapi.BEARER_SCHEME_NAME: openapi.BEARER_SCHEME},
        },
    }


def _describe(
    op: Operation, operation_id: str, tag: str, path_args: set[str], refs: dict[Any, dict[str, Any]]
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": PATH_ID_SCHEMA} for name in sorted(path_args)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema()
        for name, property_schema in schema["properties"].items():
            required = name in schema.get("required", [])
            parameters.append({"name": name, "in": "query", "required": required, "schema": property_schema})
    for header in op.headers.values():
        parameters.append(
            {"name": header.name, "in": "header", "required": False, "schema": header.adapter.json_schema()}
        )

    success: dict[str, Any] = {"description": openapi.describe(op.status)}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": refs[(op.response, "serialization")]}}
    responses: dict[str, Any] = {str(op.status): success}
    error_schema = refs[(ErrorBody, "serialization")]
    for status in openapi.extra_statuses(operation_id):
        response: dict[str, Any] = {"description": openapi.describe(status)}
        if status >= 400:
            response["content"] = {"application/json": {"schema": error_schema}}
        responses[str(status)] = response

    described: dict[str, Any] = {
        "tags": [tag],
        "summary": operation_id.replace("_", " ").title(),
        "operationId": operation_id,
        "responses": responses,
    }
    if parameters:
        described["parameters"] = parameters
    if op.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    if op.access != "public":
        described["security"] = [{openapi.BEARER_SCHEME_NAME: []}]
    return described


bp = Blueprint("openapi", __name__)


@bp.get(docs.OPENAPI_URL)
def openapi_document() -> Response:
    if "openapi_document" not in current_app.extensions:
        current_app.extensions["openapi_document"] = json.dumps(build_document(current_app))
    return Response(current_app.extensions["openapi_document"], mimetype="application/json")


@bp.get("/docs")
def swagger_ui() -> Response:
    return _page(docs.swagger_ui_page())


@bp.get("/redoc")
def redoc() -> Response:
    return _page(docs.redoc_page())


@bp.get(f"{docs.ASSET_PREFIX}<name>")
def docs_asset(name: str) -> Response:
    found = docs.asset(name)
    if found is None:
        raise NotFound()
    return Response(found.body, headers=list(found.headers))


def _page(page: docs.Page) -> Response:
    return Response(page.body, headers=list(page.headers))
