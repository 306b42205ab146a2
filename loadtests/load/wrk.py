"""wrk, the second load generator (C, one event loop per thread), for the same scenarios.

Each scenario the cross-check supports is a Lua script that asks what the Locust user asks
(random product ids, random customers' tokens or credentials from the fixture). Successful
throughput is (requests − non-2xx/3xx) ÷ duration; socket errors are reported apart. The timeout
is 30 s, not wrk's 2 s: a queue of slow logins is the server's answer, not an error.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from pydantic import BaseModel

from loadtests.config.scenarios import SCENARIOS
from loadtests.env.fixture import Fixture

SCRIPTS = {name: scenario.wrk for name, scenario in SCENARIOS.items() if scenario.wrk}


class WrkRun(BaseModel):
    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int

    @property
    def rps(self) -> float:
        """Successful responses per second."""
        return (self.requests - self.non_2xx) / self.seconds


def lua_list(values: list[str]) -> str:
    return "{" + ", ".join(json.dumps(v) for v in values) + "}"


def script(scenario: str, fixture: Fixture, path: Path) -> Path:
    preamble = (
        f"math.randomseed(os.time())\nPRODUCTS = {fixture.products}\nTOKENS = {lua_list(fixture.tokens)}\n"
        f"EMAILS = {lua_list(fixture.emails[:200])}\nPASSWORD = {json.dumps(fixture.password)}\n"
    )
    path.write_text(preamble + SCRIPTS[scenario] + "\n")
    return path


def parse(output: str) -> WrkRun:
    totals = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output)
    if not totals:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    seconds = float(totals[2]) * {"ms": 0.001, "s": 1.0, "m": 60.0}[totals[3]]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkRun(
        requests=int(totals[1]),
        seconds=seconds,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def run(base_url: str, script_path: Path, seconds: float, connections: int, cpus: list[int]) -> WrkRun:
    command = [
        "taskset", "-c", ",".join(map(str, cpus)), "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s",
        "--timeout", "30s", "-s", str(script_path), base_url,
    ]  # fmt: skip
    return parse(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
