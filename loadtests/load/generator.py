"""The load generator: Locust, run as a library in long-lived processes pinned to the generator
CPUs, one command per trial.

Starting Locust costs about a second of imports per run; a persistent process pays it once per
benchmark, so short interleaved trials are affordable. Each process runs its share of the users
and answers with a `LoadResult`: per server of the command's rotation (one, or several taking
turns: see throughput.py), success and failure counts per tick, the latency histogram of its
counted ticks and one per second, and the errors seen.
With several processes, their timelines are merged and the window is the part all of them
measured.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pydantic import BaseModel, Field

from devtools.servers import REPO_ROOT
from loadtests.load.throughput import Rotation


class LoadCommand(BaseModel):
    hosts: list[str] = Field(min_length=1, description="the servers, in the rotation's order")
    user_class: str
    users: int
    settle_seconds: float
    rotation: Rotation  # the window: whole cycles from the first boundary after the settle
    # After the window, before the users stop: the window never includes the stop.
    tail_seconds: float = 0.1


class SideLoad(BaseModel):
    """What one server of the rotation answered: responses by the tick they completed in, and
    spread over the ticks they were in flight (throughput.spread)."""

    successes: dict[int, int]  # tick -> count
    work: dict[int, float] = {}  # tick -> responses, each spread over the ticks it was in flight
    failures: dict[int, int]
    latency_window: str  # HdrHistogram (microseconds), encoded, of the successes counted for it
    latency_per_second: dict[int, str]  # epoch second -> encoded histogram
    errors: dict[str, int]


class LoadResult(BaseModel):
    started_at: float
    spawned_at: float
    window_start: float
    window_end: float
    sides: list[SideLoad]


class Generator:
    """`processes` Locust processes pinned to `cpus`, each playing users ÷ processes users."""

    def __init__(self, cpus: list[int], processes: int, fixture_path: Path, log_path: Path) -> None:
        self.cpus = cpus
        self._log = open(log_path, "ab")  # noqa: SIM115 (closed in close)
        command = [
            "taskset", "-c", ",".join(map(str, cpus)),
            sys.executable, "-m", "loadtests.load.generator_worker",
            str(fixture_path),
        ]  # fmt: skip
        self._processes = [
            subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._log,
                text=True,
            )
            for _ in range(processes)
        ]

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self._processes]

    def run(self, command: LoadCommand) -> list[LoadResult]:
        shares = [
            command.users // len(self._processes) + (i < command.users % len(self._processes))
            for i in range(len(self._processes))
        ]
        busy = [(p, share) for p, share in zip(self._processes, shares, strict=True) if share]
        for process, share in busy:
            assert process.stdin is not None
            process.stdin.write(command.model_copy(update={"users": share}).model_dump_json() + "\n")
            process.stdin.flush()
        return [self._answer(process) for process, _ in busy]

    @staticmethod
    def _answer(process: subprocess.Popen[str]) -> LoadResult:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the load generator exited ({process.wait()}); see its log")
        return LoadResult.model_validate_json(line)

    def close(self) -> None:
        for process in self._processes:
            if process.stdin:
                process.stdin.close()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self._log.close()

    def __enter__(self) -> Generator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
