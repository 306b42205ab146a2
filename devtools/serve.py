"""`make serve`: the three front ends side by side on one terminal, with prefixed logs: Flask
(:8001), FastAPI (:8002) and async FastAPI (:8003).

Each server gets its own migrated database (SQLite files under var/ unless DATABASE_URL is
set, in which case they share it), a demo admin and a few demo products. Ctrl-C stops them all.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from typing import IO

from core.migrate import upgrade
from core.runtime import build_runtime
from core.schemas import ProductCreate, ProductQuery
from core.services import products
from core.settings import Settings, settings_from
from devtools.servers import REPO_ROOT, ServerProcess, server_command, wait_healthy

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "admin-password"
DEMO_PRODUCTS = [
    ("Espresso beans 1 kg", "Dark roast, whole beans", 2490, 40),
    ("Pour-over kettle", "Gooseneck, 1 l", 5900, 12),
    ("Ceramic mug", "350 ml, dishwasher safe", 1500, 100),
    ("Paper filters (100)", "Size 02", 650, 250),
    ("Hand grinder", "Conical burrs", 8900, 8),
]


def seed_demo(settings: Settings) -> None:
    """Migrate, create the demo admin (via ADMIN_EMAIL) and the demo products once."""
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    if not products.list_products(ProductQuery(limit=1), db=runtime.db).items:
        for name, description, price_cents, stock in DEMO_PRODUCTS:
            data = ProductCreate(name=name, description=description, price_cents=price_cents, stock=stock)
            products.create_product(data, db=runtime.db)
    runtime.db.dispose()


def _relay(prefix: str, stream: IO[bytes]) -> None:
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{prefix} {line.decode(errors='replace')}")
        sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flask-port", type=int, default=int(os.environ.get("FLASK_PORT", 8001)))
    parser.add_argument("--fastapi-port", type=int, default=int(os.environ.get("FASTAPI_PORT", 8002)))
    parser.add_argument(
        "--fastapi-async-port", type=int, default=int(os.environ.get("FASTAPI_ASYNC_PORT", 8003))
    )
    args = parser.parse_args()

    shared_url = os.environ.get("DATABASE_URL")
    servers: list[tuple[str, ServerProcess, str]] = []
    ports = {"flask": args.flask_port, "fastapi": args.fastapi_port, "fastapi-async": args.fastapi_async_port}
    for front_end, port in ports.items():
        env = {
            "APP_ENV": os.environ.get("APP_ENV", "development"),
            "DATABASE_URL": shared_url or f"sqlite:///{REPO_ROOT / 'var' / f'serve-{front_end}.db'}",
            "ADMIN_EMAIL": os.environ.get("ADMIN_EMAIL", DEMO_ADMIN_EMAIL),
            "ADMIN_PASSWORD": os.environ.get("ADMIN_PASSWORD", DEMO_ADMIN_PASSWORD),
        }
        seed_demo(settings_from(env))
        server = ServerProcess(server_command(front_end, port), env, pipe_output=True)
        prefix = f"[{front_end:>13}]"
        assert server.process.stdout is not None
        threading.Thread(target=_relay, args=(prefix, server.process.stdout), daemon=True).start()
        servers.append((front_end, server, f"http://127.0.0.1:{port}"))

    def stop(*_: object) -> None:
        for _name, server, _url in servers:
            server.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for front_end, server, base_url in servers:
        if not wait_healthy(base_url, 30, server.is_running):
            print(f"{front_end} did not start; see its log above", file=sys.stderr)
            stop()
        print(f"{front_end:>13}: {base_url}  (docs: {base_url}/docs)", flush=True)
    print(f"admin: {env['ADMIN_EMAIL']} / {env['ADMIN_PASSWORD']}  (Ctrl-C stops them all)", flush=True)
    while all(server.is_running() for _name, server, _url in servers):
        time.sleep(0.5)
    print("a server exited; stopping the others", file=sys.stderr)
    stop()


if __name__ == "__main__":
    main()
