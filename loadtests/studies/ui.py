"""`make ui URL=...`: Locust's web UI against one running server (for example `make serve`'s).

The UI offers only the scenarios that fit the server: the implementation's against an API
server (it answers `GET /health`), the floor's against a floor app (`GET /hello`). For an API
server the test data is prepared over HTTP first: a few customers are registered and logged in,
and the product listing is walked for ids and cursors (works against any server that implements
the contract); for a floor app, the highest product id is found by probing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid
from typing import Literal

import httpx

from devtools.servers import REPO_ROOT
from loadtests.config.options import Shared
from loadtests.config.scenarios import FLOOR_SCENARIOS, LOCUSTFILE, USER_CLASSES
from loadtests.env.fixture import Fixture

CUSTOMERS = 20
PASSWORD = "locust-ui-password"


Kind = Literal["implementation", "floor"]


def server_kind(client: httpx.Client) -> Kind:
    if client.get("/health").status_code == 200:
        return "implementation"
    if client.get("/hello").status_code == 200:
        return "floor"
    raise SystemExit(f"{client.base_url} answers neither /health (the API) nor /hello (a floor app)")


def user_classes(kind: Kind) -> list[str]:
    """The Locust user classes that can run against this kind of server."""
    floor = set(FLOOR_SCENARIOS.values())
    return [cls for name, cls in USER_CLASSES.items() if (name in floor) == (kind == "floor")]


def highest_floor_product(client: httpx.Client) -> int:
    """The floor app serves /products/{id} only: the highest id with a 200, by doubling then bisecting."""
    high = 1
    while client.get(f"/products/{high * 2}").status_code == 200:
        high *= 2
    low, high = high, high * 2  # low exists, high does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if client.get(f"/products/{middle}").status_code == 200 else (low, middle)
    return low


def floor_fixture(client: httpx.Client) -> Fixture:
    return Fixture(
        tokens=["-"], token_emails=["-"], emails=["-"], password="-", admin_email="",
        products=highest_floor_product(client), cursors=[], words=["a"],
    )  # fmt: skip


def fixture_over_http(base_url: str) -> Fixture:
    run = uuid.uuid4().hex[:8]
    emails, tokens = [], []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for index in range(CUSTOMERS):
            email = f"locust-{run}-{index}@example.com"
            body = {"email": email, "password": PASSWORD, "name": f"Locust {index}"}
            client.post("/v1/auth/register", json=body).raise_for_status()
            token = client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
            token.raise_for_status()
            emails.append(email)
            tokens.append(token.json()["access_token"])
        cursors, names, highest, cursor = [], [], 0, None
        for _ in range(20):
            page = client.get(
                "/v1/products", params={"limit": "100", **({"cursor": cursor} if cursor else {})}
            ).json()
            highest = max([highest, *(p["id"] for p in page["items"])])
            names += [p["name"] for p in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            cursors.append(cursor)
    words = sorted({word.lower() for name in names for word in name.split() if word.isalpha()})[:50]
    return Fixture(
        tokens=tokens,
        token_emails=emails,
        emails=emails,
        password=PASSWORD,
        admin_email="",
        products=highest,
        cursors=cursors,
        words=words or ["a"],
    )


SHARED: tuple[Shared, ...] = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="base URL of a running server, e.g. http://127.0.0.1:8002")
    parser.add_argument("--web-port", default="8089")


def run(args: argparse.Namespace) -> int:
    base_url = args.url.rstrip("/")
    fixture = REPO_ROOT / "var" / "locust-ui-fixture.json"
    fixture.parent.mkdir(exist_ok=True)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        kind = server_kind(client)
        data = fixture_over_http(base_url) if kind == "implementation" else floor_fixture(client)
    data.write(fixture)
    classes = user_classes(kind)
    print(f"Locust web UI: http://127.0.0.1:{args.web_port}  ({kind}: {', '.join(classes)})", flush=True)
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE),
        "--host", args.url, "--web-host", "127.0.0.1", "--web-port", args.web_port, "--class-picker",
    ]  # fmt: skip
    env = {**os.environ, "BENCH_FIXTURE": str(fixture), "BENCH_UI_CLASSES": ",".join(classes)}
    return subprocess.call(command, env=env)
