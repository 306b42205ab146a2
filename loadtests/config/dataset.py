"""What a run's database holds: its kind and how many rows of each the seed writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DatabaseKind = Literal["sqlite", "postgresql"]


@dataclass(frozen=True)
class SeedSpec:
    users: int = 1000
    products: int = 10_000
    orders: int = 20_000
    seed: int = 42
