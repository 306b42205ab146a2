"""make bench-instrumentation: shares from synthetic runs (loadtests/render/instrumentation.py), and the
exporter that drops spans."""

from __future__ import annotations

import argparse

import pytest

from core.tracing import tracer_provider
from loadtests.render.instrumentation import share, summary
from loadtests.results.instrumentation import VariantRuns


def cells(plain: list[float], metrics: list[float], tracing: list[float]) -> list[VariantRuns]:
    return [
        VariantRuns(server="s", variant="plain", rps=plain),
        VariantRuns(server="s", variant="metrics", rps=metrics),
        VariantRuns(server="s", variant="metrics+tracing", rps=tracing),
    ]


def test_share_is_the_variant_over_plain_round_by_round() -> None:
    runs = cells([1000, 1100, 900, 1050, 950], [900, 990, 810, 945, 855], [500, 550, 450, 525, 475])
    kept, low, high = share(runs, "s", "metrics")
    assert kept == pytest.approx(0.9)
    assert low == pytest.approx(0.9) and high == pytest.approx(0.9)  # every round kept exactly 90 %
    kept, low, high = share(runs, "s", "metrics+tracing")
    assert kept == pytest.approx(0.5) and low <= 0.5 <= high


def test_the_report_names_each_share_with_its_interval() -> None:
    runs = cells([1000, 1100, 900], [800, 990, 810], [500, 550, 450])
    args = argparse.Namespace(scenario="product_by_id", connections=32, rounds=3, seconds=4.0)
    report = summary(runs, args)
    assert "| s | 1000 | 87% (" in report
    assert "| 50% (50%–50%) |" in report


def test_the_discard_exporter_makes_spans_and_keeps_none() -> None:
    provider = tracer_provider("discard", "test")
    assert provider is not None
    with provider.get_tracer("test").start_as_current_span("work") as span:
        assert span.is_recording()
    assert provider.force_flush()
    assert tracer_provider("none", "test") is None
