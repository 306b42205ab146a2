"""Flags, confidence intervals, verdicts and floor shares on data with known answers."""

from __future__ import annotations

import pytest

from loadtests.render.text import method
from loadtests.results.bench import Design, Thresholds
from loadtests.stats.analysis import analyse, cell_flags, floor_verdict, ratio_ci, verdict
from tests.bench.factories import MATRIX, cell, results

GRANIAN = ("fastapi-granian-asgi", "flask-granian-wsgi")
THRESHOLDS = Thresholds()


@pytest.mark.parametrize(
    ("low", "high", "flags", "expected"),
    [
        (1.07, 1.15, [], "fastapi-faster"),
        (0.85, 0.93, [], "flask-faster"),
        (0.97, 1.04, [], "no-difference"),
        (1.01, 1.04, [], "no-difference"),  # different, but by less than the band
        (1.02, 1.08, [], "fastapi-faster"),
        (0.90, 1.08, [], "inconclusive"),  # straddles 1 and leaves the band: too wide
        (1.07, 1.15, ["generator-bound"], "inconclusive"),
        (0.97, 1.03, ["errors"], "inconclusive"),
    ],
)
def test_verdict_words(low: float, high: float, flags: list[str], expected: str) -> None:
    assert verdict(low, high, flags, band=0.05) == expected


def test_the_interval_holds_a_clear_ratio_tightly() -> None:
    ratio, low, high = ratio_ci([110, 112, 108, 111, 109], [100, 101, 99, 100, 100])

    assert ratio == pytest.approx(1.10, abs=0.002)
    assert 1.08 < low < ratio < high < 1.12


def test_pairing_cancels_drift_that_both_sides_share() -> None:
    drift = [1.0, 0.8, 1.2, 0.9, 1.1]  # the machine slows and speeds between rounds
    flask = [1000 * d for d in drift]
    fastapi = [1100 * d for d in drift]

    ratio, low, high = ratio_ci(fastapi, flask)

    assert (low, ratio, high) == pytest.approx((1.1, 1.1, 1.1))


def test_noisy_trials_give_a_wide_interval_that_contains_one() -> None:
    _, low, high = ratio_ci([100, 140, 70, 120, 90], [100, 100, 100, 100, 100])

    assert low < 1 < high
    assert high - low > 0.2
    assert verdict(low, high, [], 0.05) == "inconclusive"


def test_an_interval_needs_two_launches_of_paired_trials() -> None:
    with pytest.raises(ValueError, match="two or more launches"):
        ratio_ci([1.0], [1.0])
    with pytest.raises(ValueError, match="paired"):
        ratio_ci([1.0, 2.0], [1.0])


def test_cell_flags_from_window_means() -> None:
    def flags(
        server_cpu: float = 99, generator_cpu: float = 50, failures: int = 0, steal: float = 0
    ) -> list[str]:
        me = cell(
            "flask-granian-wsgi",
            "me",
            [1000, 1000],
            server_cpu=server_cpu,
            generator_cpu=generator_cpu,
            failures=failures,
            steal=steal,
        )
        return cell_flags(me, THRESHOLDS, 10_000)

    assert flags() == []
    assert flags(generator_cpu=95) == ["generator-bound"]
    assert flags(server_cpu=70) == ["not-saturated"]
    assert flags(failures=1) == ["errors"]
    assert flags(steal=6) == ["cpu-steal"]
    slow = cell("flask-granian-wsgi", "login", [20, 20])  # 20 responses in a 1 s window
    assert cell_flags(slow, THRESHOLDS, 10_000) == ["few-responses"]
    near = cell("flask-granian-wsgi", "health", [7500, 7600])
    assert cell_flags(near, THRESHOLDS, 10_000) == ["near-generator-ceiling"]
    assert cell_flags(near, THRESHOLDS, None) == []


def test_analyse_compares_like_for_like_first_with_what_differs() -> None:
    cells = [
        cell("fastapi-granian-asgi", "me", [900, 910, 905]),
        cell("flask-granian-wsgi", "me", [1000, 1005, 1002]),
        cell("fastapi-gunicorn-uvicorn", "me", [800, 805, 790]),
        cell("flask-gunicorn-gthread", "me", [800, 810, 795]),
    ]

    analysed = analyse(results(cells))

    pairs = [(c.fastapi_server, c.flask_server, c.pairing, c.verdict) for c in analysed.comparisons]
    assert pairs[:2] == [
        ("fastapi-granian-asgi", "flask-granian-wsgi", "same-server", "flask-faster"),
        ("fastapi-gunicorn-uvicorn", "flask-gunicorn-gthread", "same-process-manager", "no-difference"),
    ]
    assert {p[2] for p in pairs[2:]} == {"cross-server"}
    assert "granian" in analysed.comparisons[0].differs


def test_a_flagged_cell_makes_its_comparisons_inconclusive() -> None:
    cells = [
        cell("fastapi-granian-asgi", "health", [9000, 9100, 9050], generator_cpu=97),
        cell("flask-granian-wsgi", "health", [6000, 6100, 6050]),
    ]

    (comparison,) = analyse(results(cells, ceiling=None)).comparisons

    assert comparison.verdict == "inconclusive"
    assert comparison.flags == ["generator-bound"]


@pytest.mark.parametrize(
    ("slots", "expected"), [({}, "inconclusive"), ({"health": [0.4, 0.1]}, "flask-faster")]
)
def test_steal_blocks_a_verdict_only_when_the_sides_were_measured_apart(
    slots: dict[str, list[float]], expected: str
) -> None:
    """Taking turns puts both sides under the same stolen CPU: the flag stays on the cell and
    the interval decides. Measured one after the other, the steal may have hit one side only."""
    cells = [
        cell("fastapi-granian-asgi", "health", [6000, 6100, 6050], steal=8),
        cell("flask-granian-wsgi", "health", [9000, 9100, 9050]),
    ]
    design = Design(
        first_look_launches=3, first_look_alpha=0.01, final_look_alpha=0.04, launches=3,
        budget_seconds=0, ended="all-decided", windows={"health": 1.0}, slots=slots, orders=[],
    )  # fmt: skip

    (comparison,) = analyse(results(cells, ceiling=None).model_copy(update={"design": design})).comparisons

    assert comparison.flags == ["cpu-steal"]
    assert comparison.verdict == expected
    assert comparison.stopped == ("flagged" if expected == "inconclusive" else "decided")


@pytest.mark.parametrize(("first_look", "confidence"), [(2, 0.99), (0, 0.95)])
def test_a_run_ended_before_its_first_look_looks_once_at_the_whole_error_rate(
    first_look: int, confidence: float
) -> None:
    """A first look spends 1 % of the 5 %: a run whose budget allowed no launch after it never
    takes one (first_look_launches 0), and its one look is at 95 %."""
    cells = [
        cell("fastapi-granian-asgi", "health", [6000, 6100, 6050]),
        cell("flask-granian-wsgi", "health", [9000, 9100, 9050]),
    ]
    alphas = (0.01, 0.04) if first_look else (0.0, 0.05)
    design = Design(
        first_look_launches=first_look, first_look_alpha=alphas[0], final_look_alpha=alphas[1], launches=3,
        budget_seconds=60, ended="budget-spent", windows={"health": 1.0}, slots={}, orders=[],
    )  # fmt: skip

    (comparison,) = analyse(results(cells, ceiling=None).model_copy(update={"design": design})).comparisons

    assert comparison.verdict == "flask-faster"
    assert comparison.confidence == pytest.approx(confidence)
    said = "99 % at the first look and 96 % at the final one" if first_look else "95 % at the one look"
    assert said in method(results(cells, ceiling=None).model_copy(update={"design": design}))


def test_floor_shares_and_their_verdicts() -> None:
    cells = [
        cell("flask-granian-wsgi", "product_by_id", [850, 860, 855]),
        cell("flask-granian-wsgi", "floor_product_by_id", [1000, 1000, 1000], target="floor"),
        cell("fastapi-granian-asgi", "product_by_id", [700, 700, 700]),
        cell("fastapi-granian-asgi", "floor_product_by_id", [1000, 1000, 1000], target="floor"),
    ]

    shares = {s.server: s for s in analyse(results(cells)).floor_shares}

    assert shares["flask-granian-wsgi"].verdict == "met"
    assert shares["flask-granian-wsgi"].share == pytest.approx((0.85 * 0.86 * 0.855) ** (1 / 3))
    assert shares["fastapi-granian-asgi"].verdict == "missed"
    assert floor_verdict(0.9, 0.95, 0.8, ["generator-bound"]) == "inconclusive"
    assert floor_verdict(0.79, 0.9, 0.8, []) == "inconclusive"  # the interval holds the target
    assert floor_verdict(0.7, 0.79, 0.8, []) == "missed"  # all of it short of the target
    assert floor_verdict(0.8, 0.9, 0.8, []) == "met"


def test_each_variant_is_a_share_of_its_server_with_its_p99_and_the_proxys_cpu() -> None:
    base = MATRIX.servers["flask-granian-wsgi"]
    proxied = base.behind_proxy(base)
    doubled = base.behind_proxy(proxied, instances=2)
    latency = {base.name: 10.0, proxied.name: 12.0, doubled.name: 12.0}
    rates = {
        base.name: [1000.0, 1100, 900],
        proxied.name: [800.0, 880, 720],
        doubled.name: [960.0, 1056, 864],
    }
    cells = []
    for config in (base, proxied, doubled):
        measured = cell(base.name, "product_by_id", rates[config.name])
        trials = [
            t.model_copy(
                update={
                    "latency": t.latency.model_copy(update={"p99_ms": latency[config.name]}),
                    "proxy_cpu_percent": 10.0 if config.proxy else None,
                }
            )
            for t in measured.trials
        ]
        cells.append(measured.model_copy(update={"server": config.name, "trials": trials}))
    analysed = analyse(results(cells, configs={c.name: c for c in (base, proxied, doubled)}))

    assert analysed.comparisons == []  # one framework: no FastAPI ÷ Flask
    shares = {s.server: s for s in analysed.variant_shares}
    assert shares[proxied.name].of == base.name and shares[proxied.name].change == "nginx"
    assert shares[proxied.name].share == pytest.approx(0.8)
    assert shares[proxied.name].p99_ratio == pytest.approx(1.2)
    assert shares[proxied.name].proxy_cpu_percent == 10.0
    scaled = shares[doubled.name]
    assert scaled.of == proxied.name and scaled.instances == 2
    assert scaled.share == pytest.approx(1.2) and scaled.share / scaled.instances == pytest.approx(0.6)
