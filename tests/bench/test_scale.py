"""make scale's verdicts (loadtests/results/scale.py): a ratio is judged only between pages that hold
about the same answer, and the same-answer shapes' parameters keep that answer."""

from __future__ import annotations

from loadtests.results.scale import ScaleRow
from loadtests.studies.scale import _prices_holding


def row(items: tuple[int, int], median_ms: tuple[float, float]) -> ScaleRow:
    small, large = median_ms
    return ScaleRow(
        shape="shape", path_small="/v1/products", items_small=items[0], items_large=items[1],
        median_ms_small=small, median_ms_large=large, min_ms_small=small, min_ms_large=large,
    )  # fmt: skip


def test_a_shape_gets_a_verdict_only_when_both_pages_hold_about_the_same_answer() -> None:
    assert row((20, 20), (1.0, 1.4)).verdict(1.5) == "PASS"
    assert row((20, 20), (1.0, 1.6)).verdict(1.5) == "FAIL"
    assert row((0, 0), (1.0, 1.6)).verdict(1.5) == "FAIL"
    assert row((17, 18), (1.0, 1.6)).verdict(1.5) == "FAIL"  # within 10 %: the same answer
    assert row((0, 13), (1.0, 1.6)).verdict(1.5) == "answer grows"
    assert row((20, 15), (1.0, 0.9)).verdict(1.5) == "answer grows"


def test_a_price_range_holding_a_count_narrows_as_the_catalogue_grows() -> None:
    # Prices are uniform over 49,900 cents: 20 products span 99 cents at 10k, one cent at 1M.
    assert _prices_holding(20)(10_000) == {"min_price_cents": 20_000, "max_price_cents": 20_098}
    assert _prices_holding(20)(1_000_000) == {"min_price_cents": 20_000, "max_price_cents": 20_000}
