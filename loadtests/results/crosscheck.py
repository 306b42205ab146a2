"""`make bench-crosscheck`'s results: crosscheck.json, an array of a row per server × target."""

from __future__ import annotations

from pydantic import BaseModel, RootModel

from loadtests.config.matrix import Target


class Measured(BaseModel):
    server: str
    target: Target
    scenario: str
    wrk_rps: list[float] = []
    wrk_non_2xx: int = 0
    wrk_socket_errors: int = 0
    locust_rps: list[float] = []
    locust_failures: int = 0


class Crosscheck(RootModel[list[Measured]]):
    pass
