"""The one page skeleton and the table writers (loadtests/render/page.py, table.py), and the views
of the studies that only a long run reaches (db-rtt, crosscheck, scale, soak), on known data."""

from __future__ import annotations

import argparse
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from loadtests.env.sampling import machine
from loadtests.render import crosscheck, dbrtt, resilience
from loadtests.render import scale as scale_view
from loadtests.render.page import STYLE, page
from loadtests.render.table import Html, html_table, markdown_table, terminal_table
from loadtests.results.crosscheck import Crosscheck, Measured
from loadtests.results.dbrtt import RttRun
from loadtests.results.resilience import Minute, ResilienceResults, ServerResilience, Soak
from loadtests.results.scale import ScaleReport, ScaleRow
from tests.bench.factories import MATRIX, cell, results


def printed(renderable: object) -> str:
    out = io.StringIO()
    Console(file=out, width=200).print(renderable)
    return out.getvalue()


def test_a_markdown_table_is_a_header_a_rule_with_the_alignment_and_a_line_per_row() -> None:
    table = markdown_table(["server", "req/s"], [["a", "1000"], ["b|c", "900"]], "lr")
    assert table.splitlines() == ["| server | req/s |", "|---|---:|", "| a | 1000 |", "| b\\|c | 900 |"]


def test_an_html_table_escapes_text_and_keeps_html_cells() -> None:
    table = html_table(["a<b"], [["x & y"], [Html("<code>z</code>")]])
    assert table == (
        "<table><thead><tr><th>a&lt;b</th></tr></thead><tbody>"
        "<tr><td>x &amp; y</td></tr><tr><td><code>z</code></td></tr></tbody></table>"
    )


def test_a_terminal_table_right_aligns_the_columns_asked() -> None:
    text = printed(terminal_table("t", ["name", "req/s"], [["a", "5"], ["bbbbb", "12345"]], "lr"))
    assert "│ a     │     5 │" in text


def test_a_page_has_one_doctype_the_shared_style_and_its_body() -> None:
    html = page("A & B", ["<h1>x</h1>", "<p>y</p>"], " td { color: red; }")
    assert html.count("<!DOCTYPE html>") == 1 and html.startswith("<!DOCTYPE html>")
    assert f"<style>{STYLE} td {{ color: red; }}</style>" in html
    assert "<title>A &amp; B</title>" in html and "<h1>x</h1>\n<p>y</p>" in html
    assert 'src="http' not in html and 'href="http' not in html


def rtt_run(rtt: float, rps: float) -> RttRun:
    run = results([cell("flask-granian-wsgi", "me", [rps, rps, rps])])
    return RttRun(rtt_ms=rtt, method="netem", relay_cpu_seconds=1.5, results=run)


def test_the_db_rtt_views_put_each_rtt_in_a_column(tmp_path: Path) -> None:
    dbrtt.write([rtt_run(0, 1000), rtt_run(5, 400)], tmp_path, Console(file=io.StringIO()))
    summary = (tmp_path / "dbrtt.md").read_text()
    assert "| server | scenario | RTT 0 ms | RTT 5 ms |" in summary
    assert "| flask-granian-wsgi | me | 1000 (12 ms) | 400 (12 ms) |" in summary
    assert "| flask-granian-wsgi | 10 | 8 |" in summary and "- RTT 5 ms: 1.5 s" in summary
    report = (tmp_path / "dbrtt.html").read_text()
    assert report.count("<!DOCTYPE html>") == 1 and "data:image/png;base64," in report
    assert "<td>400 (12 ms)</td>" in report


def test_crosscheck_json_is_an_array_of_rows_that_loads_back(tmp_path: Path) -> None:
    rows = [
        Measured(server="fastapi-granian-asgi", target="implementation", scenario="me", wrk_rps=[900, 1000],
                 locust_rps=[800, 900]),
        Measured(server="flask-granian-wsgi", target="implementation", scenario="me", wrk_rps=[1000, 1000],
                 locust_rps=[1000, 1000]),
        Measured(server="flask-granian-wsgi-nginx", target="implementation", scenario="me",
                 wrk_rps=[800, 800], locust_rps=[850, 850]),
    ]  # fmt: skip
    args = argparse.Namespace(
        scenario="me", trials=2, seconds=1.0, connections=8, servers="fastapi-granian-asgi,flask-granian-wsgi"
    )
    flask = MATRIX.servers["flask-granian-wsgi"]
    configs = {c.name: c for c in (MATRIX.servers["fastapi-granian-asgi"], flask, flask.behind_proxy(flask))}
    out = io.StringIO()
    crosscheck.write(rows, configs, args, tmp_path, Console(file=out, width=250))
    written = (tmp_path / "crosscheck.json").read_text()
    assert isinstance(json.loads(written), list)
    assert Crosscheck.model_validate_json(written).root == rows
    printed = out.getvalue()
    assert "fastapi-granian-asgi ÷ flask-granian-wsgi" in printed
    # A variant behind nginx ÷ its server, by each tool; the two tools agree within 10 %.
    assert "flask-granian-wsgi-nginx ÷ flask-granian-wsgi, ratio of means (95 % CI): wrk 0.80" in printed
    assert "Locust ÷ wrk = 1.06: agree within ±10 %" in printed


def test_the_scale_table_and_json_keep_every_figure(tmp_path: Path) -> None:
    row = ScaleRow(
        shape="products: first page", path_small="/v1/products?limit=100", items_small=20, items_large=20,
        median_ms_small=1.0, median_ms_large=1.2, min_ms_small=0.5, min_ms_large=0.6,
    )  # fmt: skip
    table = scale_view.table("sqlite", (1000, 2000), [row], 1.5)
    assert "| products: first page | `limit=100` | 20/20 | 1.00 | 1.20 | 1.20 | PASS | 1.20 |" in table
    scale_view.write_json({"sqlite": [row]}, tmp_path / "scale.json")
    written = json.loads((tmp_path / "scale.json").read_text())
    assert written["sqlite"][0]["ratio"] == 1.2
    assert ScaleReport.model_validate(written).root["sqlite"] == [row]


def test_a_soak_lists_its_slices_in_markdown_and_html() -> None:
    minute = Minute(index=0, seconds=60, requests=100, failed=0, dropped=1, p50_ms=1.5, p99_ms=9.0,
                    rss_mib=50.0, uss_mib=40.0)  # fmt: skip
    soak = Soak(
        passed=True, cell="stable", bound="RSS +10 %", rate_rps=100, rate_source="half the capacity",
        slice_seconds=60, slices=[minute], errors=1, failed=0, dropped=1, rss_growth_percent=0,
        uss_growth_percent=0, p99_drift_ms=0,
    )  # fmt: skip
    now = datetime(2026, 12, 1, tzinfo=UTC)
    server = ServerResilience(server="a", label="A", front_end="flask", soak=soak)
    found = ResilienceResults(
        kind="soak", started_at=now, finished_at=now, profile="soak", faults=["soak"],
        machine=machine([0], [1]), k6=None, slo_p99_ms=100, servers=[server],
    )  # fmt: skip
    summary = resilience.summary(found)
    assert "## a: soak slices (half the capacity)" in summary
    rule = "|---:|" + "---:|" * 7
    assert f"{rule}\n| 1 | 100 | 0 | 1 | 1.5 | 9.0 | 50.0 | 40.0 |" in summary
    html = resilience.page(found)
    assert html.count("<!DOCTYPE html>") == 1 and "<td>1</td><td>100</td><td>0</td><td>1</td>" in html
