"""Benchmark scenarios, one Locust user class each (picked by name).

Every user is FastHttpUser with no wait time: a closed loop that asks as fast as the server
answers. Test data (tokens, credentials, cursors, id ranges) is a `Fixture`: the benchmark's
generator processes set `Shopper.fixture` (loadtests/load/generator_worker.py); run with the
`locust` command (`make ui`, distributed workers), it is read from the file named by
BENCH_FIXTURE.
"""

from __future__ import annotations

import itertools
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from locust import FastHttpUser, constant, task
from locust.contrib.fasthttp import FastHttpSession

from loadtests.env.fixture import Fixture
from loadtests.load.throughput import Rotation, tick_of


class Shopper(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    fixture: ClassVar[Fixture | None] = (
        Fixture.read(Path(os.environ["BENCH_FIXTURE"])) if "BENCH_FIXTURE" in os.environ else None
    )
    # Each user's requests come from its own seeded generator, one per server of the trial: the
    # benchmark restarts the count for every trial, so every server of a comparison is asked the
    # same sequence of requests (common random numbers) and a costly mix drawn by chance cannot
    # pose as a slower server.
    seeds: ClassVar[Iterator[int]] = itertools.count()
    # Several servers in one trial (loadtests/load/generator_worker.py): each request goes to the
    # server whose slot it is. None: the environment's one host.
    rotation: ClassVar[tuple[list[str], Rotation] | None] = None

    def side(self) -> int:
        if self.rotation is None:
            return 0
        return self.rotation[1].side_of(tick_of(time.time()))

    @property
    def rng(self) -> random.Random:
        return self.rngs[self.side()]

    @property
    def client(self) -> FastHttpSession:
        if self.rotation is not None:
            self._client.base_url = self.rotation[0][self.side()]
        return self._client

    @client.setter
    def client(self, session: FastHttpSession) -> None:
        self._client = session

    def on_start(self) -> None:
        if self.fixture is None:
            raise RuntimeError("no test data: set BENCH_FIXTURE to a fixture file (see make ui)")
        self.data = self.fixture
        seed = next(self.seeds)
        self.rngs = [random.Random(seed) for _ in (self.rotation[0] if self.rotation else [None])]
        token = self.data.tokens[seed % len(self.data.tokens)]
        self.auth = {"Authorization": f"Bearer {token}"}
        # The user's keep-alive connection to every server of the trial opens before the counted
        # time, as a TLS handshake is a connection's cost, not a request's.
        for host in self.rotation[0] if self.rotation else []:
            self._client.base_url = host
            self._client.get("/health", name="connect")

    def product_id(self) -> int:
        return self.rng.randint(1, self.data.products)

    def view_product(self) -> None:
        self.client.get(f"/v1/products/{self.product_id()}", name="/v1/products/{id}")

    def browse_products(self) -> None:
        choice = self.rng.random()
        if choice < 0.4:
            params = {"cursor": self.rng.choice(self.data.cursors)} if self.data.cursors else {}
        elif choice < 0.7:
            params = {"q": self.rng.choice(self.data.words)}
        else:
            low = self.rng.randrange(0, 40_000)
            params = {
                "min_price_cents": str(low),
                "max_price_cents": str(low + self.rng.randrange(500, 10_000)),
            }
        self.client.get("/v1/products", params=params, name="/v1/products")

    def place_order(self) -> None:
        products = self.rng.sample(range(1, self.data.products + 1), self.rng.randint(1, 3))
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
        email = self.rng.choice(self.data.emails)
        self.client.post("/v1/auth/token", json={"email": email, "password": self.data.password})


class Mixed(Shopper):
    """A shopper's journey: mostly browsing and viewing, sometimes ordering and checking, dealt
    from a shuffled deck of twelve steps (view 6, browse 3, my orders 2, order 1), a new deck
    from the user's own generator when one is used up. Every server gets the same journeys, and
    any stretch of a user's requests holds the weights to within one deck. Drawn independently,
    a side's second of about 1,000 requests held 83 ± 9 orders (binomial SD), the costliest step."""

    DECK: ClassVar[list[str]] = [
        *["view_product"] * 6,
        *["browse_products"] * 3,
        *["my_orders"] * 2,
        "place_order",
    ]

    def on_start(self) -> None:
        super().on_start()
        self.decks: list[list[str]] = [[] for _ in self.rngs]

    @task
    def journey(self) -> None:
        deck = self.decks[self.side()]
        if not deck:
            deck.extend(self.rng.sample(self.DECK, len(self.DECK)))
        getattr(self, deck.pop())()

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


# `make ui` offers only the scenarios that fit its server (loadtests/studies/ui.py names them here):
# Locust's class picker lists every concrete user class of the file.
if offered := os.environ.get("BENCH_UI_CLASSES"):
    for user_class in [value for value in globals().values() if isinstance(value, type)]:
        if issubclass(user_class, Shopper) and user_class.__name__ not in offered.split(","):
            user_class.abstract = True
