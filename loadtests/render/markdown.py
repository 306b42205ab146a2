"""results → summary.md."""

from __future__ import annotations

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
from loadtests.results.bench import Cell, Results


def cell_rows(results: Results) -> tuple[list[str], list[tuple[str, str]], dict[tuple[str, str, str], Cell]]:
    """Servers (columns), (target, scenario) rows and the cells by (server, target, scenario)."""
    servers = [name for name, record in results.servers.items() if not record.refused]
    rows: list[tuple[str, str]] = list(dict.fromkeys((c.target, c.scenario) for c in results.cells))
    return servers, rows, {(c.server, c.target, c.scenario): c for c in results.cells}


def row_label(target: str, scenario: str) -> str:
    return scenario if target == "implementation" else f"{scenario} (floor)"


def summary(results: Results) -> str:
    p = results.profile
    m = results.machine
    lines = [
        f"# Benchmark: FastAPI ÷ Flask ({results.started_at:%Y-%m-%d %H:%M}Z, "
        f"profile `{results.profile_name}`)",
        "",
        f"{m.cpu_model}, {m.logical_cpus} CPUs; servers pinned to CPUs {m.topology.server_cpus}, Locust to "
        f"{m.topology.generator_cpus}; Python {m.python}; {results.database} seeded with "
        f"{results.seed.get('products', 0):,} products; {p.users} users; each trial counts the responses "
        f"of a window that starts {p.settle_seconds:g} s after every user is running.",
        "",
        method(results),
        "",
        "## Verdicts",
        "",
    ]
    for group in pairs(results):
        lines += [f"**{pair_title(results, group[0])}**. {group[0].differs}", ""]
        lines += [f"- `{c.scenario}`: {sentence(results, c)}" for c in group]
        lines.append("")
    lines += [
        "| scenario | FastAPI server | Flask server | pairing | ratio | CI | verdict | how | flags |",
        "|---|---|---|---|---:|---:|---|---|---|",
    ]
    for c in results.comparisons:
        lines.append(
            f"| {c.scenario} | {c.fastapi_server} | {c.flask_server} | {c.pairing} | {c.ratio:.2f} | "
            f"{c.ci95[0]:.2f}–{c.ci95[1]:.2f} | {verdict_word(results, c)} | {reached(c)} | "
            f"{', '.join(c.flags)} |"
        )
    servers, rows, by_key = cell_rows(results)
    lines += [
        "",
        "## Requests per second",
        "",
        f"Median (min–max) of the trials. Flags: {legend(results)}.",
        "",
    ]
    lines += ["| scenario | " + " | ".join(servers) + " |", "|---|" + "---:|" * len(servers)]
    for target, scenario in rows:
        texts = [
            cell_text(by_key[(s, target, scenario)]) if (s, target, scenario) in by_key else "–"
            for s in servers
        ]
        lines.append(f"| {row_label(target, scenario)} | " + " | ".join(texts) + " |")
    lines += ["", "## Latency (ms, median of trials: p50 / p99) and server CPU per request", ""]
    lines += ["| scenario | " + " | ".join(servers) + " |", "|---|" + "---:|" * len(servers)]
    for target, scenario in rows:
        texts = []
        for server in servers:
            cell = by_key.get((server, target, scenario))
            texts.append(
                f"{cell.median('p50_ms'):.1f} / {cell.median('p99_ms'):.1f} · "
                f"{cell.median('cpu_ms_per_request'):.2f} ms CPU"
                if cell
                else "–"
            )
        lines.append(f"| {row_label(target, scenario)} | " + " | ".join(texts) + " |")
    if results.floor_shares:
        lines += [
            "",
            "## Implementation as a share of its floor (Locust)",
            "",
            "| server | scenario | share |",
        ]
        lines.append("|---|---|---|")
        lines += [f"| {f.server} | {f.scenario} | {floor_text(f)} |" for f in results.floor_shares]
    lines += ["", "## Notes", ""] + [f"- {note}" for note in notes(results)]
    lines += ["", "## Servers", ""]
    for name, record in results.servers.items():
        startup = ", ".join(f"{t} {s:.2f} s" for t, s in record.startup_seconds.items())
        command = " ".join(record.command.get("implementation", record.config.command))
        lines.append(
            f"- **{name}** ({record.config.notes}; {record.config.workers} worker(s), threads/threadpool "
            f"{record.threadpool_limit}, DB pool {record.db_pool_size}; start-up {startup}): `{command}`"
        )
    lines += ["", "Packages: " + ", ".join(f"{k} {v}" for k, v in results.packages.items()), ""]
    return "\n".join(lines)
