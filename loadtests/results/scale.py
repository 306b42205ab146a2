"""`make scale`'s results: the `--json` file, each database's row per list query shape."""

from __future__ import annotations

from pydantic import BaseModel, RootModel, computed_field


class ScaleRow(BaseModel):
    """One query shape timed at the small and at the large catalogue."""

    shape: str
    path_small: str
    items_small: int
    items_large: int
    median_ms_small: float
    median_ms_large: float
    min_ms_small: float
    min_ms_large: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ratio(self) -> float:
        return self.median_ms_large / self.median_ms_small

    @property
    def same_answer(self) -> bool:
        """About the same number of items on the page at both sizes (within 10 %)."""
        return abs(self.items_large - self.items_small) <= 0.1 * max(self.items_small, self.items_large)

    def verdict(self, max_ratio: float) -> str:
        if not self.same_answer:
            return "answer grows"
        return "PASS" if self.ratio <= max_ratio else "FAIL"


class ScaleReport(RootModel[dict[str, list[ScaleRow]]]):
    """Database ("sqlite", "postgresql") → its rows."""
