"""Benchmark scenarios, one Locust user class each (picked by name on the command line).

Every user is FastHttpUser with no wait time: a closed loop that asks as fast as the server
answers. Test data (tokens, credentials, cursors, id ranges) comes from the JSON file named by
BENCH_FIXTURE, prepared by the runner before the measured window.

With BENCH_TIMELINE set, each Locust process also writes the response times of every second
(a histogram) to `<BENCH_TIMELINE>-<pid>.json` when it quits: Locust's own history CSV computes
its "current" percentiles over a 10 s window and reports 0 in short trials.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, events, task

FIXTURE: dict[str, Any] = (
    json.loads(Path(os.environ["BENCH_FIXTURE"]).read_text()) if "BENCH_FIXTURE" in os.environ else {}
)


TIMELINE_PATH = os.environ.get("BENCH_TIMELINE")
# second -> response time bucket (ms) -> count
timeline: defaultdict[int, Counter[float]] = defaultdict(Counter)


def latency_bucket(milliseconds: float) -> float:
    """Two significant digits' worth of resolution, like Locust's own histogram."""
    return round(milliseconds, 1) if milliseconds < 10 else float(round(milliseconds))


def record_latency(response_time: float, **_: Any) -> None:
    timeline[int(time.time())][latency_bucket(response_time)] += 1


def write_timeline(**_: Any) -> None:
    if timeline:
        histograms = {second: dict(counts) for second, counts in sorted(timeline.items())}
        Path(f"{TIMELINE_PATH}-{os.getpid()}.json").write_text(json.dumps(histograms))


if TIMELINE_PATH:
    events.request.add_listener(record_latency)
    events.quitting.add_listener(write_timeline)


class Shopper(FastHttpUser):
    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        self.rng = random.Random()
        token = self.rng.choice(FIXTURE["tokens"])
        self.auth = {"Authorization": f"Bearer {token}"}

    def product_id(self) -> int:
        return self.rng.randint(1, FIXTURE["products"])

    def view_product(self) -> None:
        self.client.get(f"/v1/products/{self.product_id()}", name="/v1/products/{id}")

    def browse_products(self) -> None:
        choice = self.rng.random()
        if choice < 0.4:
            params = {"cursor": self.rng.choice(FIXTURE["cursors"])} if FIXTURE["cursors"] else {}
        elif choice < 0.7:
            params = {"q": self.rng.choice(FIXTURE["words"])}
        else:
            low = self.rng.randrange(0, 40_000)
            params = {
                "min_price_cents": str(low),
                "max_price_cents": str(low + self.rng.randrange(500, 10_000)),
            }
        self.client.get("/v1/products", params=params, name="/v1/products")

    def place_order(self) -> None:
        products = self.rng.sample(range(1, FIXTURE["products"] + 1), self.rng.randint(1, 3))
        items = [{"product_id": p, "quantity": self.rng.randint(1, 3)} for p in products]
        self.client.post("/v1/orders", json={"items": items}, headers=self.auth, name="/v1/orders")


class Health(Shopper):
    @task
    def health(self) -> None:
        self.client.get("/health")


class ProductById(Shopper):
    @task
    def product_by_id(self) -> None:
        self.view_product()


class ListProducts(Shopper):
    @task
    def list_products(self) -> None:
        self.browse_products()


class Me(Shopper):
    @task
    def me(self) -> None:
        self.client.get("/v1/users/me", headers=self.auth)


class CreateOrder(Shopper):
    @task
    def create_order(self) -> None:
        self.place_order()


class Login(Shopper):
    @task
    def login(self) -> None:
        email = self.rng.choice(FIXTURE["emails"])
        self.client.post("/v1/auth/token", json={"email": email, "password": FIXTURE["password"]})


class Mixed(Shopper):
    """A shopper's journey: mostly browsing and viewing, sometimes ordering and checking."""

    @task(3)
    def browse(self) -> None:
        self.browse_products()

    @task(6)
    def view(self) -> None:
        self.view_product()

    @task(1)
    def order(self) -> None:
        self.place_order()

    @task(2)
    def my_orders(self) -> None:
        self.client.get("/v1/orders", headers=self.auth, name="/v1/orders (mine)")


class FloorHello(Shopper):
    @task
    def hello(self) -> None:
        self.client.get("/hello")


class FloorProductById(Shopper):
    @task
    def product_by_id(self) -> None:
        self.client.get(f"/products/{self.product_id()}", name="/products/{id}")
