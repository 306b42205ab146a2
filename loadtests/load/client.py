"""A closed-loop HTTP/1.1 load with an outcome per request: when its bytes were sent, when (and
how) it ended. Each client keeps one keep-alive connection (h11 parses; asyncio streams carry),
and sends its next request when the last one ends.

Load generators summarise; the faults need to know which requests were sent before a signal and
which of those never got a complete answer, and why (reset, EOF, timeout).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import h11

# Why a request got no complete answer. "refused" and "unsent" requests were never sent.
Failure = Literal["reset", "eof", "timeout", "refused", "unsent"]
SENT_FAILURES = ("reset", "eof", "timeout")
RECONNECT_PAUSE = 0.05


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    label: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Outcome:
    label: str
    started: float  # time.monotonic() when the client began (connecting if it had to)
    sent: float | None  # when the request's bytes were written; None: never sent
    ended: float
    status: int | None = None  # None: no complete answer
    failure: Failure | None = None
    error_code: str | None = None  # the contract's "error" field of a 5xx answer

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class Load:
    """What a closed-loop run did, request by request."""

    outcomes: list[Outcome] = field(default_factory=list)

    def sent_before(self, moment: float) -> list[Outcome]:
        return [o for o in self.outcomes if o.sent is not None and o.sent < moment]

    def between(self, start: float, end: float) -> list[Outcome]:
        """Requests started in [start, end)."""
        return [o for o in self.outcomes if start <= o.started < end]


def request_bytes(request: Request, host: str) -> tuple[h11.Request, bytes]:
    headers = [("Host", host), *request.headers]
    if request.body:
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(request.body)))]
    return h11.Request(method=request.method, target=request.path, headers=headers), request.body


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.h11 = h11.Connection(h11.CLIENT)

    def close(self) -> None:
        self.writer.close()


async def _exchange(connection: _Connection, request: Request, host: str, outcome: Outcome) -> bool:
    """Send one request and read its answer into `outcome`; True if the connection can be reused."""
    head, body = request_bytes(request, host)
    data = connection.h11.send(head) or b""
    if body:
        data += connection.h11.send(h11.Data(data=body)) or b""
    data += connection.h11.send(h11.EndOfMessage()) or b""
    try:
        connection.writer.write(data)
        await connection.writer.drain()
    except (ConnectionError, OSError):
        outcome.failure = "unsent"
        return False
    outcome.sent = time.monotonic()
    status, chunks = None, []
    while True:
        event = connection.h11.next_event()
        if event is h11.NEED_DATA:
            try:
                received = await connection.reader.read(65536)
            except ConnectionResetError:
                outcome.failure = "reset"
                return False
            if not received:
                outcome.failure = "eof"
                return False
            connection.h11.receive_data(received)
        elif isinstance(event, h11.Response):
            status = event.status_code
        elif isinstance(event, h11.Data):
            chunks.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            outcome.status = status
            if status is not None and status >= 500:
                outcome.error_code = _error_code(b"".join(chunks))
            reusable = connection.h11.our_state is h11.DONE and connection.h11.their_state is h11.DONE
            if reusable:
                connection.h11.start_next_cycle()
            return reusable
        elif isinstance(event, h11.ConnectionClosed):
            outcome.failure = "eof"
            return False


def _error_code(body: bytes) -> str | None:
    """The contract's error code ({"error": code, "message": …}), or None if the body is not one."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    code = parsed.get("error") if isinstance(parsed, dict) else None
    return code if isinstance(code, str) and isinstance(parsed.get("message"), str) else None


async def _client(
    host: str,
    port: int,
    choose: Callable[[random.Random], Request],
    rng: random.Random,
    keep_going: Callable[[], bool],
    timeout: float,
    load: Load,
    pace: float | None,
) -> None:
    connection: _Connection | None = None
    next_start = time.monotonic()
    while keep_going():
        if pace:
            next_start += pace
            await asyncio.sleep(max(0.0, next_start - pace - time.monotonic()))
        request = choose(rng)
        outcome = Outcome(label=request.label, started=time.monotonic(), sent=None, ended=0.0)
        try:
            if connection is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
                connection = _Connection(reader, writer)
            reusable = await asyncio.wait_for(
                _exchange(connection, request, f"{host}:{port}", outcome), timeout
            )
        except TimeoutError:
            outcome.failure = "timeout"
            reusable = False
        except ConnectionRefusedError:
            outcome.failure = "refused"
            reusable = False
        except (ConnectionError, OSError, h11.ProtocolError):
            outcome.failure = "reset" if outcome.sent is not None else "unsent"
            reusable = False
        outcome.ended = time.monotonic()
        load.outcomes.append(outcome)
        if not reusable:
            if connection is not None:
                connection.close()
                connection = None
            if outcome.status is None:
                await asyncio.sleep(RECONNECT_PAUSE)
    if connection is not None:
        connection.close()


async def closed_loop(
    host: str,
    port: int,
    clients: int,
    choose: Callable[[random.Random], Request],
    keep_going: Callable[[], bool],
    timeout: float = 10.0,
    seed: int = 1,
    rate_per_client: float | None = None,
    load: Load | None = None,
) -> Load:
    """`clients` keep-alive clients, each sending `choose(rng)` while `keep_going()`: back to back,
    or at most `rate_per_client` a second (a request starts no earlier than its slot). Outcomes
    are added to `load` as they end (watch it while the run goes on)."""
    load = load if load is not None else Load()
    pace = 1 / rate_per_client if rate_per_client else None
    await asyncio.gather(
        *(
            _client(host, port, choose, random.Random(seed + n), keep_going, timeout, load, pace)
            for n in range(clients)
        )
    )
    return load


async def one(host: str, port: int, request: Request, timeout: float) -> Outcome:
    """A single request on a connection of its own."""
    load, calls = Load(), iter([True])
    await _client(
        host, port, lambda _: request, random.Random(0), lambda: next(calls, False), timeout, load, None
    )
    return load.outcomes[0]


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]
