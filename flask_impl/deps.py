"""Per-request helpers: the runtime, the caller, validated input, JSON responses."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from flask import Response, current_app, g, request
from pydantic import BaseModel, TypeAdapter, ValidationError

from core.auth import Principal
from core.errors import Detail, InvalidInput, details_from_pydantic
from core.runtime import Runtime
from core.services import users

ModelT = TypeVar("ModelT", bound=BaseModel)
EXTENSION_KEY = "shop"
# Set in the WSGI environ by flask_impl.app.RequestContextMiddleware.
REQUEST_ID_KEY = "shop.request_id"
JSON_BODY_KEY = "shop.json_body"  # the parsed body of a request that has one


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions[EXTENSION_KEY]
    return rt


def current_principal() -> Principal:
    """The authenticated caller (401 otherwise), looked up once per request."""
    if "principal" not in g:
        rt = runtime()
        g.principal = users.authenticate(request.headers.get("Authorization"), db=rt.db, tokens=rt.tokens)
    principal: Principal = g.principal
    return principal


def admin_principal() -> Principal:
    return users.require_admin(current_principal())


class Input:
    """Validates body, query and headers together, so one 422 names every bad field,
    as FastAPI reports them."""

    def __init__(self) -> None:
        self.details: list[Detail] = []

    def body(self, model: type[ModelT]) -> ModelT:
        return cast(ModelT, self._validate(model, request.environ.get(JSON_BODY_KEY), ()))

    def query(self, model: type[ModelT]) -> ModelT:
        # The last value wins for repeated parameters, as in Starlette.
        params = {name: request.args.getlist(name)[-1] for name in request.args}
        return cast(ModelT, self._validate(model, params, ()))

    def header(self, name: str, adapter: TypeAdapter[Any]) -> Any:
        value = request.headers.get(name)
        return None if value is None else self._validate(adapter, value, (name,))

    def _validate(
        self, schema: type[BaseModel] | TypeAdapter[Any], data: Any, prefix: tuple[str, ...]
    ) -> Any:
        try:
            if isinstance(schema, TypeAdapter):
                return schema.validate_python(data)
            return schema.model_validate(data)
        except ValidationError as error:
            errors = [{**item, "loc": (*prefix, *item["loc"])} for item in error.errors()]
            self.details.extend(details_from_pydantic(errors))
            return None

    def check(self) -> None:
        if self.details:
            raise InvalidInput("Request is invalid", self.details)


def parse_body(model: type[ModelT]) -> ModelT:
    parsed = Input()
    data = parsed.body(model)
    parsed.check()
    return data


def parse_query(model: type[ModelT]) -> ModelT:
    parsed = Input()
    data = parsed.query(model)
    parsed.check()
    return data


def json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # content_type, not mimetype: the value is final, Werkzeug need not work out a charset.
    return Response(model.model_dump_json(), status=status, headers=headers, content_type="application/json")


def no_content() -> Response:
    """A 204 without Content-Type (Werkzeug would label the empty body text/html)."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response
