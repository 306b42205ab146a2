"""`make bench-smoke`: the benchmark pipeline works end to end (never a speed threshold)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests import cli
from loadtests.studies.report import load

VERDICTS = {"fastapi-faster", "flask-faster", "no-difference", "inconclusive"}
STOPS = {"decided", "flagged", "budget-spent", "launch-limit"}
SMALL_SEED = ["--users-seed", "50", "--products", "200", "--orders", "100"]  # seeding is not under test


def test_smoke_profile_measures_both_front_ends_and_compares_them(tmp_path: Path) -> None:
    assert cli.main(["bench", "--profile", "smoke", *SMALL_SEED, "--out", str(tmp_path)]) == 0

    raw = json.loads((tmp_path / "results.json").read_text())
    assert raw["schema_version"] == 3
    results = load(tmp_path / "results.json")
    assert results.design is not None
    assert {cell.front_end for cell in results.cells} == {"flask", "fastapi"}
    for cell in results.cells:
        assert [t.launch for t in cell.trials] == list(range(results.design.launches))
        for trial in cell.trials:
            assert trial.rps > 0 and trial.failures == 0
            # Whole ticks per slot: at most a tick more per cycle, under 7 % with guards ≥ 50 ms.
            counted = results.design.windows[cell.scenario]
            assert counted <= trial.window_seconds + 1e-9 <= counted * 1.07
            assert trial.latency.p50_ms <= trial.latency.p99_ms
            assert trial.server_cpu_percent > 0 and trial.cpu_ms_per_request > 0
            assert trial.memory and all(p.uss_mib > 0 for p in trial.memory)
            assert trial.timeline and sum(s.successes for s in trial.timeline) >= trial.successes
    (comparison,) = results.comparisons
    assert comparison.pairing == "same-server" and comparison.verdict in VERDICTS
    assert comparison.ci95[0] <= comparison.ratio <= comparison.ci95[1]
    assert comparison.launches == results.design.launches and comparison.stopped in STOPS
    assert all(record.startup_seconds["implementation"] > 0 for record in results.servers.values())
    summary = (tmp_path / "summary.md").read_text()
    assert "## Verdicts" in summary and "| product_by_id |" in summary and "launches" in summary
    report = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in report
    assert 'src="http' not in report and 'href="http' not in report, "the report must load nothing"


def test_a_server_that_fails_verification_is_refused_with_no_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_SABOTAGE", "product_ids")

    assert cli.main(["bench", "--profile", "smoke", *SMALL_SEED, "--out", str(tmp_path)]) == 2

    results = load(tmp_path / "results.json")
    assert results.cells == [] and results.comparisons == []
    for record in results.servers.values():
        assert record.refused and any("/v1/products/" in failure for failure in record.refused)


def test_an_aa_run_compares_a_server_with_its_twin_and_counts_false_verdicts(tmp_path: Path) -> None:
    assert (
        cli.main(
            [
                "bench",
                "--profile",
                "smoke",
                "--aa",
                "--servers",
                "flask-granian-wsgi",
                *SMALL_SEED,
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )

    results = load(tmp_path / "results.json")
    assert results.design is not None and results.design.aa
    (comparison,) = results.comparisons
    assert (comparison.fastapi_server, comparison.flask_server) == (
        "flask-granian-wsgi-twin",
        "flask-granian-wsgi",
    )
    assert comparison.verdict in VERDICTS
    false = comparison.verdict in ("fastapi-faster", "flask-faster")
    summary = (tmp_path / "summary.md").read_text()
    assert f"False verdicts (faster or slower): {int(false)} of 1" in summary
