"""What a view gets: the runtime, and the inputs and access it declares with `@endpoint`.

`@endpoint` is Flask's counterpart of a FastAPI signature. It states the access (`public`,
`customer`: any signed-in user, `admin`), the body, query and headers, and the response; at
call time it checks access first (the contract's error order), then validates body, query and
headers together (one 422 names every bad field, as FastAPI reports them) and passes them to the
view by name: `actor`, `data`, `query`, and one argument per header. The OpenAPI document is
built from the same declaration (flask_impl/openapi.py), so it cannot drift from what is enforced.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from flask import Response, current_app, request
from pydantic import BaseModel, TypeAdapter, ValidationError

from core.errors import Detail, InvalidInput, details_from_pydantic
from core.runtime import Runtime
from core.schemas import IdempotencyKey
from core.services import users

Access = Literal["public", "customer", "admin"]
View = Callable[..., Response]

EXTENSION_KEY = "shop"
# Set in the WSGI environ by flask_impl/middleware.py and flask_impl/body.py.
REQUEST_ID_KEY = "shop.request_id"
JSON_BODY_KEY = "shop.json_body"  # the parsed body of a request that has one


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions[EXTENSION_KEY]
    return rt


@dataclass(frozen=True)
class HeaderParam:
    name: str
    adapter: TypeAdapter[Any]


IF_MATCH = HeaderParam("If-Match", TypeAdapter(str | None))
IF_NONE_MATCH = HeaderParam("If-None-Match", TypeAdapter(str | None))
IDEMPOTENCY_KEY = HeaderParam("Idempotency-Key", TypeAdapter(IdempotencyKey | None))


@dataclass(frozen=True)
class Operation:
    access: Access
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: Mapping[str, HeaderParam] = field(default_factory=dict)
    response: type[BaseModel] | None = None
    status: int = 200


class Endpoint:
    """A view and its declared operation; Flask calls it with the path's values."""

    __name__: str

    def __init__(self, view: View, operation: Operation) -> None:
        self.view = view
        self.operation = operation
        self.__name__ = view.__name__
        self.__doc__ = view.__doc__
        self.passes_actor = "actor" in inspect.signature(view).parameters
        self.has_inputs = bool(operation.body or operation.query or operation.headers)
        _check_parameters(view, operation, self.passes_actor)

    def __call__(self, **path_values: Any) -> Response:
        op = self.operation
        if op.access == "public" and not self.has_inputs:
            return self.view(**path_values)  # nothing to check: /health, a product read
        arguments = dict(path_values)
        if op.access != "public":
            rt = runtime()
            actor = users.authenticate(
                request.headers.get("Authorization"), operation_id=self.__name__, db=rt.db, tokens=rt.tokens
            )
            if op.access == "admin":
                users.require_admin(actor)
            if self.passes_actor:
                arguments["actor"] = actor
        parsed = Input()
        if op.body is not None:
            arguments["data"] = parsed.body(op.body)
        if op.query is not None:
            arguments["query"] = parsed.query(op.query)
        for name, header in op.headers.items():
            arguments[name] = parsed.header(header)
        parsed.check()
        return self.view(**arguments)


def endpoint(
    access: Access,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    headers: Mapping[str, HeaderParam] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
) -> Callable[[View], Endpoint]:
    operation = Operation(access, body, query, headers or {}, response, status)
    return lambda view: Endpoint(view, operation)


def _check_parameters(view: View, operation: Operation, passes_actor: bool) -> None:
    """Fail at import, not at request time, when a declaration and its view disagree."""
    declared = {"data": operation.body, "query": operation.query, **operation.headers}
    parameters = inspect.signature(view).parameters
    missing = [name for name, value in declared.items() if value is not None and name not in parameters]
    if missing:
        raise TypeError(f"{view.__name__} declares {missing} but takes no such parameters")
    if passes_actor and operation.access == "public":
        raise TypeError(f"{view.__name__} is public: it has no actor")


class Input:
    """Validates body, query and headers together, so one 422 names every bad field."""

    def __init__(self) -> None:
        self.details: list[Detail] = []

    def body(self, model: type[BaseModel]) -> Any:
        return self._validate(model, request.environ.get(JSON_BODY_KEY), ())

    def query(self, model: type[BaseModel]) -> Any:
        # The last value wins for repeated parameters, as in Starlette.
        params = {name: request.args.getlist(name)[-1] for name in request.args}
        return self._validate(model, params, ())

    def header(self, header: HeaderParam) -> Any:
        value = request.headers.get(header.name)
        return None if value is None else self._validate(header.adapter, value, (header.name,))

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


def json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # content_type, not mimetype: the value is final, Werkzeug need not work out a charset.
    return Response(model.model_dump_json(), status=status, headers=headers, content_type="application/json")


def no_content() -> Response:
    """A 204 without Content-Type (Werkzeug would label the empty body text/html)."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response
