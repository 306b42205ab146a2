"""`make bench-crosscheck`: the same endpoint, the same server, two load generators.

wrk (C, event loop) and Locust (Python, gevent) each hit one endpoint of one pinned server
for the same time with the same number of connections. If Locust reports much less than wrk,
Locust's numbers for that endpoint measure Locust; the ratio says how much.

With `--floor`, wrk also measures the framework's floor app on the same server: the share of
the floor that our implementation reaches, where Locust is the limit for both (`health` on a
fast server is flagged generator-bound by `make bench`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from loadtests import bench
from loadtests.seed import SeedSpec

PATHS = {"health": "/health", "product_by_id": "/v1/products/{id}"}
FLOOR_PATHS = {"health": "/hello", "product_by_id": "/products/{id}"}
# wrk picks a random product id per request, as the Locust scenario does.
RANDOM_PRODUCT_LUA = """
request = function()
  return wrk.format("GET", "{prefix}" .. math.random(1, {products}))
end
"""


def run_wrk(base_url: str, path: str, seconds: int, connections: int, cpus: str, workdir: Path) -> float:
    command = ["taskset", "-c", cpus, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    if "{id}" in path:
        script = workdir / "random_id.lua"
        script.write_text(
            RANDOM_PRODUCT_LUA.replace("{prefix}", path.removesuffix("{id}")).replace(
                "{products}", str(SeedSpec().products)
            )
        )
        command += ["-s", str(script), base_url]  # the script picks the path
    else:
        command.append(base_url + path)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not match:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    return float(match[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", default="fastapi-uvicorn", help="a server of loadtests/servers.toml")
    parser.add_argument("--scenario", choices=sorted(PATHS), default="health")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32, help="wrk connections = Locust users")
    parser.add_argument("--out", default="results/crosscheck")
    parser.add_argument("--floor", action="store_true", help="also wrk the floor app: our share of it")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (make bench-crosscheck installs it with apt-get)", file=sys.stderr)
        return 2

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    spec = SeedSpec()
    runner = bench.Runner(
        bench.parse_args(["--servers", args.server, "--users", str(args.connections), "--out", str(out)])
    )
    config = runner.servers[0]
    generator_cpus = ",".join(map(str, runner.generator_cpus))
    with ExitStack() as stack:
        databases = bench.SeededDatabases("sqlite", out / "databases", spec, stack)
        database_url = stack.enter_context(databases.copy("crosscheck"))
        server, base_url, _ = stack.enter_context(runner.serve(config, "implementation", database_url))
        fixture = out / "fixture.json"
        bench.build_fixture(base_url, spec, fixture)
        wrk_rps = run_wrk(base_url, PATHS[args.scenario], args.seconds, args.connections, generator_cpus, out)
        bench.wait_idle(server.process.pid)
        trial, _ = runner.locust(base_url, args.scenario, args.seconds, fixture, out / "locust", server)
        server.stop()
        floor_rps = None
        if args.floor:
            _, floor_url, _ = stack.enter_context(runner.serve(config, "floor", database_url))
            floor_path = FLOOR_PATHS[args.scenario]
            floor_rps = run_wrk(floor_url, floor_path, args.seconds, args.connections, generator_cpus, out)
    assert trial is not None
    shutil.rmtree(out / "databases", ignore_errors=True)
    print(
        f"server {config.name}, GET {PATHS[args.scenario]}, "
        f"{args.connections} connections, {args.seconds} s each"
    )
    print(f"  wrk:    {wrk_rps:8.0f} req/s")
    print(f"  Locust: {trial.rps:8.0f} req/s  (Locust CPU peak {trial.generator_cpu_peak:.0f}%)")
    print(
        f"  wrk ÷ Locust = {wrk_rps / trial.rps:.2f}: above 1, part of Locust's number is Locust's own limit"
    )
    if floor_rps is not None:
        print(f"  wrk on the floor app's GET {FLOOR_PATHS[args.scenario]}: {floor_rps:8.0f} req/s")
        print(f"  implementation ÷ floor (wrk) = {100 * wrk_rps / floor_rps:.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
