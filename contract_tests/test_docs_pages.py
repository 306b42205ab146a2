"""The documentation pages (contract §4): `/docs` (Swagger UI) and `/redoc` (ReDoc) work without
internet. Every file a page loads is served by the API itself, with a content type a browser
accepts under `nosniff`; the pages' Content-Security-Policy lets them run and load nothing from
elsewhere; the pages are the same bytes on every front end and stay out of the OpenAPI document."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from contract_tests.helpers import assert_error
from contract_tests.targets import Targets
from devtools.servers import FRONT_ENDS

PAGES = ["/docs", "/redoc"]
PNG = b"\x89PNG"
# What each page must load, by file name, and the library that file must hold.
EXPECTED = {
    "/docs": {
        "swagger-ui-bundle.js": b"SwaggerUIBundle",
        "swagger-ui.css": b".swagger-ui",
        "favicon.png": PNG,
    },
    "/redoc": {"redoc.standalone.js": b"Redoc", "favicon.png": PNG},
}
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
# Swagger UI's initializer names the document as `url: "..."`.
SWAGGER_DOCUMENT_URL = re.compile(r"""\burl:\s*["']([^"']+)["']""")


class References(HTMLParser):
    """Every URL-valued attribute of a page (src, href, spec-url) and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [value for name, value in attrs if name in ("src", "href", "spec-url") and value]
        self._in_inline_script = tag == "script" and "src" not in values

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.inline_scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_inline_script = False


def references(html: str) -> References:
    parser = References()
    parser.feed(html)
    parser.close()
    return parser


def page_references(client: httpx.Client, page: str) -> tuple[httpx.Response, References]:
    response = client.get(page)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    found = references(response.text)
    for script in found.inline_scripts:
        found.urls += SWAGGER_DOCUMENT_URL.findall(script)
    return response, found


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_only_files_the_api_serves_itself(client: httpx.Client, page: str) -> None:
    _, found = page_references(client, page)
    assert found.urls, "the page references nothing"
    names = set()
    for url in found.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{page} loads {url} from elsewhere"
        assert parts.path.startswith("/"), url
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url
        assert response.headers.get("X-Request-ID"), url
        if parts.path == "/openapi.json":
            assert response.headers["content-type"].startswith("application/json")
            assert response.json()["openapi"].startswith("3.")
            continue
        name = parts.path.rsplit("/", 1)[-1]
        names.add(name)
        suffix = name[name.rfind(".") :]
        assert response.headers["content-type"].startswith(CONTENT_TYPES[suffix]), (url, response.headers)
        assert len(response.content) > 1000, url
        assert EXPECTED[page][name] in response.content, url
    assert names == set(EXPECTED[page])
    assert "/openapi.json" in found.urls, "the page does not show the API's document"


@pytest.mark.parametrize("page", PAGES)
def test_page_policy_lets_it_run_and_load_nothing_from_elsewhere(client: httpx.Client, page: str) -> None:
    response, found = page_references(client, page)
    policy = response.headers["Content-Security-Policy"]
    directives = dict((part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == ["'none'"]
    for directive, sources in directives.items():
        for source in sources:
            assert "://" not in source and source not in ("*", "http:", "https:"), (directive, source)
    assert "'unsafe-inline'" not in directives["script-src"]
    for script in found.inline_scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in directives["script-src"], "an inline script the policy blocks"
    assert "'self'" in directives["connect-src"]  # the page fetches /openapi.json


@pytest.mark.parametrize("page", PAGES)
def test_pages_are_revalidated_and_their_files_cached_long(client: httpx.Client, page: str) -> None:
    response, found = page_references(client, page)
    assert response.headers["Cache-Control"] == "no-cache"
    for url in found.urls:
        if url.startswith("/docs/assets/"):
            cache = client.get(url).headers["Cache-Control"]
            max_age = re.search(r"max-age=(\d+)", cache)
            assert max_age and int(max_age.group(1)) >= 86400 * 30, cache
            assert "?v=" in url, "a long-cached file needs its version in its URL"


@pytest.mark.parametrize(
    "path",
    [
        "/docs/assets/nope.js",
        "/docs/assets/swagger-ui.js",
        "/docs/assets/FAVICON.PNG",
        "/docs/assets/__init__.py",
        "/docs/assets/..%2F__init__.py",
        "/docs/assets/%2e%2e%2fcore.py",
        "/docs/assets/",
        "/docs/assets",
        "/docs/",
        "/redoc/",
    ],
)
def test_unknown_documentation_file_is_404_in_the_error_format(client: httpx.Client, path: str) -> None:
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/assets/favicon.png"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_wrong_method_on_a_documentation_route_is_405_with_allow(
    client: httpx.Client, path: str, method: str
) -> None:
    response = client.request(method, path)
    assert_error(response, 405, "method_not_allowed")
    assert {m.strip() for m in response.headers["Allow"].split(",")} - {"HEAD", "OPTIONS"} == {"GET"}


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/assets/swagger-ui.css"])
def test_documentation_routes_echo_the_request_id_and_apply_the_body_checks(
    client: httpx.Client, path: str
) -> None:
    assert client.get(path, headers={"X-Request-ID": "docs-1"}).headers["X-Request-ID"] == "docs-1"
    response = client.request("GET", path, content=b"x", headers={"Content-Type": "text/plain"})
    assert_error(response, 415, "unsupported_media_type")


def test_documentation_routes_stay_out_of_the_api_document(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith(("/docs", "/redoc"))], paths


@pytest.mark.parametrize("page", PAGES)
def test_pages_and_files_are_the_same_on_every_front_end(
    request: pytest.FixtureRequest, targets: Targets, page: str
) -> None:
    if request.config.getoption("base_url"):
        pytest.skip("comparing front ends needs ours, not an external --base-url")
    answers = {}
    for name in FRONT_ENDS:
        with httpx.Client(base_url=targets.get(name).base_url, timeout=30) as http:
            response, found = page_references(http, page)
            files = {url: hashlib.sha256(http.get(url).content).hexdigest() for url in found.urls}
            files.pop("/openapi.json")  # compared by contract_tests/test_openapi.py
            headers = {key: response.headers[key] for key in ("Content-Type", "Content-Security-Policy")}
            answers[name] = json.dumps([response.text, headers, files])
    assert len(set(answers.values())) == 1, f"{page} differs between front ends"
