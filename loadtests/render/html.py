"""results → report.html: self-contained, verdicts first."""

from __future__ import annotations

import html

from loadtests.render import bench_tables as tables
from loadtests.render import charts
from loadtests.render.page import items, page
from loadtests.render.table import Html, html_table
from loadtests.render.text import legend, method, notes, pair_title, pairs, sentence
from loadtests.results.bench import Results

esc = html.escape

TRIAL_HEADERS = ["server", "target", "scenario", "launch", "req/s", "failures", "p50/p99 ms", "server CPU %",
                 "CPU ms/req", "Locust CPU %", "USS/PSS MiB", "steal %"]  # fmt: skip
SERVER_HEADERS = ["server", "front end", "workers", "threads / threadpool", "DB pool", "start-up s", "command",
                  "verification"]  # fmt: skip


def introduction(results: Results) -> str:
    p = results.profile
    return f"""<h1>FastAPI ÷ Flask: the same shop API, side by side</h1>
<p class="note">Profile <b>{esc(results.profile_name)}</b>, {results.started_at:%Y-%m-%d %H:%M}Z: each trial counts the
successful responses of a window that starts {p.settle_seconds:g} s after all {p.users} Locust users
(FastHttpUser, no wait) are running. {esc(method(results))} Database <b>{esc(results.database)}</b>
seeded with {results.seed.get("users")} users, {results.seed.get("products")} products, {results.seed.get("orders")} orders.
A verdict needs the whole interval on one side of 1 (or within ±{100 * results.thresholds.no_difference:.0f} % for
"no difference"), and no flag on either cell.</p>"""


def verdicts(results: Results) -> str:
    """A list of verdicts per server pair; the cross-server pairs folded away below the others."""
    like_for_like: list[str] = []
    cross: list[str] = []
    for group in pairs(results):
        listed = "".join(
            f'<li class="{c.verdict}"><b>{esc(c.scenario)}</b>: {esc(sentence(results, c))}</li>'
            for c in group
        )
        section = (
            f"<h3>{esc(pair_title(results, group[0]))}</h3><p><small>What differs besides the framework: "
            f'{esc(group[0].differs)}</small></p><ul class="verdicts">{listed}</ul>'
        )
        (cross if group[0].pairing == "cross-server" else like_for_like).append(section)
    folded = "<details><summary>Cross-server comparisons (the HTTP server differs too)</summary>"
    body = "".join(like_for_like) + (folded + "".join(cross) + "</details>" if cross else "")
    if not results.comparisons:
        return f"<h2>Verdicts</h2>\n{body or '<p>No comparisons.</p>'}"
    table = html_table(tables.COMPARISON_HEADERS, tables.comparison_rows(results))
    return f"<h2>Verdicts</h2>\n{body}\n{charts.forest(results)}\n{table}"


def throughput(results: Results) -> str:
    chart = charts.throughput(results) if results.cells else ""
    return f"""<h2>Requests per second</h2>
<p>Median (min–max) of the trials. Flags: {esc(legend(results))}.</p>
{html_table(*tables.cell_table(results))}
{chart}"""


def variants(results: Results) -> str:
    if not results.variant_shares:
        return ""
    table = html_table(tables.VARIANT_HEADERS, tables.variant_rows(results))
    return f"""<h2>{esc(tables.VARIANT_TITLE)}</h2>
<p>{esc(tables.VARIANT_NOTE)}</p>
{table}"""


def floor(results: Results) -> str:
    table = html_table(tables.FLOOR_HEADERS, tables.floor_rows(results))
    return f"""<h2>Share of the floor</h2>
<p>The floor apps (loadtests/floor/) do the same read with the cheapest response path of each framework.
Locust's share is inconclusive where the generator is the limit; <code>make bench-crosscheck ARGS="--floor"</code> measures it with wrk.</p>
{table if results.floor_shares else "<p>No floor measured in this run.</p>"}"""


def trials(results: Results) -> str:
    rows = [
        [c.server, c.target, c.scenario, str((t.index if t.launch is None else t.launch) + 1), f"{t.rps:.0f}",
         str(t.failures), f"{t.latency.p50_ms:.1f}/{t.latency.p99_ms:.1f}", f"{t.server_cpu_percent:.0f}",
         f"{t.cpu_ms_per_request:.2f}", f"{t.generator_cpu_percent:.0f}", f"{t.uss_mib:.0f}/{t.pss_mib:.0f}",
         f"{t.steal_percent:.1f}"]
        for c in results.cells
        for t in c.trials
    ]  # fmt: skip
    over_time = charts.over_time(results) if results.cells else ""
    return f"<h2>Latency over time</h2>\n{over_time}\n<h2>Every trial</h2>\n{html_table(TRIAL_HEADERS, rows)}"


def machine_and_servers(results: Results) -> str:
    m = results.machine
    rows = [
        [name, r.config.front_end, str(r.config.workers), str(r.threadpool_limit), str(r.db_pool_size),
         ", ".join(f"{t} {s:.2f}" for t, s in r.startup_seconds.items()),
         Html(f"<code>{esc(' '.join(r.command.get('implementation', r.config.command)))}</code>"),
         "; ".join(r.refused) if r.refused else "verified"]
        for name, r in results.servers.items()
    ]  # fmt: skip
    return f"""<h2>Machine and servers</h2>
<p>{esc(m.cpu_model)}, {m.logical_cpus} logical CPUs, {m.memory_gib} GiB; {esc(m.platform)}; Python {esc(m.python)}.
Servers pinned to CPUs {m.topology.server_cpus}, Locust ({results.generator.processes} process(es)) and the runner to {m.topology.generator_cpus}.</p>
{html_table(SERVER_HEADERS, rows)}
<p>Packages: {esc(", ".join(f"{k} {v}" for k, v in results.packages.items()))}</p>
<p><small>results.json schema v{results.schema_version}, {results.started_at.isoformat()} – {results.finished_at.isoformat()}</small></p>"""


def report(results: Results, extra_sections: list[str] | None = None) -> str:
    """The run's page; `extra_sections` (HTML) go before "Machine and servers"."""
    return page(
        "FastAPI ÷ Flask benchmark",
        [
            introduction(results),
            verdicts(results),
            variants(results),
            f"<h2>Notes on this run</h2>\n<ul>{items(notes(results))}</ul>",
            throughput(results),
            floor(results),
            trials(results),
            *(extra_sections or []),
            machine_and_servers(results),
        ],
    )
