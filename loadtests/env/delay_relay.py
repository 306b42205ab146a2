"""A TCP relay that holds back every chunk for a fixed delay in each direction.

It exists because this kernel has no netem (CONFIG_NET_SCH_NETEM is not set), so `tc qdisc … netem delay`
cannot put a database a chosen round trip away: `loadtests.env.dbnet` runs this relay in front of PostgreSQL
instead. A chunk is forwarded no earlier than the time it was read plus the delay, in order; the delays are
pipelined (a queue per direction and a writer that waits until each chunk is due), so they add latency
without capping throughput.

    python -m loadtests.env.delay_relay --listen 10.231.0.2:6432 --target 127.0.0.1:5432 --delay-ms 2.5
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import heapq
import itertools
import signal
import time
from argparse import RawDescriptionHelpFormatter
from asyncio import StreamReader, StreamWriter
from collections.abc import Callable

CHUNK_BYTES = 65536
# Chunks in flight per direction before the relay stops reading (and TCP pushes back on the sender).
QUEUED_CHUNKS = 4096

Address = tuple[str, int]
Queue = asyncio.Queue[tuple[float, bytes]]


class Alarm:
    """Wakes each waiter at its deadline. Not asyncio.sleep: the event loop's timers count whole milliseconds
    (libuv's, epoll's), adding up to 1 ms each way (measured: 2.2 ms round trips for 0.5 ms each way); a
    SIGALRM from setitimer(), set for the earliest deadline, comes within about 0.1 ms."""

    def __init__(self) -> None:
        self.waiting: list[tuple[float, int, asyncio.Future[None]]] = []  # a heap, by deadline
        self.order = itertools.count()
        asyncio.get_running_loop().add_signal_handler(signal.SIGALRM, self.ring)

    async def wait_until(self, deadline: float) -> None:
        entry = (deadline, next(self.order), asyncio.get_running_loop().create_future())
        heapq.heappush(self.waiting, entry)
        if self.waiting[0] is entry:
            self.set()
        await entry[2]

    def set(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, max(self.waiting[0][0] - time.monotonic(), 1e-6))

    def ring(self) -> None:
        now = time.monotonic()
        while self.waiting and self.waiting[0][0] <= now:
            future = heapq.heappop(self.waiting)[2]
            if not future.done():  # not if its connection has gone
                future.set_result(None)
        if self.waiting:
            self.set()


async def receive(reader: StreamReader, queue: Queue, delay: float) -> None:
    while chunk := await reader.read(CHUNK_BYTES):
        await queue.put((time.monotonic() + delay, chunk))
    await queue.put((time.monotonic() + delay, b""))  # EOF keeps its place in line, and its delay


async def deliver(queue: Queue, writer: StreamWriter, alarm: Alarm) -> None:
    while True:
        deadline, chunk = await queue.get()
        if deadline > time.monotonic():
            await alarm.wait_until(deadline)
        if not chunk:
            if writer.can_write_eof():
                writer.write_eof()  # half-close: the other direction may still be talking
            return
        writer.write(chunk)
        await writer.drain()


async def relay(
    target: Address, delay: float, alarm: Alarm, client_reader: StreamReader, client_writer: StreamWriter
) -> None:
    upstream_writer: StreamWriter | None = None
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        async with asyncio.TaskGroup() as group:
            for reader, writer in ((client_reader, upstream_writer), (upstream_reader, client_writer)):
                queue: Queue = asyncio.Queue(QUEUED_CHUNKS)
                group.create_task(receive(reader, queue, delay))
                group.create_task(deliver(queue, writer, alarm))
    # Refused, reset or broken on either side: the connection ends. Cancelled: the relay is stopping (and
    # Python 3.11's stream callback would log a cancelled connection as an error).
    except* (OSError, asyncio.CancelledError):
        pass
    finally:
        client_writer.close()
        if upstream_writer is not None:
            upstream_writer.close()


async def serve(listen: Address, target: Address, delay: float) -> None:
    alarm = Alarm()
    server = await asyncio.start_server(functools.partial(relay, target, delay, alarm), *listen)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()  # open connections are cancelled (and closed) as the event loop shuts down
    signal.setitimer(signal.ITIMER_REAL, 0)  # a SIGALRM once the loop has gone would kill the process


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def address(text: str) -> Address:
    host, _, port = text.rpartition(":")
    if not host:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=RawDescriptionHelpFormatter)
    parser.add_argument("--listen", type=address, required=True, metavar="HOST:PORT")
    parser.add_argument("--target", type=address, required=True, metavar="HOST:PORT")
    parser.add_argument("--delay-ms", type=float, required=True, help="added in each direction")
    args = parser.parse_args()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(serve(args.listen, args.target, args.delay_ms / 1000))


if __name__ == "__main__":
    main()
