"""results → report.html: self-contained, verdicts first."""

from __future__ import annotations

import html

from loadtests.render import charts
from loadtests.render.markdown import cell_rows, row_label
from loadtests.render.text import (
    cell_text,
    floor_text,
    legend,
    method,
    notes,
    pair_title,
    pairs,
    reached,
    sentence,
    verdict_word,
)
from loadtests.results.bench import Results

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
code { font-size: 0.85em; } img { max-width: 100%; }
.note { background: #f4f6f8; padding: 0.6em 1em; border-left: 4px solid #789; }
.verdicts li { margin: 0.3em 0; } .inconclusive { color: #777; }
.fastapi-faster, .flask-faster { font-weight: 600; }
"""


def table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report(results: Results, extra_sections: list[str] | None = None) -> str:
    """The run's page; `extra_sections` (HTML) go before "Machine and servers"."""
    esc = html.escape
    p, m = results.profile, results.machine
    sections = []
    for group in pairs(results):
        items = "".join(
            f'<li class="{c.verdict}"><b>{esc(c.scenario)}</b>: {esc(sentence(results, c))}</li>'
            for c in group
        )
        sections.append(
            (
                group[0].pairing,
                f"<h3>{esc(pair_title(results, group[0]))}</h3><p><small>What differs besides the framework: "
                f'{esc(group[0].differs)}</small></p><ul class="verdicts">{items}</ul>',
            )
        )
    cross = "".join(section for pairing, section in sections if pairing == "cross-server")
    verdicts = "".join(section for pairing, section in sections if pairing != "cross-server") + (
        f"<details><summary>Cross-server comparisons (the HTTP server differs too)</summary>{cross}</details>"
        if cross
        else ""
    )
    servers, rows, by_key = cell_rows(results)
    cell_table = table(
        ["scenario", *servers],
        [
            [
                esc(row_label(t, s)),
                *(esc(cell_text(by_key[(v, t, s)])) if (v, t, s) in by_key else "–" for v in servers),
            ]
            for t, s in rows
        ],
    )
    comparison_table = table(
        ["scenario", "FastAPI server", "Flask server", "pairing", "ratio", "CI", "verdict", "how"],
        [
            [esc(c.scenario), esc(c.fastapi_server), esc(c.flask_server), esc(c.pairing), f"{c.ratio:.2f}",
             f"{c.ci95[0]:.2f}–{c.ci95[1]:.2f}", esc(verdict_word(results, c) + (f" ({', '.join(c.flags)})" if c.flags else "")),
             esc(reached(c))]
            for c in results.comparisons
        ],
    )  # fmt: skip
    floor_table = table(
        ["server", "scenario", "share of the floor"],
        [[esc(f.server), esc(f.scenario), esc(floor_text(f))] for f in results.floor_shares],
    )
    trial_table = table(
        ["server", "target", "scenario", "launch", "req/s", "failures", "p50/p99 ms", "server CPU %", "CPU ms/req", "Locust CPU %", "USS/PSS MiB", "steal %"],
        [
            [esc(c.server), esc(c.target), esc(c.scenario), str((t.index if t.launch is None else t.launch) + 1), f"{t.rps:.0f}", str(t.failures),
             f"{t.latency.p50_ms:.1f}/{t.latency.p99_ms:.1f}", f"{t.server_cpu_percent:.0f}", f"{t.cpu_ms_per_request:.2f}",
             f"{t.generator_cpu_percent:.0f}", f"{t.uss_mib:.0f}/{t.pss_mib:.0f}", f"{t.steal_percent:.1f}"]
            for c in results.cells
            for t in c.trials
        ],
    )  # fmt: skip
    server_table = table(
        ["server", "front end", "workers", "threads / threadpool", "DB pool", "start-up s", "command", "verification"],
        [
            [esc(name), esc(r.config.front_end), str(r.config.workers), str(r.threadpool_limit), str(r.db_pool_size),
             esc(", ".join(f"{t} {s:.2f}" for t, s in r.startup_seconds.items())),
             f"<code>{esc(' '.join(r.command.get('implementation', r.config.command)))}</code>",
             esc("; ".join(r.refused)) if r.refused else "verified"]
            for name, r in results.servers.items()
        ],
    )  # fmt: skip
    has_cells = bool(results.cells)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>FastAPI ÷ Flask benchmark</title><style>{STYLE}</style></head><body>
<h1>FastAPI ÷ Flask: the same shop API, side by side</h1>
<p class="note">Profile <b>{esc(results.profile_name)}</b>, {results.started_at:%Y-%m-%d %H:%M}Z: each trial counts the
successful responses of a window that starts {p.settle_seconds:g} s after all {p.users} Locust users
(FastHttpUser, no wait) are running. {esc(method(results))} Database <b>{esc(results.database)}</b>
seeded with {results.seed.get("users")} users, {results.seed.get("products")} products, {results.seed.get("orders")} orders.
A verdict needs the whole interval on one side of 1 (or within ±{100 * results.thresholds.no_difference:.0f} % for
"no difference"), and no flag on either cell.</p>
<h2>Verdicts</h2>
{verdicts or "<p>No comparisons.</p>"}
{charts.forest(results) if results.comparisons else ""}
{comparison_table if results.comparisons else ""}
<h2>Notes on this run</h2>
<ul>{"".join(f"<li>{esc(n)}</li>" for n in notes(results))}</ul>
<h2>Requests per second</h2>
<p>Median (min–max) of the trials. Flags: {esc(legend(results))}.</p>
{cell_table}
{charts.throughput(results) if has_cells else ""}
<h2>Share of the floor</h2>
<p>The floor apps (loadtests/floor/) do the same read with the cheapest response path of each framework.
Locust's share is inconclusive where the generator is the limit; <code>make bench-crosscheck ARGS="--floor"</code> measures it with wrk.</p>
{floor_table if results.floor_shares else "<p>No floor measured in this run.</p>"}
<h2>Latency over time</h2>
{charts.over_time(results) if has_cells else ""}
<h2>Every trial</h2>
{trial_table}
{"".join(extra_sections or [])}
<h2>Machine and servers</h2>
<p>{esc(m.cpu_model)}, {m.logical_cpus} logical CPUs, {m.memory_gib} GiB; {esc(m.platform)}; Python {esc(m.python)}.
Servers pinned to CPUs {m.topology.server_cpus}, Locust ({results.generator.processes} process(es)) and the runner to {m.topology.generator_cpus}.</p>
{server_table}
<p>Packages: {esc(", ".join(f"{k} {v}" for k, v in results.packages.items()))}</p>
<p><small>results.json schema v{results.schema_version}, {results.started_at.isoformat()} – {results.finished_at.isoformat()}</small></p>
</body></html>
"""
