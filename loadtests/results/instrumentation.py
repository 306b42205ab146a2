"""`make bench-instrumentation`'s results: instrumentation.json, an array of a row per server ×
variant."""

from __future__ import annotations

from pydantic import BaseModel, RootModel


class VariantRuns(BaseModel):
    """One server run one way ("plain" or instrumented), round after round."""

    server: str
    variant: str
    rps: list[float] = []
    failed: int = 0  # non-2xx answers and socket errors: a run with any is not a measurement


class Instrumentation(RootModel[list[VariantRuns]]):
    pass
