"""results → summary.md."""

from __future__ import annotations

from loadtests.render import bench_tables as tables
from loadtests.render.table import markdown_table
from loadtests.render.text import legend, method, notes, pair_title, pairs, sentence
from loadtests.results.bench import Results


def heading(results: Results) -> list[str]:
    p, m = results.profile, results.machine
    return [
        f"# Benchmark: FastAPI ÷ Flask ({results.started_at:%Y-%m-%d %H:%M}Z, "
        f"profile `{results.profile_name}`)",
        "",
        f"{m.cpu_model}, {m.logical_cpus} CPUs; servers pinned to CPUs {m.topology.server_cpus}, Locust to "
        f"{m.topology.generator_cpus}; Python {m.python}; {results.database} seeded with "
        f"{results.seed.get('products', 0):,} products; {p.users} users; each trial counts the responses "
        f"of a window that starts {p.settle_seconds:g} s after every user is running.",
        "",
        method(results),
    ]


def verdicts(results: Results) -> list[str]:
    lines = ["## Verdicts"]
    for group in pairs(results):
        lines += ["", f"**{pair_title(results, group[0])}**. {group[0].differs}", ""]
        lines += [f"- `{c.scenario}`: {sentence(results, c)}" for c in group]
    if results.comparisons:
        rows = tables.comparison_rows(results)
        lines += ["", markdown_table(tables.COMPARISON_HEADERS, rows, tables.COMPARISON_ALIGN)]
    return lines


def cells(results: Results) -> list[str]:
    align = tables.cell_align(results)
    return [
        "## Requests per second",
        "",
        f"Median (min–max) of the trials. Flags: {legend(results)}.",
        "",
        markdown_table(*tables.cell_table(results), align),
        "",
        "## Latency (ms, median of trials: p50 / p99) and server CPU per request",
        "",
        markdown_table(*tables.cell_table(results, tables.latency_text), align),
    ]


def floor(results: Results) -> list[str]:
    if not results.floor_shares:
        return []
    table = markdown_table(tables.FLOOR_HEADERS, tables.floor_rows(results))
    return ["## Implementation as a share of its floor (Locust)", "", table]


def variants(results: Results) -> list[str]:
    if not results.variant_shares:
        return []
    table = markdown_table(tables.VARIANT_HEADERS, tables.variant_rows(results), tables.VARIANT_ALIGN)
    return [f"## {tables.VARIANT_TITLE}", "", tables.VARIANT_NOTE, "", table]


def servers(results: Results) -> list[str]:
    lines = ["## Servers", ""]
    for name, record in results.servers.items():
        startup = ", ".join(f"{t} {s:.2f} s" for t, s in record.startup_seconds.items())
        command = " ".join(record.command.get("implementation", record.config.command))
        lines.append(
            f"- **{name}** ({record.config.notes}; {record.config.workers} worker(s), threads/threadpool "
            f"{record.threadpool_limit}, DB pool {record.db_pool_size}; start-up {startup}): `{command}`"
        )
    return [*lines, "", "Packages: " + ", ".join(f"{k} {v}" for k, v in results.packages.items())]


def notes_on_the_run(results: Results) -> list[str]:
    return ["## Notes", "", *(f"- {note}" for note in notes(results))]


def summary(results: Results) -> str:
    sections = [heading, verdicts, variants, cells, floor, notes_on_the_run, servers]
    return "\n\n".join("\n".join(lines) for section in sections if (lines := section(results))) + "\n"
