"""Turn results.json into summary.md and a self-contained report.html (charts embedded as PNG)."""

from __future__ import annotations

import base64
import html
import io
import json
import sys
from pathlib import Path
from typing import Any

FLOOR_TARGETS = {"health": ("floor_hello", 0.85), "product_by_id": ("floor_product_by_id", 0.80)}
FLAG_LETTERS = {"generator-bound": "G", "not saturated": "U", "errors": "E"}


def percent(value: dict[str, Any] | None) -> str:
    if not value:
        return "–"
    return f"{value['percent']:.0f}% (target {value['target']:.0f}%: {value['verdict']})"


def cell_text(cell: dict[str, Any]) -> str:
    flags = "".join(FLAG_LETTERS[f] for f in cell["flags"])
    text = f"{cell['median_rps']:.0f} ({cell['min_rps']:.0f}–{cell['max_rps']:.0f})"
    return f"{text} {flags}" if flags else text


def _implementation_cells(cells: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["scenario"], c["server"]): c for c in cells if c["kind"] == "implementation"}


def ratios(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI ÷ Flask for every pair of servers, per scenario, with the range from the trials."""
    by_scenario: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for cell in cells:
        if cell["kind"] == "implementation":
            by_scenario.setdefault(cell["scenario"], {}).setdefault(cell["front_end"], []).append(cell)
    rows = []
    for scenario, front_ends in by_scenario.items():
        for fast in front_ends.get("fastapi", []):
            for flask in front_ends.get("flask", []):
                if not (fast["min_rps"] and flask["min_rps"]):
                    continue  # a cell without completed requests has no ratio
                rows.append(
                    {
                        "scenario": scenario,
                        "fastapi_server": fast["server"],
                        "flask_server": flask["server"],
                        "ratio": fast["median_rps"] / flask["median_rps"],
                        "low": fast["min_rps"] / flask["max_rps"],
                        "high": fast["max_rps"] / flask["min_rps"],
                        "flags": sorted(set(fast["flags"]) | set(flask["flags"])),
                    }
                )
    return rows


def best_ratios(rows: list[dict[str, Any]], cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per scenario, the best FastAPI server against the best Flask server."""
    medians = {(c["scenario"], c["server"]): c["median_rps"] for c in cells if c["kind"] == "implementation"}
    best: dict[str, tuple[tuple[float, float], dict[str, Any]]] = {}
    for row in rows:
        key = row["scenario"]
        score = (medians[(key, row["fastapi_server"])], medians[(key, row["flask_server"])])
        if key not in best or score >= best[key][0]:
            best[key] = (score, row)
    return [row for _, row in best.values()]


def floor_percentages(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_key = {(c["server"], c["kind"], c["scenario"]): c for c in cells}
    rows = []
    for server in dict.fromkeys(c["server"] for c in cells):
        row: dict[str, Any] = {"server": server}
        for scenario, (floor_scenario, target) in FLOOR_TARGETS.items():
            ours = by_key.get((server, "implementation", scenario))
            floor = by_key.get((server, "floor", floor_scenario))
            if ours and floor and floor["median_rps"]:
                share = ours["median_rps"] / floor["median_rps"]
                flags = sorted(set(ours["flags"]) | set(floor["flags"]))
                row[scenario] = {
                    "percent": 100 * share,
                    "target": 100 * target,
                    "verdict": floor_verdict(share >= target, flags),
                    "flags": flags,
                }
        if len(row) > 1:
            rows.append(row)
    return rows


def floor_verdict(met: bool, flags: list[str]) -> str:
    """A flagged cell measured the generator, an idle server or failures, not our code's cost."""
    if flags:
        return f"inconclusive: {', '.join(flags)}"
    return "met" if met else "MISSED"


# --- Markdown --------------------------------------------------------------------------------


def summary_markdown(results: dict[str, Any]) -> str:
    cells = results["cells"]
    servers = [name for name, server in results["servers"].items() if not server["refused"]]
    by_key = {(c["server"], c["kind"], c["scenario"]): c for c in cells}
    scenarios = list(dict.fromkeys((c["kind"], c["scenario"]) for c in cells))
    machine = results["machine"]
    lines = [
        f"# Benchmark summary ({results['started_at'][:19]}Z, profile `{results['profile']['name']}`)",
        "",
        f"{machine['cpu_model']}, {machine['logical_cpus']} CPUs; server pinned to CPUs {machine['server_cpus']}, "
        f"Locust to {machine['generator_cpus']}; Python {machine['python']}; database {results['database']}; "
        f"{results['profile']['trials']} trials × {results['profile']['trial_seconds']} s, "
        f"{results['profile']['users']} users, warm-up {results['profile']['warmup_seconds']} s.",
        "",
        "Requests per second, median (min–max) of the trials. Flags: **G** generator-bound (Locust CPU ≥ "
        f"{results['thresholds']['generator_bound_cpu']:.0f}%: the number is the generator's limit, not the "
        f"server's), **U** server not saturated (server CPU < {results['thresholds']['saturated_cpu']:.0f}% at peak), "
        "**E** errors.",
        "",
        "| scenario | " + " | ".join(servers) + " |",
        "|---|" + "---:|" * len(servers),
    ]
    for kind, scenario in scenarios:
        label = scenario if kind == "implementation" else f"{scenario} (floor)"
        row = [
            cell_text(by_key[(s, kind, scenario)]) if (s, kind, scenario) in by_key else "–" for s in servers
        ]
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    lines += [
        "",
        "## Latency (ms, median of trials: p50 / p90 / p99)",
        "",
        "| scenario | " + " | ".join(servers) + " |",
    ]
    lines.append("|---|" + "---:|" * len(servers))
    for kind, scenario in scenarios:
        label = scenario if kind == "implementation" else f"{scenario} (floor)"
        row = []
        for server in servers:
            cell = by_key.get((server, kind, scenario))
            row.append(f"{cell['p50_ms']:.0f} / {cell['p90_ms']:.0f} / {cell['p99_ms']:.0f}" if cell else "–")
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    if results["ratios"]:
        lines += [
            "",
            "## FastAPI ÷ Flask",
            "",
            "| scenario | FastAPI server | Flask server | ratio | range | flags |",
            "|---|---|---|---:|---:|---|",
        ]
        for r in results["ratios"]:
            lines.append(
                f"| {r['scenario']} | {r['fastapi_server']} | {r['flask_server']} | {r['ratio']:.2f} | "
                f"{r['low']:.2f}–{r['high']:.2f} | {', '.join(r['flags'])} |"
            )
    if results["floor"]:
        lines += [
            "",
            "## Implementation as % of its floor",
            "",
            "| server | health ÷ floor hello | product_by_id ÷ floor read-by-id |",
            "|---|---|---|",
        ]
        for row in results["floor"]:
            lines.append(
                f"| {row['server']} | {percent(row.get('health'))} | {percent(row.get('product_by_id'))} |"
            )
    refused = {name: s["refused"] for name, s in results["servers"].items() if s["refused"]}
    if refused:
        lines += ["", "## Refused (failed verification, no numbers)", ""]
        for name, failures in refused.items():
            lines.append(f"- **{name}**: " + "; ".join(failures))
    lines += ["", "## Servers", ""]
    for name, server in results["servers"].items():
        lines.append(
            f"- **{name}** ({server['front_end']}, workers: {server['workers']}): `{' '.join(server['command'])}`"
        )
    lines += ["", "Packages: " + ", ".join(f"{k} {v}" for k, v in results["packages"].items()), ""]
    return "\n".join(lines)


# --- HTML ------------------------------------------------------------------------------------


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    return f'<img alt="chart" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _charts(results: dict[str, Any], out: Path | None) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = results["cells"]
    servers = list(dict.fromkeys(c["server"] for c in cells))
    scenarios = list(dict.fromkeys((c["kind"], c["scenario"]) for c in cells))
    by_key = {(c["server"], c["kind"], c["scenario"]): c for c in cells}
    colors = {s: plt.get_cmap("tab10")(i) for i, s in enumerate(servers)}
    width = 0.8 / max(1, len(servers))
    charts = {}

    figure, axis = plt.subplots(figsize=(12, 4.5))
    for i, server in enumerate(servers):
        xs, ys, low, high = [], [], [], []
        for x, key in enumerate(scenarios):
            cell = by_key.get((server, *key))
            if cell:
                xs.append(x + i * width)
                ys.append(cell["median_rps"])
                low.append(cell["median_rps"] - cell["min_rps"])
                high.append(cell["max_rps"] - cell["median_rps"])
        axis.bar(xs, ys, width, yerr=[low, high], capsize=3, label=server, color=colors[server])
    axis.set_xticks([x + width * (len(servers) - 1) / 2 for x in range(len(scenarios))])
    axis.set_xticklabels([s if k == "implementation" else f"{s}\n(floor)" for k, s in scenarios], fontsize=8)
    axis.set_ylabel("requests / s (median, whiskers min–max)")
    axis.legend(fontsize=8)
    axis.grid(axis="y", alpha=0.3)
    charts["throughput"] = _png(figure)

    figure, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
    for axis, percentile in zip(axes, ("p50_ms", "p90_ms", "p99_ms"), strict=True):
        for i, server in enumerate(servers):
            xs = [x + i * width for x, key in enumerate(scenarios) if (server, *key) in by_key]
            ys = [by_key[(server, *key)][percentile] for key in scenarios if (server, *key) in by_key]
            axis.bar(xs, ys, width, label=server, color=colors[server])
        axis.set_title(percentile.replace("_ms", ""))
        axis.set_yscale("log")
        axis.set_xticks(range(len(scenarios)))
        axis.set_xticklabels([s for _, s in scenarios], rotation=60, fontsize=7, ha="right")
        axis.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("latency, ms (log)")
    axes[0].legend(fontsize=7)
    charts["latency"] = _png(figure)

    figure, axes = plt.subplots(1, 2, figsize=(14, 4))
    for i, server in enumerate(servers):
        xs = [x + i * width for x, key in enumerate(scenarios) if (server, *key) in by_key]
        axes[0].bar(
            xs,
            [by_key[(server, *k)]["server_cpu_peak"] for k in scenarios if (server, *k) in by_key],
            width,
            label=server,
            color=colors[server],
        )
        axes[1].bar(
            xs,
            [by_key[(server, *k)]["server_rss_mb_peak"] for k in scenarios if (server, *k) in by_key],
            width,
            label=server,
            color=colors[server],
        )
    axes[0].axhline(results["thresholds"]["saturated_cpu"], color="grey", linestyle="--", linewidth=1)
    axes[0].set_ylabel("server CPU % at peak (100 = the pinned cores)")
    axes[1].set_ylabel("server RSS, MiB (peak, all processes)")
    for axis in axes:
        axis.set_xticks(range(len(scenarios)))
        axis.set_xticklabels([s for _, s in scenarios], rotation=60, fontsize=7, ha="right")
        axis.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=7)
    charts["resources"] = _png(figure)

    if out is not None:
        implementation = [key for key in scenarios if key[0] == "implementation"]
        columns = 3
        rows = (len(implementation) + columns - 1) // columns
        figure, axes = plt.subplots(rows, columns, figsize=(14, 3.2 * rows), squeeze=False)
        for axis, key in zip(axes.flat, implementation, strict=False):
            for server in servers:
                cell = by_key.get((server, *key))
                if cell:
                    seconds, p50, p99 = latency_series(out, cell)
                    axis.plot(seconds, p50, label=f"{server} p50", color=colors[server], linewidth=1)
                    axis.plot(
                        seconds, p99, label=f"{server} p99", color=colors[server], linewidth=1, linestyle="--"
                    )
            axis.set_title(key[1], fontsize=9)
            axis.set_xlabel("seconds (trials back to back)", fontsize=7)
            axis.set_ylabel("ms", fontsize=7)
            axis.set_yscale("log")
            axis.grid(alpha=0.3)
        for axis in list(axes.flat)[len(implementation) :]:
            axis.axis("off")
        axes[0][0].legend(fontsize=7)
        figure.tight_layout()
        charts["over_time"] = _png(figure)
    return charts


def latency_series(out: Path, cell: dict[str, Any]) -> tuple[list[float], list[float], list[float]]:
    """Per-second p50 and p99 from the locustfile's timelines (one per Locust process), trials
    back to back."""
    seconds: list[float] = []
    p50: list[float] = []
    p99: list[float] = []
    offset = 0.0
    for trial in cell["trials"]:
        per_second: dict[int, dict[float, int]] = {}
        for path in out.glob(f"{trial['csv_prefix']}_timeline-*.json"):
            for second, histogram in json.loads(path.read_text()).items():
                merged = per_second.setdefault(int(second), {})
                for millis, count in histogram.items():
                    merged[float(millis)] = merged.get(float(millis), 0) + count
        if not per_second:
            continue
        start = min(per_second)
        for second in sorted(per_second):
            seconds.append(offset + second - start)
            p50.append(percentile(per_second[second], 0.50))
            p99.append(percentile(per_second[second], 0.99))
        offset = seconds[-1] + 1
    return seconds, p50, p99


def percentile(histogram: dict[float, int], fraction: float) -> float:
    """The smallest bucket that covers `fraction` of the requests (as Locust computes it)."""
    total = sum(histogram.values())
    seen = 0
    for millis in sorted(histogram):
        seen += histogram[millis]
        if seen >= fraction * total:
            return millis
    return 0.0


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_report(results: dict[str, Any], out: Path | None = None) -> str:
    no_data = "<p>No measurements.</p>"
    charts = (
        _charts(results, out)
        if results["cells"]
        else dict.fromkeys(("throughput", "latency", "resources"), no_data)
    )
    cells = results["cells"]
    servers = [name for name, server in results["servers"].items() if not server["refused"]]
    by_key = {(c["server"], c["kind"], c["scenario"]): c for c in cells}
    scenarios = list(dict.fromkeys((c["kind"], c["scenario"]) for c in cells))
    machine = results["machine"]
    esc = html.escape

    def flagged(cell: dict[str, Any] | None) -> str:
        if not cell:
            return "–"
        marks = "".join(f' <span class="flag">{esc(f)}</span>' for f in cell["flags"])
        return f"{cell['median_rps']:.0f} <small>({cell['min_rps']:.0f}–{cell['max_rps']:.0f})</small>{marks}"

    throughput_rows = [
        [
            esc(s if k == "implementation" else f"{s} (floor)"),
            *(flagged(by_key.get((srv, k, s))) for srv in servers),
        ]
        for k, s in scenarios
    ]
    ratio_rows = [
        [esc(r["scenario"]), esc(r["fastapi_server"]), esc(r["flask_server"]), f"<b>{r['ratio']:.2f}</b>",
         f"{r['low']:.2f}–{r['high']:.2f}", esc(", ".join(r["flags"]))]
        for r in results["ratios"]
    ]  # fmt: skip
    floor_rows = [
        [esc(r["server"]), esc(percent(r.get("health"))), esc(percent(r.get("product_by_id")))]
        for r in results["floor"]
    ]
    error_rows = [
        [
            esc(c["server"]),
            esc(c["scenario"]),
            str(c["failures"]),
            str(sum(t["requests"] for t in c["trials"])),
        ]
        for c in cells
        if c["failures"]
    ]
    server_rows = [
        [esc(name), esc(s["front_end"]), str(s["workers"]), str(s["threads"]), f"<code>{esc(' '.join(s['command']))}</code>",
         esc("; ".join(s["refused"])) if s["refused"] else "verified"]
        for name, s in results["servers"].items()
    ]  # fmt: skip
    trial_rows = [
        [esc(c["server"]), esc(c["kind"]), esc(c["scenario"]), str(i + 1), f"{t['rps']:.0f}", f"{t['p50_ms']:.0f}/{t['p90_ms']:.0f}/{t['p99_ms']:.0f}",
         f"{t['server_cpu_peak']:.0f}", f"{t['generator_cpu_peak']:.0f}", f"{t['server_rss_mb_peak']:.0f}", str(t["failures"])]
        for c in cells
        for i, t in enumerate(c["trials"])
    ]  # fmt: skip
    profile = results["profile"]
    locust_command: list[str] = next((c["locust_command"] for c in cells), [])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Flask vs FastAPI benchmark</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
code {{ font-size: 0.85em; }} img {{ max-width: 100%; }}
.flag {{ background: #fde2a8; border-radius: 3px; padding: 0 4px; font-size: 0.75em; }}
.note {{ background: #f4f6f8; padding: 0.6em 1em; border-left: 4px solid #789; }}
</style></head><body>
<h1>Flask vs FastAPI: the same shop API, side by side</h1>
<p class="note">Profile <b>{esc(profile["name"])}</b>: {profile["trials"]} trials × {profile["trial_seconds"]} s per cell after a
{profile["warmup_seconds"]} s warm-up, {profile["users"]} Locust users (FastHttpUser, no wait), database <b>{esc(results["database"])}</b>
seeded with {results["seed"]["users"]} users, {results["seed"]["products"]} products, {results["seed"]["orders"]} orders (seed {results["seed"]["seed"]}).
Absolute numbers are noisy; compare ratios within one run. <span class="flag">generator-bound</span> means Locust's CPU reached
{results["thresholds"]["generator_bound_cpu"]:.0f}% (the number is the load generator's limit, not the server's);
<span class="flag">not saturated</span> means the server's CPU stayed under {results["thresholds"]["saturated_cpu"]:.0f}% at peak.</p>
<h2>Throughput</h2>{charts["throughput"]}
{_table(["scenario", *servers], throughput_rows)}
<h2>FastAPI ÷ Flask</h2>
<p>Median req/s of the FastAPI server divided by the Flask server's; the range divides min by max and max by min.</p>
{_table(["scenario", "FastAPI server", "Flask server", "ratio", "range", "flags"], ratio_rows)}
<h2>Our code as a share of the framework's floor</h2>
<p>The floor apps (<code>loadtests/floor/</code>) do the least each framework can: a hello JSON route and a read by primary key
with plain SQLAlchemy. Targets: health ≥ 85% of hello, product_by_id ≥ 80% of read-by-id.</p>
{_table(["server", "health ÷ floor hello", "product_by_id ÷ floor read-by-id"], floor_rows)}
<h2>Latency</h2>{charts["latency"]}
{("<h2>Latency over time (p50 solid, p99 dashed, per second)</h2>" + charts["over_time"]) if "over_time" in charts else ""}
<h2>Server CPU and memory</h2>{charts["resources"]}
<h2>Errors</h2>
{_table(["server", "scenario", "failures", "requests"], error_rows) if error_rows else "<p>No failed requests.</p>"}
<h2>Every trial</h2>
{_table(["server", "kind", "scenario", "trial", "req/s", "p50/p90/p99 ms", "server CPU %", "Locust CPU %", "RSS MiB", "failures"], trial_rows)}
<h2>Machine and configuration</h2>
<p>{esc(machine["cpu_model"])}, {machine["logical_cpus"]} logical CPUs, {machine["memory_gib"]} GiB; {esc(machine["platform"])};
Python {esc(machine["python"])}. Server pinned to CPUs {machine["server_cpus"]}, Locust to {machine["generator_cpus"]}
({results["locust_workers"]} Locust process(es)).</p>
{_table(["server", "front end", "workers", "threads", "command", "verification"], server_rows)}
<p>Locust: <code>{esc(" ".join(locust_command))}</code></p>
<p>Packages: {esc(", ".join(f"{k} {v}" for k, v in results["packages"].items()))}</p>
<p><small>results.json schema v{results["schema_version"]}, {esc(results["started_at"])} – {esc(results["finished_at"])}</small></p>
</body></html>
"""


def main() -> None:
    """Rebuild summary.md and report.html from a results folder: `python -m loadtests.report DIR`."""
    out = Path(sys.argv[1])
    results = json.loads((out / "results.json").read_text())
    (out / "summary.md").write_text(summary_markdown(results))
    (out / "report.html").write_text(html_report(results, out))


if __name__ == "__main__":
    main()
