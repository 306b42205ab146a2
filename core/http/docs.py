"""The interactive API documentation, the same bytes on every front end and with no internet:
`/docs` (Swagger UI) and `/redoc` (ReDoc), and the files they load, served under `/docs/assets/`.

The files come from the `fastapi-offline` package (pinned in requirements.lock): its directory is
found with `find_spec`, which does not run the package (its `__init__` imports FastAPI, which
Flask must never load). Only the names in `ASSET_TYPES` are served. Each page links its files
with a hash of their content (`?v=…`), so they can be cached for a year and a new version of the
package still reaches the browser: the pages themselves are revalidated on every visit.

The pages carry their own Content-Security-Policy: scripts only from this origin plus the one
inline script, by its hash; inline styles (both UIs set them); data: images (Swagger UI's icons);
blob: workers (ReDoc's search index).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from core.http.openapi import API_TITLE

OPENAPI_URL = "/openapi.json"
ASSET_PREFIX = "/docs/assets/"
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
PAGE_CACHE_CONTROL = "no-cache"

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Asset:
    body: bytes
    headers: Headers
    url: str  # where the pages link it, with its content hash


@dataclass(frozen=True)
class Page:
    body: bytes
    headers: Headers


def assets_directory() -> Path:
    spec = find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the fastapi-offline package is not installed: /docs and /redoc need its files")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def asset(name: str) -> Asset | None:
    """The file called `name`, or None if it is not one of the documentation's files."""
    return _load(name) if name in ASSET_TYPES else None


@cache  # only ever called with a known name, so the cache holds at most four files
def _load(name: str) -> Asset:
    body = (assets_directory() / name).read_bytes()
    headers = (("Content-Type", ASSET_TYPES[name]), ("Cache-Control", ASSET_CACHE_CONTROL))
    version = hashlib.sha256(body).hexdigest()[:16]
    return Asset(body, headers, f"{ASSET_PREFIX}{name}?v={version}")


def _url(name: str) -> str:
    return _load(name).url


SWAGGER_UI_INIT = (
    f'SwaggerUIBundle({{url: "{OPENAPI_URL}", dom_id: "#swagger-ui", deepLinking: true, '
    'validatorUrl: null, layout: "BaseLayout", '
    "presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]})"
)


def _script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src 'self' {_script_hash(SWAGGER_UI_INIT)}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS: Headers = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", PAGE_CACHE_CONTROL),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
)


def _page(title: str, head: str, body: str) -> Page:
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{API_TITLE} - {title}</title>
<link rel="icon" type="image/png" href="{_url("favicon.png")}">
{head}</head>
<body>
{body}</body>
</html>
"""
    return Page(html.encode(), PAGE_HEADERS)


@cache
def swagger_ui_page() -> Page:
    return _page(
        "Swagger UI",
        f'<link rel="stylesheet" href="{_url("swagger-ui.css")}">\n',
        f'<div id="swagger-ui"></div>\n<script src="{_url("swagger-ui-bundle.js")}"></script>\n'
        f"<script>{SWAGGER_UI_INIT}</script>\n",
    )


@cache
def redoc_page() -> Page:
    # The standalone bundle renders every <redoc spec-url=…> element once loaded.
    return _page(
        "ReDoc",
        "<style>body { margin: 0; padding: 0; }</style>\n",
        f'<redoc spec-url="{OPENAPI_URL}"></redoc>\n<script src="{_url("redoc.standalone.js")}"></script>\n',
    )
