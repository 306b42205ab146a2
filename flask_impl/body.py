"""The contract's body checks (413, 415, 400) on the WSGI environ, before Flask dispatches (so
before authentication). A view gets the parsed body from deps."""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING

from flask import Response
from werkzeug.exceptions import ClientDisconnected, HTTPException
from werkzeug.routing import Map
from werkzeug.wsgi import get_content_length, get_input_stream

from core.errors import DomainError, MalformedJson, PayloadTooLarge
from core.http.body import BODY_METHODS, parse_json_body
from flask_impl.deps import JSON_BODY_KEY
from flask_impl.errors import error_response

MATCHED_ENDPOINT_KEY = "shop.matched_endpoint"  # set when the body checks matched the URL

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

# A body we answer without reading is read and dropped up to this size; past it, we close.
DISCARD_LIMIT = 1 << 20


def needs_check(environ: WSGIEnvironment) -> bool:
    """Whether the request has a body or its method needs one (almost no request: a GET has none)."""
    has_body = environ.get("CONTENT_LENGTH", "0") not in ("", "0") or "HTTP_TRANSFER_ENCODING" in environ
    return has_body or environ["REQUEST_METHOD"] in BODY_METHODS


def check_body(environ: WSGIEnvironment, url_map: Map, max_bytes: int) -> tuple[Response | None, bool]:
    """The error to answer instead of dispatching, if any, and whether the connection can stay
    open: a body we answer without reading (404, 405, 413, 415) is read and dropped first."""
    stream = get_input_stream(environ)
    try:
        rule, _ = url_map.bind_to_environ(environ).match(return_rule=True)
    except HTTPException:
        return None, _discard(stream)  # 404/405 come first; Flask answers them
    environ[MATCHED_ENDPOINT_KEY] = rule.endpoint  # for the metrics of an answer given here
    try:
        if (get_content_length(environ) or 0) > max_bytes:
            raise PayloadTooLarge()
        # One byte more than allowed, so that a chunked body (no Content-Length) that is too
        # large is a 413 too.
        body: bytes = stream.read(max_bytes + 1)
        environ[JSON_BODY_KEY] = parse_json_body(
            environ["REQUEST_METHOD"], environ.get("CONTENT_TYPE"), body, max_bytes
        )
    except DomainError as error:
        return error_response(error), _discard(stream)
    except ClientDisconnected:
        return error_response(MalformedJson()), False  # the body ended early
    # Anything in Flask that reads the body after us finds it here.
    environ["wsgi.input"] = io.BytesIO(body)
    return None, True


def _discard(stream: IO[bytes]) -> bool:
    """Read and drop what is left of a body. Closing a connection with unread data on it makes
    TCP reset it, and the client can lose the answer; reading the rest lets the connection stay
    open. Past DISCARD_LIMIT we stop and close instead. False when something is left unread."""
    discarded = 0
    while discarded <= DISCARD_LIMIT:
        chunk = stream.read(65536)
        if not chunk:
            return True
        discarded += len(chunk)
    return False
