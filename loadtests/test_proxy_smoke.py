"""Part of `make bench-smoke`: nginx in front of a server over HTTPS, as loadtests/env/proxy.py
runs it, and a short deploy drill. Asserted: a benchmark behind the proxy verifies and measures
each variant, nginx's own errors speak the contract, a rolling deploy under load fails no
request and a bad release is refused. Never a speed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from core.migrate import head_and_previous
from loadtests import cli
from loadtests.config.dataset import SeedSpec
from loadtests.config.matrix import Matrix
from loadtests.config.plan import make_plan
from loadtests.env.proxy import Proxy, reverse_proxy, unavailable_reason
from loadtests.session.session import Running, Session
from loadtests.studies.deploy import drill
from loadtests.studies.report import load

SMALL_SEED = SeedSpec(users=50, products=200, orders=100)
SMALL_SEED_ARGS = ["--users-seed", "50", "--products", "200", "--orders", "100"]
SERVER = "flask-granian-wsgi"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    if (reason := unavailable_reason()) is not None:
        pytest.fail(f"nginx is part of make test: {reason}")
    out = tmp_path_factory.mktemp("proxy")
    plan = make_plan("smoke", servers=[SERVER], seed=SMALL_SEED, out=out)
    with Session.open(plan, Console()) as opened:
        yield opened


@pytest.fixture(scope="module")
def server(session: Session) -> Iterator[Running]:
    with session.serve(Matrix.load().servers[SERVER]) as running:
        yield running


@pytest.fixture(scope="module")
def proxy(session: Session, server: Running) -> Iterator[Proxy]:
    with reverse_proxy([server.endpoint.base_url], session.out / "proxy", tls=True) as running:
        yield running


def client(proxy: Proxy) -> httpx.Client:
    return httpx.Client(base_url=proxy.base_url, verify=proxy.verify(), timeout=10)


def test_a_bench_behind_nginx_over_https_gates_and_measures_each_variant(tmp_path: Path) -> None:
    """`make bench ARGS="--proxy nginx --tls"` on one server: the gate passes through nginx over
    HTTPS (every variant is verified before it is timed), and each variant is a share of its
    server with the proxy's CPU."""
    small = ["--users-seed", "50", "--products", "200", "--orders", "100"]
    argv = [
        "bench",
        "--profile",
        "smoke",
        "--servers",
        SERVER,
        "--proxy",
        "nginx",
        "--tls",
        "--launches",
        "2",
    ]
    assert cli.main([*argv, *small, "--out", str(tmp_path)]) == 0

    results = load(tmp_path / "results.json")
    assert all(not record.refused for record in results.servers.values())
    shares = {s.server: s for s in results.variant_shares}
    assert set(shares) == {f"{SERVER}-nginx", f"{SERVER}-nginx-tls"}
    assert shares[f"{SERVER}-nginx"].of == SERVER and shares[f"{SERVER}-nginx-tls"].change == "TLS at nginx"
    for share in shares.values():
        assert share.ci95[0] <= share.share <= share.ci95[1] and share.launches >= 2
        assert share.proxy_cpu_percent is not None and share.proxy_cpu_percent > 0
    for cell in results.cells:
        assert all(t.failures == 0 and t.successes > 0 for t in cell.trials)
    assert "Behind nginx" in (tmp_path / "summary.md").read_text()


def test_nginx_speaks_the_contract_for_its_own_errors(proxy: Proxy) -> None:
    with client(proxy) as http:
        # Over the app's 64 KiB: the app answers; over nginx's 1 MiB: nginx does, in the same words.
        for size in (100_000, 2_000_000):
            answer = http.post(
                "/v1/orders", content=b"x" * size, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == 413, size
            assert answer.json()["error"] == "payload_too_large"
    proxy.reload(["http://127.0.0.1:9"])  # nothing listens there: the upstream is down
    with client(proxy) as http:
        answer = http.get("/health")
    assert answer.status_code == 503 and answer.json()["error"] == "service_unavailable"


def test_a_rolling_deploy_under_load_fails_no_request_and_refuses_a_bad_release(session: Session) -> None:
    """`make deploy-drill` on one server: the newest migration applied under release N's load,
    two instances replaced one at a time, then a release whose /ready fails refused before it
    gets any traffic, and a canary that answers 5xx rolled back on its error rate."""
    drilled = drill(session, Matrix.load().servers[SERVER], instances=2, rate=50, steady_seconds=1)

    assert drilled.during.requests > 0
    assert drilled.errors == {}, drilled.errors
    assert drilled.rolled_out and drilled.bad_release_refused
    assert drilled.rollout_seconds > 0 and drilled.rollback_seconds > 0
    head, previous = head_and_previous()  # the newest migration ran under release N's load
    assert drilled.migration == f"{previous} → {head}" and drilled.migration_seconds > 0
    # The canary answered 5xx through nginx (the app's 503 for a failing database), and its
    # error rate took it out again.
    assert drilled.canary_rolled_back and 0 < drilled.canary_failed <= drilled.canary_answers
    assert (
        drilled.canary_errors.get("503", 0) + drilled.canary_errors.get("other 5xx", 0)
        >= drilled.canary_failed
    )
