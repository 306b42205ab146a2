"""Deliberately broken servers, one per check of loadtests/gate/verify.py, to show that each check bites.

Each variant breaks exactly one behaviour, the same way on the Flask and the FastAPI front end, by
editing requests before the real app sees them (path, query string, headers) or responses after it answered:

    product_ids          GET /v1/products/{id} answers product id+1 for ids > 1
    q_filter             GET /v1/products ignores `q`
    price_filter         GET /v1/products ignores `max_price_cents`
    cursor               GET /v1/products ignores `cursor`
    forged_token         a token with a wrong signature is re-signed into a valid one
    expired_token        an expired token is re-issued into a valid one
    wrong_password_body  the 401 of POST /v1/auth/token loses its `message`
    conditional_get      `If-None-Match` is dropped
    product_cache        GET /v1/products/{id} answers from memory after the first read: the same
                         answers with less SQL (the "sql statements" check)
    floor_product_ids    the floor's GET /products/{id} answers product id+1 for ids > 1

The variants of the API sit inside its request middleware, as code of the app would, so the
middleware counts the SQL the variant lets through. The benchmark serves them by name:
`BENCH_SABOTAGE=<variant>` and the factory `loadtests.gate.sabotage:flask_app` (or fastapi_app,
flask_floor_app, fastapi_floor_app).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import jwt
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.auth import ALGORITHM, Tokens
from core.settings import Settings, get_settings
from fastapi_impl.app import create_app as create_fastapi_app
from flask_impl.app import create_app as create_flask_app
from loadtests.floor.fastapi_app import create_app as create_fastapi_floor
from loadtests.floor.flask_app import create_app as create_flask_floor

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ENVIRONMENT_VARIABLE = "BENCH_SABOTAGE"
LIST_PATH = "/v1/products"
LOGIN_PATH = "/v1/auth/token"


@dataclass
class Request:
    """What a variant may change before the app sees a request (header names in lower case)."""

    path: str
    query: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Sabotage:
    request: Callable[[Request], None] = lambda request: None
    # (path, status, body) -> the body to send instead, or None to keep it
    response: Callable[[str, int, bytes], bytes | None] | None = None
    # Which requests are answered from memory after their first answer
    replay: Callable[[Request], bool] | None = None


def _next_product(prefix: str) -> Callable[[Request], None]:
    pattern = re.compile(rf"^{re.escape(prefix)}/([1-9][0-9]*)$")

    def edit(request: Request) -> None:
        match = pattern.match(request.path)
        if match and int(match[1]) > 1:
            request.path = f"{prefix}/{int(match[1]) + 1}"

    return edit


def _drop_parameter(name: str) -> Callable[[Request], None]:
    def edit(request: Request) -> None:
        if request.path == LIST_PATH:
            request.query = urlencode(
                [(k, v) for k, v in parse_qsl(request.query, keep_blank_values=True) if k != name]
            )

    return edit


def _drop_header(name: str) -> Callable[[Request], None]:
    def edit(request: Request) -> None:
        request.headers.pop(name, None)

    return edit


def _reissue(settings: Settings, rejected: type[jwt.PyJWTError]) -> Callable[[Request], None]:
    """Replace a bearer token that the server would reject with `rejected` by a valid one."""
    tokens = Tokens.from_settings(settings)

    def edit(request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return
        try:
            jwt.decode(
                token,
                settings.jwt_secret.get_secret_value(),
                algorithms=[ALGORITHM],
                options={"verify_iss": False},
            )
        except rejected:
            claims = jwt.decode(token, options={"verify_signature": False})
            token = tokens.issue(int(claims["sub"]), claims.get("role", "customer"))
            request.headers["authorization"] = f"Bearer {token}"
        except jwt.PyJWTError:
            pass

    return edit


def _drop_login_message(path: str, status: int, body: bytes) -> bytes | None:
    if path != LOGIN_PATH or status != 401:
        return None
    return json.dumps({key: value for key, value in json.loads(body).items() if key != "message"}).encode()


def _product_read(request: Request) -> bool:
    return (
        re.fullmatch(r"/v1/products/\d+", request.path) is not None and "if-none-match" not in request.headers
    )


# Each variant, built from the settings the server runs with (the token variants sign with them).
IMPLEMENTATION: dict[str, Callable[[Settings], Sabotage]] = {
    "product_ids": lambda _: Sabotage(_next_product("/v1/products")),
    "q_filter": lambda _: Sabotage(_drop_parameter("q")),
    "price_filter": lambda _: Sabotage(_drop_parameter("max_price_cents")),
    "cursor": lambda _: Sabotage(_drop_parameter("cursor")),
    "forged_token": lambda settings: Sabotage(_reissue(settings, jwt.InvalidSignatureError)),
    "expired_token": lambda settings: Sabotage(_reissue(settings, jwt.ExpiredSignatureError)),
    "wrong_password_body": lambda _: Sabotage(response=_drop_login_message),
    "conditional_get": lambda _: Sabotage(_drop_header("if-none-match")),
    "product_cache": lambda _: Sabotage(replay=_product_read),
}
FLOOR: dict[str, Sabotage] = {"floor_product_ids": Sabotage(_next_product("/products"))}
VARIANTS: dict[str, tuple[str, ...]] = {"implementation": tuple(IMPLEMENTATION), "floor": tuple(FLOOR)}


def _pick(variant: str | None, target: str) -> str:
    name = variant or os.environ.get(ENVIRONMENT_VARIABLE, "")
    if name not in VARIANTS[target]:
        raise ValueError(f"{ENVIRONMENT_VARIABLE} must name one of {VARIANTS[target]}, not {name!r}")
    return name


# --- the factories ------------------------------------------------------------------------------


def flask_app(variant: str | None = None, settings: Settings | None = None) -> WSGIApplication:
    """The Flask API broken by `variant` (default: $BENCH_SABOTAGE)."""
    settings = settings or get_settings()
    app = create_flask_app(settings)
    middleware: Any = app.wsgi_app  # flask_impl/middleware.py, around Flask's own wsgi_app
    middleware.app = SabotagedWsgi(middleware.app, IMPLEMENTATION[_pick(variant, "implementation")](settings))
    return app


def fastapi_app(variant: str | None = None, settings: Settings | None = None) -> ASGIApp:
    """The FastAPI API broken by `variant` (default: $BENCH_SABOTAGE)."""
    settings = settings or get_settings()
    app = create_fastapi_app(settings)
    # The last middleware added is the innermost: inside fastapi_impl/middleware.py.
    sabotage = IMPLEMENTATION[_pick(variant, "implementation")](settings)
    app.user_middleware.append(Middleware(SabotagedAsgi, sabotage=sabotage))
    return app


def flask_floor_app(variant: str | None = None) -> WSGIApplication:
    """The Flask floor app (on $DATABASE_URL) broken by `variant` (default: $BENCH_SABOTAGE)."""
    return SabotagedWsgi(create_flask_floor(), FLOOR[_pick(variant, "floor")])


def fastapi_floor_app(variant: str | None = None) -> ASGIApp:
    """The FastAPI floor app (on $DATABASE_URL) broken by `variant` (default: $BENCH_SABOTAGE)."""
    return SabotagedAsgi(create_fastapi_floor(), FLOOR[_pick(variant, "floor")])


# --- the middleware -----------------------------------------------------------------------------


class SabotagedWsgi:
    def __init__(self, app: WSGIApplication, sabotage: Sabotage) -> None:
        self.app, self.sabotage = app, sabotage
        self.replies: dict[str, tuple[str, list[tuple[str, str]], bytes]] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        headers = {
            key[5:].lower().replace("_", "-"): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        request = Request(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), headers)
        self.sabotage.request(request)
        environ = {key: value for key, value in environ.items() if not key.startswith("HTTP_")}
        environ |= {"PATH_INFO": request.path, "QUERY_STRING": request.query}
        environ |= {
            f"HTTP_{name.upper().replace('-', '_')}": value for name, value in request.headers.items()
        }
        if self.sabotage.replay is not None and self.sabotage.replay(request):
            key = f"{request.path}?{request.query}"
            if key not in self.replies:
                self.replies[key] = self._answer(environ)
            status, reply_headers, body = self.replies[key]
            start_response(status, reply_headers)
            return [body]
        if self.sabotage.response is None:
            return self.app(environ, start_response)
        return self._rewritten(environ, start_response, self.sabotage.response)

    def _answer(self, environ: WSGIEnvironment) -> tuple[str, list[tuple[str, str]], bytes]:
        started: list[Any] = []

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            started[:] = [status, headers]
            return lambda data: None

        chunks = self.app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        return started[0], started[1], body

    def _rewritten(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        rewrite: Callable[[str, int, bytes], bytes | None],
    ) -> Iterable[bytes]:
        status, headers, body = self._answer(environ)
        new_body = rewrite(environ["PATH_INFO"], int(status[:3]), body)
        if new_body is not None:
            body = new_body
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [
                ("Content-Length", str(len(body)))
            ]
        start_response(status, headers)
        return [body]


class SabotagedAsgi:
    def __init__(self, app: ASGIApp, sabotage: Sabotage) -> None:
        self.app, self.sabotage = app, sabotage
        self.replies: dict[str, list[Message]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
        }
        request = Request(scope["path"], scope["query_string"].decode("latin-1"), headers)
        self.sabotage.request(request)
        if request.path != scope["path"]:
            scope = {**scope, "path": request.path, "raw_path": request.path.encode()}
        scope = {
            **scope,
            "query_string": request.query.encode("latin-1"),
            "headers": [
                (name.encode("latin-1"), value.encode("latin-1")) for name, value in request.headers.items()
            ],
        }
        if self.sabotage.replay is not None and self.sabotage.replay(request):
            key = f"{request.path}?{request.query}"
            if key not in self.replies:
                messages: list[Message] = []

                async def keep(message: Message) -> None:
                    messages.append(dict(message))

                await self.app(scope, receive, keep)
                self.replies[key] = messages
            for message in self.replies[key]:
                await send(dict(message))  # a copy: the middleware outside adds its headers to it
            return
        rewrite = self.sabotage.response
        if rewrite is None:
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        body = b""

        async def hold(message: Message) -> None:
            nonlocal body
            if message["type"] == "http.response.start":
                held.append(message)
                return
            body += message.get("body", b"")
            if message.get("more_body", False):
                return
            start = held[0]
            new_body = rewrite(request.path, start["status"], body)
            if new_body is not None:
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                start = {**start, "headers": [*headers, (b"content-length", str(len(new_body)).encode())]}
            await send(start)
            await send({"type": "http.response.body", "body": body if new_body is None else new_body})

        await self.app(scope, receive, hold)
