"""`make compare`: B ÷ A intervals and verdicts on synthetic runs with known answers, the refusal
of runs with a different setup, unreadable and old inputs, and the regression gate's exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from loadtests import cli
from loadtests.results.bench import Cell, Latency, Results
from loadtests.stats.analysis import analyse
from loadtests.stats.changes import BAND, change_ci, changes, paired_change_ci, regressions
from loadtests.studies import compare
from tests.bench.factories import cell, results

FLASK, FASTAPI = "flask-granian-wsgi", "fastapi-granian-asgi"
A_RPS = [990.0, 1000.0, 1010.0, 1005.0, 995.0]


def scaled(values: list[float], factor: float) -> list[float]:
    return [v * factor for v in values]


def with_p99(c: Cell, p99: list[float]) -> Cell:
    trials = [
        t.model_copy(update={"latency": Latency(p50_ms=5, p90_ms=8, p99_ms=p, max_ms=2 * p)})
        for t, p in zip(c.trials, p99, strict=True)
    ]
    return c.model_copy(update={"trials": trials})


def run(rps: list[float], p99: list[float] | None = None, scenario: str = "product_by_id") -> Results:
    one = cell(FLASK, scenario, rps)
    return analyse(results([with_p99(one, p99) if p99 else one]))


def rows_of(a: Results, b: Results) -> dict[tuple[str, str | None], tuple[str, tuple[float, float] | None]]:
    return {(r.name, r.metric): (r.verdict, r.ci95) for r in changes(a, b, "A", "B").rows}


def test_a_clear_gain_is_faster_and_its_interval_holds_the_true_ratio() -> None:
    change, low, high = change_ci(A_RPS, scaled(A_RPS, 1.2))

    assert change == pytest.approx(1.2)
    assert 1.15 < low < 1.2 < high < 1.25
    verdict, _ = rows_of(run(A_RPS), run(scaled(A_RPS, 1.2)))[("product_by_id · flask-granian-wsgi", "req/s")]
    assert verdict == "faster"


def test_a_small_steady_change_is_no_change_and_a_noisy_one_inconclusive() -> None:
    same = rows_of(run(A_RPS), run(scaled(A_RPS, 1.01)))
    noisy = rows_of(run(A_RPS), run([700.0, 1300.0, 1000.0, 850.0, 1150.0]))

    verdict, (low, high) = same[("product_by_id · flask-granian-wsgi", "req/s")]  # type: ignore[misc]
    assert verdict == "no change"
    assert 1 - BAND <= low < 1.01 < high <= 1 + BAND
    verdict, (low, high) = noisy[("product_by_id · flask-granian-wsgi", "req/s")]  # type: ignore[misc]
    assert verdict == "inconclusive"
    assert low < 1 < high and high - low > 2 * BAND


def test_higher_p99_is_slower_lower_is_faster() -> None:
    p99 = [10.0, 10.5, 9.5, 10.2, 9.8]
    rows = rows_of(run(A_RPS, p99), run(A_RPS, scaled(p99, 1.3)))
    better = rows_of(run(A_RPS, p99), run(A_RPS, scaled(p99, 0.7)))

    assert rows[("product_by_id · flask-granian-wsgi", "p99")][0] == "slower"
    assert rows[("product_by_id · flask-granian-wsgi", "req/s")][0] == "no change"
    assert better[("product_by_id · flask-granian-wsgi", "p99")][0] == "faster"


def test_the_interval_covers_the_true_ratio_about_95_times_in_100() -> None:
    """Runs drawn from known distributions (true B ÷ A = 1.1): the interval must hold 1.1 in
    most draws and 1.0 in almost none; swapping A and B, or resampling wrongly, fails this."""
    rng = np.random.default_rng(7)
    draws = 200
    covered = holds_one = 0
    for _ in range(draws):
        a = rng.normal(1000, 40, 7)
        b = rng.normal(1100, 44, 7)
        _, low, high = change_ci(list(a), list(b))
        covered += low <= 1.1 <= high
        holds_one += low <= 1.0 <= high
    # Welch's t on the logs of 7 launches a side: about 95 % (4 % noise is close to log-normal).
    assert 0.90 * draws <= covered <= 0.99 * draws
    assert holds_one <= 0.02 * draws


def test_fastapi_over_flask_moves_by_the_ratio_of_ratios_with_drift_cancelled() -> None:
    drift = [1.0, 0.8, 1.2, 0.9, 1.1]  # rounds faster and slower, on both sides alike
    a = (scaled(drift, 1100), scaled(drift, 1000))
    b = (scaled(drift[::-1], 1320), scaled(drift[::-1], 1000))  # 1.1 → 1.32: FastAPI gained 20 %

    change, low, high = paired_change_ci((*a, range(5)), (*b, range(5)))

    assert (low, change, high) == pytest.approx((1.2, 1.2, 1.2))
    run_a = analyse(results([cell(FASTAPI, "login", a[0]), cell(FLASK, "login", a[1])]))
    run_b = analyse(results([cell(FASTAPI, "login", b[0]), cell(FLASK, "login", b[1])]))
    verdict, _ = rows_of(run_a, run_b)[("login · fastapi-granian-asgi ÷ flask-granian-wsgi", "FastAPI÷Flask")]
    assert verdict == "faster"


def test_cells_in_one_run_only_are_listed_not_dropped() -> None:
    a = analyse(results([cell(FLASK, "login", A_RPS), cell(FLASK, "me", A_RPS)]))
    b = analyse(results([cell(FLASK, "login", A_RPS), cell(FASTAPI, "login", A_RPS)]))

    rows = rows_of(a, b)

    assert rows[("me · flask-granian-wsgi", None)][0] == "only in A"
    assert rows[("login · fastapi-granian-asgi", None)][0] == "only in B"
    assert rows[("login · flask-granian-wsgi", "req/s")][0] == "no change"


def test_the_regression_gate_counts_only_significant_losses_beyond_the_threshold() -> None:
    p99 = [10.0, 10.5, 9.5, 10.2, 9.8]
    ten_percent_slower = changes(run(A_RPS), run(scaled(A_RPS, 0.9)), "A", "B").rows
    three_percent_slower = changes(run(A_RPS), run(scaled(A_RPS, 0.97)), "A", "B").rows
    # 6 % slower, but the interval (0.91–0.97) reaches above 0.95: not surely beyond 5 %.
    maybe_beyond = changes(run(A_RPS), run([900.0, 960.0, 940.0, 920.0, 980.0]), "A", "B").rows
    p99_up = changes(run(A_RPS, p99), run(A_RPS, scaled(p99, 1.2)), "A", "B").rows

    assert [(r.metric, r.verdict) for r in regressions(ten_percent_slower, 0.05)] == [("req/s", "slower")]
    assert regressions(three_percent_slower, 0.05) == []
    assert [r.verdict for r in maybe_beyond if r.metric == "req/s"] == ["slower"]
    assert regressions(maybe_beyond, 0.05) == []
    assert [r.metric for r in regressions(p99_up, 0.05)] == ["p99"]
    assert regressions(p99_up, 0.25) == []


# --- the command ---------------------------------------------------------------------------


def write(directory: Path, run_results: Results) -> Path:
    directory.mkdir(parents=True)
    run_results.write(directory / "results.json")
    return directory


def command(*args: str | Path) -> tuple[int, str]:
    out = io.StringIO()
    parsed = cli.parser().parse_args(["compare", *map(str, args)])
    status = compare.run(parsed, Console(file=out, width=250))
    return status, out.getvalue()


def test_compare_prints_the_table_and_writes_both_files(tmp_path: Path) -> None:
    a = write(tmp_path / "a", run(A_RPS).model_copy(update={"revision": "abc1234"}))
    b = write(tmp_path / "b", run(scaled(A_RPS, 1.2)))

    status, printed = command(a, b)

    assert status == compare.OK
    assert "faster" in printed and f"Wrote {b / 'compare.md'}" in printed
    assert "code abc1234" in printed and "code not recorded" in printed
    assert "| product_by_id | flask-granian-wsgi | req/s | 1000 | 1200 | 5/5 | 1.200 (+20.0 %) |" in (
        (b / "compare.md").read_text()
    )
    page = (b / "compare.html").read_text()
    assert "data:image/png;base64," in page
    assert "http://" not in page and "https://" not in page  # nothing loaded from anywhere


def test_runs_with_a_different_setup_are_refused_unless_allowed(tmp_path: Path) -> None:
    other = run(A_RPS)
    record = other.servers[FLASK]
    other = other.model_copy(
        update={
            "database": "postgresql",
            "packages": {**other.packages, "fastapi": "0.999"},
            "servers": {
                FLASK: record.model_copy(update={"config": record.config.model_copy(update={"threads": 99})})
            },
        }
    )
    a, b = write(tmp_path / "a", run(A_RPS)), write(tmp_path / "b", other)

    status, printed = command(a, b)

    assert status == compare.USAGE
    assert "database: sqlite → postgresql" in printed
    assert "packages.fastapi: x → 0.999" in printed
    assert f"servers.{FLASK}.threads: 8 → 99" in printed
    assert not (b / "compare.md").exists()
    status, printed = command(a, b, "--allow-mismatch", "--out", tmp_path / "out")
    assert status == compare.OK
    assert "database: sqlite → postgresql" in (tmp_path / "out" / "compare.md").read_text()


def test_an_old_schema_and_a_non_results_directory_get_their_own_exit_status(tmp_path: Path) -> None:
    b = write(tmp_path / "b", run(A_RPS))
    old = tmp_path / "old"
    old.mkdir()
    (old / "results.json").write_text(json.dumps({"schema_version": 1, "cells": []}))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "results.json").write_text(json.dumps({"schema_version": 2, "cells": "no"}))

    status, printed = command(old, b)
    assert status == compare.OLD_SCHEMA
    assert "schema 1 results.json" in printed and "make bench" in printed
    status, printed = command(tmp_path / "nowhere", b)
    assert status == compare.NOT_RESULTS
    assert "is not a results directory" in printed
    status, printed = command(b, broken)
    assert status == compare.NOT_RESULTS
    assert "not a valid schema 2 results.json" in printed
    (broken / "results.json").write_text(json.dumps({"schema_version": 9}))
    status, printed = command(b, broken)
    assert status == compare.NOT_RESULTS and "not a results.json of schema 2 or 3" in printed


def test_fail_on_regression_sets_the_exit_status(tmp_path: Path) -> None:
    a = write(tmp_path / "a", run(A_RPS))
    slower = write(tmp_path / "slower", run(scaled(A_RPS, 0.9)))
    same = write(tmp_path / "same", run(scaled(A_RPS, 0.99)))

    assert command(a, slower)[0] == compare.OK  # no gate asked for
    status, printed = command(a, slower, "--fail-on-regression", "5%")
    assert status == compare.REGRESSION
    assert "REGRESSION beyond 5 %: product_by_id · flask-granian-wsgi, req/s" in printed
    assert command(a, slower, "--fail-on-regression", "15")[0] == compare.OK
    assert command(a, same, "--fail-on-regression", "5%")[0] == compare.OK
    with pytest.raises(SystemExit) as usage:
        command(a, same, "--fail-on-regression", "lots")
    assert usage.value.code == compare.USAGE


def test_an_undefined_interval_reads_back_and_compares_as_inconclusive(tmp_path: Path) -> None:
    """A login trial of 0 responses on both sides (a loaded machine): some resamples divide 0
    by 0, so the FastAPI ÷ Flask interval is NaN. results.json must still read back, also as
    written before NaN was kept ([null, null])."""

    def login(server: str) -> Cell:
        one = cell(server, "login", [10.0, 10.0, 20.0, 10.0])
        first = one.trials[0].model_copy(update={"rps": 0.0, "successes": 0})
        return one.model_copy(update={"trials": [first, *one.trials[1:]]})

    undefined = analyse(results([login(FASTAPI), login(FLASK)]))
    assert np.isnan(undefined.comparisons[0].ci95).all()
    a, b = write(tmp_path / "a", undefined), write(tmp_path / "b", undefined)
    old = json.loads((a / "results.json").read_text())
    old["comparisons"][0]["ci95"] = [None, None]
    (a / "results.json").write_text(json.dumps(old))

    status, printed = command(a, b)

    assert status == compare.OK
    assert "nan–nan" in printed and "inconclusive" in printed


def test_p99_leaves_out_trials_without_a_response() -> None:
    """A trial of 0 responses has no latency (its p99 reads 0 ms): counting it would make B look
    faster; with fewer than two trials left there is no interval."""
    a = cell(FLASK, "login", [10.0, 10.0, 10.0])
    silent = a.trials[0].model_copy(
        update={"rps": 0.0, "successes": 0, "latency": Latency(p50_ms=0, p90_ms=0, p99_ms=0, max_ms=0)}
    )
    b = a.model_copy(update={"trials": [silent, *a.trials[1:]]})
    c = a.model_copy(update={"trials": [silent, silent, a.trials[2]]})

    one_silent = {r.metric: r for r in changes(results([a]), results([b]), "A", "B").rows}
    two_silent = {r.metric: r for r in changes(results([a]), results([c]), "A", "B").rows}

    assert one_silent["p99"].trials == (3, 2)
    assert one_silent["p99"].change == pytest.approx(1.0)
    assert two_silent["p99"].verdict == "inconclusive" and two_silent["p99"].ci95 is None


def with_floor(own: list[float], floor: list[float]) -> Results:
    """A server's product reads and its floor's, as make bench analyses them (a share of floor)."""
    cells = [
        cell(FLASK, "product_by_id", own),
        cell(FLASK, "floor_product_by_id", floor, target="floor"),
    ]
    return analyse(results(cells))


def test_a_machine_that_slowed_down_moves_the_floor_and_compare_says_so() -> None:
    a = with_floor(A_RPS, scaled(A_RPS, 1.1))
    b = with_floor(scaled(A_RPS, 0.8), scaled(A_RPS, 0.88))  # both 20 % slower: the machine

    found = changes(a, b, "A", "B")

    verdicts = {(r.name, r.metric): r for r in found.rows}
    assert verdicts[(f"product_by_id · {FLASK}", "req/s")].verdict == "slower"
    share = verdicts[(f"product_by_id · {FLASK}", "share of floor")]
    assert share.change == pytest.approx(1.0) and share.verdict == "no change"
    assert found.control is not None and "CONTROL MOVED" in found.control


def test_a_slower_implementation_on_a_steady_machine_shows_in_its_share_of_floor() -> None:
    a = with_floor(A_RPS, scaled(A_RPS, 1.1))
    b = with_floor(scaled(A_RPS, 0.8), scaled(A_RPS, 1.1))  # the floor held: the code got slower

    found = changes(a, b, "A", "B")

    share = next(r for r in found.rows if r.metric == "share of floor")
    assert share.change == pytest.approx(0.8) and share.verdict == "slower"
    assert found.control is None
