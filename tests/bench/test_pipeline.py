"""The benchmark pipeline's pieces: plan, results schema, version 1 files, views, sampling."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from rich.console import Console

from loadtests import cli
from loadtests.config.options import cpu_list
from loadtests.config.plan import RunPlan
from loadtests.env.sampling import Readings, topology
from loadtests.render import console, html, markdown
from loadtests.render.text import sentence
from loadtests.results.bench import SCHEMA_VERSION
from loadtests.stats.analysis import analyse, compared
from loadtests.studies.bench import plan_of
from loadtests.studies.report import load
from tests.bench.factories import cell, results


def plan_from_args(argv: list[str]) -> RunPlan:
    """The plan `python -m loadtests bench …` would run."""
    return plan_of(cli.parser().parse_args(["bench", *argv]))


V1_TRIAL = {
    "rps": 1000.0, "requests": 2000, "failures": 0, "p50_ms": 5, "p90_ms": 8, "p99_ms": 12,
    "server_cpu_peak": 99, "server_cpu_mean": 97, "server_rss_mb_peak": 80, "generator_cpu_peak": 60,
    "generator_cpu_mean": 55, "csv_prefix": "raw/x",
}  # fmt: skip


def v1_results() -> dict[str, object]:
    def v1_cell(server: str, front_end: str, rps: float) -> dict[str, object]:
        trials = [{**V1_TRIAL, "rps": rps + i} for i in range(3)]
        return {"server": server, "front_end": front_end, "kind": "implementation", "scenario": "me",
                "command": ["x"], "locust_command": ["y"], "trials": trials, "flags": []}  # fmt: skip

    server = {"workers": 1, "threads": 8, "command": ["granian"], "refused": None}
    return {
        "schema_version": 1,
        "started_at": "2026-11-29T10:47:00+00:00",
        "finished_at": "2026-11-29T10:52:00+00:00",
        "profile": {
            "name": "quick",
            "servers": ["a"],
            "scenarios": ["me"],
            "floor": False,
            "warmup_seconds": 1,
            "trial_seconds": 2,
            "trials": 3,
            "users": 32,
        },
        "database": "sqlite",
        "seed": {"users": 1000, "products": 10000, "orders": 20000, "seed": 42},
        "machine": {
            "cpu_model": "EPYC",
            "logical_cpus": 2,
            "memory_gib": 24,
            "python": "3.11.7",
            "platform": "Linux",
            "server_cpus": [0],
            "generator_cpus": [1],
        },
        "packages": {"fastapi": "1"},
        "locust_workers": 1,
        "servers": {
            "flask-granian-wsgi": {**server, "name": "flask-granian-wsgi", "front_end": "flask"},
            "fastapi-uvicorn": {**server, "name": "fastapi-uvicorn", "front_end": "fastapi"},
        },
        "cells": [v1_cell("flask-granian-wsgi", "flask", 1000), v1_cell("fastapi-uvicorn", "fastapi", 1200)],
    }


def test_the_plan_follows_the_profile_and_the_overrides() -> None:
    quick = plan_from_args([])
    assert quick.profile_name == "quick"
    assert [s.name for s in quick.servers] == [
        "flask-granian-wsgi", "fastapi-granian-asgi", "fastapi-async-granian-asgi", "flask-gunicorn-gthread",
        "fastapi-gunicorn-uvicorn",
    ]  # fmt: skip
    assert quick.database == "sqlite" and quick.admin_url is None

    custom = plan_from_args(
        ["--servers", "fastapi-uvicorn,flask-gunicorn-sync", "--scenarios", "me,login", "--launches", "5",
         "--threads", "4", "--postgres", "postgresql://u@127.0.0.1/x", "--out", "/tmp/o"]
    )  # fmt: skip
    assert [s.name for s in custom.servers] == ["fastapi-uvicorn", "flask-gunicorn-sync"]
    assert custom.profile.scenarios == ["me", "login"] and custom.profile.launches == 5
    assert {s.threads for s in custom.servers} == {4}
    assert (custom.database, custom.admin_url) == ("postgresql", "postgresql://u@127.0.0.1/x")
    with pytest.raises(SystemExit, match="unknown server or scenario: nope"):
        plan_from_args(["--scenarios", "nope"])


def test_launches_budget_and_windows_follow_the_profile_and_the_overrides() -> None:
    quick = plan_from_args([]).profile
    assert 2 <= quick.launches <= quick.max_launches and quick.budget_seconds > 0
    more = plan_from_args(["--launches", "20", "--budget", "900"]).profile
    assert (more.launches, more.max_launches, more.budget_seconds) == (20, 20, 900)
    with pytest.raises(SystemExit, match="two or more launches"):
        plan_from_args(["--launches", "1"])
    with pytest.raises(SystemExit, match="max_launches 3 is under launches 4"):
        plan_from_args(["--launches", "4", "--max-launches", "3"])
    # A window holds min_responses at the cell's rate, within the profile's limits.
    assert quick.window(2 * quick.min_responses / quick.window_seconds) == quick.window_seconds
    assert quick.window(quick.min_responses / 2.5) == 2.5
    assert quick.window(1.0) == quick.max_window_seconds


def test_an_aa_plan_pairs_every_server_with_a_twin_of_itself() -> None:
    plan = plan_from_args(["--aa", "--servers", "flask-granian-wsgi,fastapi-granian-asgi", "--floor"])

    assert [s.name for s in plan.servers] == [
        "flask-granian-wsgi", "flask-granian-wsgi-twin", "fastapi-granian-asgi", "fastapi-granian-asgi-twin",
    ]  # fmt: skip
    twin = plan.servers[1]
    assert twin.twin_of == "flask-granian-wsgi" and twin.command == plan.servers[0].command
    assert plan.target(twin.front_end, "implementation") == "flask_impl.app:create_app"
    assert plan.profile.floor is False  # twins are compared with each other, not with a floor


def test_matched_concurrency_reaches_the_servers_environment() -> None:
    server = plan_from_args(["--threads", "12"]).servers[1]
    environment = server.environment("sqlite:///x.db")

    assert environment["THREADPOOL_LIMIT"] == "12"
    assert int(environment["DB_POOL_SIZE"]) >= 12


def test_cpu_lists_as_taskset_writes_them() -> None:
    assert cpu_list("0") == [0]
    assert cpu_list("0-2,5") == [0, 1, 2, 5]


def test_results_json_is_the_model_and_keeps_its_stable_fields(tmp_path: Path) -> None:
    analysed = analyse(
        results(
            [
                cell("fastapi-granian-asgi", "me", [900, 905, 910]),
                cell("flask-granian-wsgi", "me", [1000] * 3),
            ]
        )
    )
    analysed.write(tmp_path / "results.json")

    raw = json.loads((tmp_path / "results.json").read_text())
    assert raw["schema_version"] == SCHEMA_VERSION == 3
    (comparison,) = raw["comparisons"]
    assert set(comparison) >= {
        "scenario",
        "fastapi_server",
        "flask_server",
        "pairing",
        "ratio",
        "ci95",
        "verdict",
        "flags",
        "confidence",
        "launches",
        "look",
        "stopped",
    }
    assert set(raw["cells"][0]) >= {"server", "scenario", "target", "rps_median", "trials", "flags"}
    assert load(tmp_path / "results.json") == analysed


def test_a_version_1_file_is_read_and_analysed_again(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(json.dumps(v1_results()))

    converted = analyse(load(tmp_path / "results.json"))

    assert converted.converted_from_schema == 1
    (comparison,) = converted.comparisons
    assert comparison.pairing == "cross-server"
    assert comparison.ratio == pytest.approx(1201 / 1001)
    assert "old whole-run formula" in markdown.summary(converted)


def test_every_view_opens_with_the_verdicts() -> None:
    analysed = analyse(
        results(
            [
                cell("fastapi-granian-asgi", "me", [890, 900, 910]),
                cell("flask-granian-wsgi", "me", [1000] * 3),
                cell("fastapi-granian-asgi", "login", [1000, 1001, 999]),
                cell("flask-granian-wsgi", "login", [1000] * 3),
                cell("fastapi-granian-asgi", "mixed", [500, 1500, 1000]),
                cell("flask-granian-wsgi", "mixed", [1000] * 3),
            ]
        )
    )
    verdicts = {c.scenario: c.verdict for c in analysed.comparisons}
    assert verdicts == {"me": "flask-faster", "login": "no-difference", "mixed": "inconclusive"}
    (comparison,) = [c for c in analysed.comparisons if c.scenario == "me"]
    words = sentence(analysed, comparison)

    assert words.startswith("FastAPI on granian (ASGI) is 10 % slower than Flask on granian (WSGI) (95 % CI")
    summary = markdown.summary(analysed)
    assert summary.index("## Verdicts") < summary.index("## Requests per second")
    assert words in summary
    report = html.report(analysed)
    assert report.index("<h2>Verdicts</h2>") < report.index("<h2>Requests per second</h2>")
    assert "data:image/png;base64," in report and 'src="http' not in report
    printed_to = io.StringIO()
    console.show(analysed, Console(file=printed_to, width=300))
    printed = printed_to.getvalue()
    assert printed.index("Verdicts") < printed.index("req/s")
    assert words in printed


def test_cpu_readings_are_interpolated_over_any_window() -> None:
    readings = Readings()
    for at, value in [(0.0, 0.0), (1.0, 0.5), (2.0, 1.5)]:
        readings.add(at, value)

    assert readings.at(1.5) == pytest.approx(1.0)
    assert readings.rate(0.5, 1.5) == pytest.approx(0.75)
    with pytest.raises(ValueError):
        readings.at(3.0)


def test_isolation_is_weak_when_the_generator_shares_a_cpu_with_the_server() -> None:
    assert not topology([0], [1]).weak_isolation or topology([0], [1]).shared_cores
    assert topology([0, 1], [1]).overlapping == [1]
    assert topology([0, 1], [1]).weak_isolation


def test_sigterm_unwinds_a_study_like_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    """`kill <pid>` on a run stops what its `with` blocks started, as Ctrl-C does."""
    stopped: list[str] = []

    class Study:
        SHARED = ()

        @staticmethod
        def run(args: object) -> int:
            with ExitStack() as stack:
                stack.callback(stopped.append, "servers")
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)  # the handler raises before this ends
            return 0

    monkeypatch.setattr(cli, "study_module", lambda name: Study)
    bare = argparse.ArgumentParser()
    bare.set_defaults(study="bench")
    monkeypatch.setattr(cli, "parser", lambda: bare)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as ended:
            cli.main([])
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert ended.value.code == cli.TERMINATED
    assert stopped == ["servers"]


def test_a_proxy_plan_adds_each_servers_variants_behind_nginx() -> None:
    plan = plan_from_args(
        [
            "--servers",
            "flask-granian-wsgi,fastapi-granian-asgi",
            "--proxy",
            "nginx",
            "--tls",
            "--instances",
            "1,2",
        ]
    )

    flask = ["flask-granian-wsgi", *(f"flask-granian-wsgi-nginx{s}" for s in ("", "-tls", "-x2"))]
    fastapi = ["fastapi-granian-asgi", *(f"fastapi-granian-asgi-nginx{s}" for s in ("", "-tls", "-x2"))]
    assert [s.name for s in plan.servers] == [*flask, *fastapi]
    configs = {s.name: s for s in plan.servers}
    # Each variant differs from the server it is a share of in one thing alone.
    assert [configs[name].variant_of for name in flask] == [None, flask[0], flask[1], flask[1]]
    assert [(c.proxy, c.tls, c.instances) for c in (configs[n] for n in flask)] == [
        (None, False, 1), ("nginx", False, 1), ("nginx", True, 1), ("nginx", False, 2),
    ]  # fmt: skip
    assert configs[flask[2]].command == configs[flask[0]].command
    # FastAPI and Flask are compared on the same route only.
    assert compared(configs) == list(zip(fastapi, flask, strict=True))
    for wrong in (["--tls"], ["--instances", "2"], ["--aa", "--proxy", "nginx"]):
        with pytest.raises(SystemExit):
            plan_from_args(wrong)


def test_own_tls_adds_each_server_serving_https_itself_with_its_programs_options() -> None:
    plan = plan_from_args(["--servers", "flask-granian-wsgi,fastapi-gunicorn-uvicorn", "--tls", "server"])

    configs = {s.name: s for s in plan.servers}
    assert list(configs) == [
        "flask-granian-wsgi", "flask-granian-wsgi-tls",
        "fastapi-gunicorn-uvicorn", "fastapi-gunicorn-uvicorn-tls",
    ]  # fmt: skip
    granian, gunicorn = configs["flask-granian-wsgi-tls"], configs["fastapi-gunicorn-uvicorn-tls"]
    assert granian.own_tls and granian.variant_of == "flask-granian-wsgi" and granian.proxy is None
    cert, key = Path("/tmp/cert.pem"), Path("/tmp/key.pem")
    assert granian.argv("app", 8000, cert, key)[-4:] == [
        "--ssl-certificate",
        str(cert),
        "--ssl-keyfile",
        str(key),
    ]
    assert gunicorn.argv("app", 8000, cert, key)[-4:] == ["--certfile", str(cert), "--keyfile", str(key)]
    assert "--certfile" not in configs["fastapi-gunicorn-uvicorn"].argv("app", 8000)
