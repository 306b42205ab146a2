"""`make ui URL=...`: Locust's web UI against one running server (for example `make serve`'s).

The scenarios' test data is prepared over HTTP first: a few customers are registered and
logged in, and the product listing is walked for ids and cursors. Works against any server
that implements the contract.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from devtools.servers import REPO_ROOT
from loadtests.fixture import Fixture

CUSTOMERS = 20
PASSWORD = "locust-ui-password"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="base URL of a running server, e.g. http://127.0.0.1:8002")
    parser.add_argument("--web-port", default="8089")
    args = parser.parse_args()
    fixture = REPO_ROOT / "var" / "locust-ui-fixture.json"
    fixture.parent.mkdir(exist_ok=True)
    fixture_over_http(args.url.rstrip("/")).write(fixture)
    print(f"Locust web UI: http://127.0.0.1:{args.web_port}  (pick a scenario class, then Start)", flush=True)
    command = [
        sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
        "--host", args.url, "--web-host", "127.0.0.1", "--web-port", args.web_port, "--class-picker",
    ]  # fmt: skip
    raise SystemExit(subprocess.call(command, env={**os.environ, "BENCH_FIXTURE": str(fixture)}))


if __name__ == "__main__":
    main()
