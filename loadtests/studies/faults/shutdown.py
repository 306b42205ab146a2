"""Graceful shutdown under keep-alive load: SIGTERM to the server, no request sent before it lost."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

import psutil

from loadtests.config.matrix import ServerConfig
from loadtests.env.sampling import tree
from loadtests.load.client import Load, Request, closed_loop
from loadtests.results.resilience import Shutdown
from loadtests.studies.faults.context import Context, address, product_read, serve

SHUTDOWN_CLIENTS = 16
SHUTDOWN_WARM_SECONDS = 3.0
SHUTDOWN_BOUND_SECONDS = 30.0  # gunicorn's graceful_timeout; a server still up after it is killed


def _wait_exit(pid: int, bound: float) -> tuple[float | None, int | None]:
    """Seconds until the child `pid` exits and its exit code; (None, None) past the bound."""
    started = time.monotonic()
    while time.monotonic() - started < bound:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return time.monotonic() - started, os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    return None, None


@dataclass
class Exit:
    """When SIGTERM was sent (time.monotonic), and how long the master took to exit, with what code."""

    signal_at: float
    seconds: float | None
    code: int | None


async def _drive(
    host: str, port: int, pid: int, reads: Callable[[random.Random], Request]
) -> tuple[Load, Exit]:
    """Keep-alive load; SIGTERM once it is warm; the load ends when the master has exited."""
    done = asyncio.Event()
    load = asyncio.ensure_future(closed_loop(host, port, SHUTDOWN_CLIENTS, reads, lambda: not done.is_set()))
    await asyncio.sleep(SHUTDOWN_WARM_SECONDS)
    signal_at = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    seconds, code = await asyncio.to_thread(_wait_exit, pid, SHUTDOWN_BOUND_SECONDS)
    done.set()
    return await load, Exit(signal_at, seconds, code)


def shutdown(ctx: Context, config: ServerConfig) -> Shutdown:
    """Steady keep-alive load, SIGTERM to the server's master: every request sent before the
    signal must get a complete answer."""
    with serve(ctx, config) as running:
        host, port = address(running)
        pid = running.endpoint.pid
        processes = tree([pid])
        load, exited = asyncio.run(_drive(host, port, pid, product_read(ctx.session.fixture.products)))
        leftovers = [p.pid for p in processes[1:] if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)  # workers the master left behind; nothing when it is gone
    return _judge(load, exited, leftovers, config)


def _judge(load: Load, exited: Exit, leftovers: list[int], config: ServerConfig) -> Shutdown:
    signal_at, exit_seconds = exited.signal_at, exited.seconds
    before = load.sent_before(signal_at)
    lost = [o for o in before if o.status is None]
    reasons = Counter(o.failure or "unknown" for o in lost)
    non_2xx = Counter(str(o.status) for o in before if o.status is not None and not 200 <= o.status < 300)
    notes = (
        [f"{len(leftovers)} worker process(es) still running after the master exited"] if leftovers else []
    )
    if exit_seconds is None:
        notes.append(f"still running {SHUTDOWN_BOUND_SECONDS:g} s after SIGTERM: killed")
    if lost and config.server == "gunicorn-sync":
        notes.append(
            "gunicorn's sync worker closes its listening socket and exits after its current request; "
            "connections already accepted by the kernel but not yet by a worker are reset "
            "(a sync worker keeps no connection open between requests)"
        )
    passed = not lost and not non_2xx and exit_seconds is not None
    return Shutdown(
        passed=passed,
        cell=f"{len(lost)} lost of {len(before)}"
        + (f" ({', '.join(f'{n} {r}' for r, n in reasons.items())})" if lost else "")
        + (f", exit {exit_seconds:.1f} s" if exit_seconds is not None else ", no exit"),
        bound="0 requests sent before SIGTERM without a complete 2xx answer; "
        f"exit within {SHUTDOWN_BOUND_SECONDS:g} s",
        notes=notes,
        clients=SHUTDOWN_CLIENTS,
        sent_before_signal=len(before),
        lost=len(lost),
        lost_by_reason=dict(reasons),
        non_2xx_before_signal=dict(non_2xx),
        answered_after_signal=sum(1 for o in before if o.status is not None and o.ended >= signal_at),
        exit_seconds=round(exit_seconds, 2) if exit_seconds is not None else None,
        exit_code=exited.code,
    )
