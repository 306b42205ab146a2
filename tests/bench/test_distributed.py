"""make bench-distributed: reading Locust's summary and judging the agreement."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from loadtests.results.distributed import LocustRun
from loadtests.studies.distributed import report, stats

HEADER = "Type,Name,Request Count,Failure Count,Requests/s,50%,99%\n"


def test_the_aggregated_row_is_read(tmp_path: Path) -> None:
    (tmp_path / "single-0_stats.csv").write_text(
        HEADER + "GET,/x,10,0,5.0,3,9\n,Aggregated,100,2,50.5,4,12\n"
    )
    run = stats(tmp_path / "single-0", "single")
    assert run == LocustRun(mode="single", requests=100, failures=2, rps=50.5, p50_ms=4, p99_ms=12)


def test_agreement_needs_the_rates_within_ten_percent_and_no_failures(tmp_path: Path) -> None:
    args = argparse.Namespace(server="s", scenario="product_by_id", users=16, seconds=8, rounds=1)
    quiet = Console(quiet=True)

    def run(mode: str, rps: float, failures: int = 0) -> LocustRun:
        return LocustRun(mode=mode, requests=1000, failures=failures, rps=rps, p50_ms=1, p99_ms=2)

    assert report([run("single", 1000), run("distributed", 1080)], args, tmp_path, quiet) == 0
    assert report([run("single", 1000), run("distributed", 1150)], args, tmp_path, quiet) == 1
    assert report([run("single", 1000), run("distributed", 1000, failures=1)], args, tmp_path, quiet) == 1
    assert "agree within ±10 %" not in (tmp_path / "distributed.md").read_text()
