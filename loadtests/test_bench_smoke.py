"""`make bench-smoke`: the benchmark pipeline works end to end (never a speed threshold)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from loadtests import bench, report


def test_smoke_profile_measures_both_front_ends_without_failures(tmp_path: Path) -> None:
    assert bench.main(["--profile", "smoke", "--out", str(tmp_path)]) == 0

    results = json.loads((tmp_path / "results.json").read_text())
    assert results["schema_version"] == bench.SCHEMA_VERSION
    cells = results["cells"]
    assert {cell["front_end"] for cell in cells} == {"flask", "fastapi"}
    for cell in cells:
        assert len(cell["trials"]) >= 3
        assert cell["median_rps"] > 0
        assert cell["failures"] == 0
        assert cell["min_rps"] <= cell["median_rps"] <= cell["max_rps"]
        assert cell["command"] and cell["locust_command"]
        for trial in cell["trials"]:
            assert (tmp_path / f"{trial['csv_prefix']}_stats_history.csv").exists()
        seconds, p50, p99 = report.latency_series(tmp_path, cell)
        assert seconds and all(0 < low <= high for low, high in zip(p50, p99, strict=True))
    assert results["ratios"] and results["packages"]["locust"] != "not installed"
    report_html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in report_html
    assert 'src="http' not in report_html and 'href="http' not in report_html, "it must load nothing"
    assert "| product_by_id |" in (tmp_path / "summary.md").read_text()


def test_a_server_that_fails_verification_is_refused_with_no_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(os.environ, "BENCH_SABOTAGE", "1")
    code = bench.main(["--profile", "smoke", "--servers", "fastapi-uvicorn", "--out", str(tmp_path)])

    assert code == 2
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["cells"] == []
    refused = results["servers"]["fastapi-uvicorn"]["refused"]
    assert any("GET /v1/products/{id} returns the seeded id" in failure for failure in refused)


def _trial(server_cpu: float, generator_cpu: float, failures: int = 0) -> bench.Trial:
    return bench.Trial(
        1000, 1000, failures, 1, 2, 3, server_cpu, server_cpu, 50, generator_cpu, generator_cpu, "x"
    )


def test_cells_are_flagged_when_the_generator_or_an_idle_server_limits_them() -> None:
    def flags(*trials: bench.Trial) -> list[str]:
        return bench.flags_for(
            bench.Cell("s", "flask", "implementation", "health", ["cmd"], ["locust"], list(trials))
        )

    assert flags(_trial(99, 50), _trial(97, 60)) == []
    assert flags(_trial(99, 50), _trial(97, 95)) == ["generator-bound"]
    assert flags(_trial(70, 50), _trial(97, 60)) == ["not saturated"]
    assert flags(_trial(99, 50, failures=2)) == ["errors"]
