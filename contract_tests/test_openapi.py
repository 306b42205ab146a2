"""Every front end publishes an OpenAPI document that describes the same API as Flask's."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from contract_tests.targets import Targets
from devtools.servers import FRONT_ENDS

# Human wording may differ between the documents; meaning may not.
PROSE_KEYS = {"title", "summary", "description"}


def normalized(value: Any, *, names: bool = False) -> Any:
    """Drop prose, treat `default: null` as absent, compare numbers as floats. The keys of a
    `properties` object are names, not keywords: a property called `description` (a product's)
    or `title` is schema, never prose."""
    if isinstance(value, dict):
        if names:
            return {key: normalized(item) for key, item in value.items()}
        return {
            key: normalized(item, names=key == "properties")
            for key, item in value.items()
            if key not in PROSE_KEYS and not (key == "default" and item is None)
        }
    if isinstance(value, list):
        return [normalized(item) for item in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def test_normalizing_drops_prose_but_keeps_properties_named_like_prose() -> None:
    schema = {
        "title": "Product",
        "description": "A product.",
        "properties": {
            "description": {"type": "string", "maxLength": 2000, "description": "What it is."},
            "title": {"type": "string", "default": None},
        },
    }
    assert normalized(schema) == {
        "properties": {"description": {"type": "string", "maxLength": 2000.0}, "title": {"type": "string"}}
    }


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


@pytest.fixture(scope="module")
def documents(request: pytest.FixtureRequest, targets: Targets) -> dict[str, dict[str, Any]]:
    if request.config.getoption("base_url"):
        pytest.skip("comparing documents needs our own front ends, not an external --base-url")
    found = {}
    for name in FRONT_ENDS:
        response = httpx.get(f"{targets.get(name).base_url}/openapi.json", timeout=30)
        assert response.status_code == 200
        assert response.json()["openapi"].startswith("3.")
        found[name] = response.json()
    return found


# Each FastAPI front end's document is compared with Flask's.
OTHERS = [name for name in FRONT_ENDS if name != "flask"]


@pytest.mark.parametrize("other", OTHERS)
def test_documents_have_the_same_paths_and_methods(documents: dict[str, dict[str, Any]], other: str) -> None:
    flask_ops, other_ops = (set(operations(documents[name])) for name in ("flask", other))
    assert flask_ops == other_ops
    assert len(flask_ops) == 19


@pytest.mark.parametrize("other", OTHERS)
def test_each_operation_has_the_same_parameters_body_and_responses(
    documents: dict[str, dict[str, Any]], other: str
) -> None:
    flask_ops, other_ops = (operations(documents[name]) for name in ("flask", other))
    for key, flask_op in flask_ops.items():
        other_op = other_ops[key]
        assert flask_op["operationId"] == other_op["operationId"], key
        assert normalized(flask_op.get("parameters", [])) == normalized(other_op.get("parameters", [])), key
        assert normalized(flask_op.get("requestBody")) == normalized(other_op.get("requestBody")), key
        assert normalized(flask_op["responses"]) == normalized(other_op["responses"]), key
        assert flask_op.get("security") == other_op.get("security"), key


@pytest.mark.parametrize("other", OTHERS)
def test_documents_define_the_same_schemas(documents: dict[str, dict[str, Any]], other: str) -> None:
    flask_doc, other_doc = (documents[name] for name in ("flask", other))
    assert normalized(flask_doc["components"]["schemas"]) == normalized(other_doc["components"]["schemas"])
    for name in ("ProductCreate", "ProductPublic", "ProductReplace", "ProductUpdate"):
        compared = normalized(flask_doc["components"]["schemas"][name])
        assert "description" in compared["properties"], (name, "the comparison must see the field")
    assert flask_doc["components"]["securitySchemes"] == other_doc["components"]["securitySchemes"]


def test_error_responses_use_the_contract_error_body(documents: dict[str, dict[str, Any]]) -> None:
    for name in FRONT_ENDS:
        for key, operation in operations(documents[name]).items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (name, key, status)
        assert "HTTPValidationError" not in documents[name]["components"]["schemas"], name


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_docs_page_is_served(front_end: str, targets: Targets, request: pytest.FixtureRequest) -> None:
    if request.config.getoption("base_url"):
        pytest.skip("checks our own front ends only")
    response = httpx.get(f"{targets.get(front_end).base_url}/docs", timeout=30)
    assert response.status_code == 200
    assert "swagger-ui" in response.text.lower()
