"""The resilience harness's own parts, without app servers: the closed-loop client's outcome per
request (answer, EOF, reset, timeout, refused), and the report files."""

from __future__ import annotations

import asyncio
import io
import socket
import struct
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from devtools.servers import free_port
from loadtests.env.sampling import machine
from loadtests.load.client import Outcome, Request, one
from loadtests.render import html
from loadtests.render import resilience as render
from loadtests.results.resilience import ResilienceResults, ServerResilience, Shutdown
from loadtests.studies import report
from tests.bench import factories

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
GET = Request("GET", "/v1/products/1", "product")


def exchange(handler: Handler, timeout: float = 5.0) -> Outcome:
    async def run() -> Outcome:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await one("127.0.0.1", port, GET, timeout)

    return asyncio.run(run())


async def answer_503(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    body = b'{"error": "service_unavailable", "message": "Service unavailable"}'
    head = f"HTTP/1.1 503 Service Unavailable\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    writer.write(head + body)
    await writer.drain()


async def close_after_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


async def reset_after_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST
    writer.transport.abort()


async def never_answer(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    await asyncio.sleep(10)


def test_a_complete_answer_records_status_and_the_contract_error_code() -> None:
    outcome = exchange(answer_503)
    assert (outcome.status, outcome.error_code, outcome.failure) == (503, "service_unavailable", None)
    assert outcome.sent is not None and outcome.started <= outcome.sent <= outcome.ended


@pytest.mark.parametrize(
    ("handler", "failure"),
    [(close_after_request, "eof"), (reset_after_request, "reset"), (never_answer, "timeout")],
)
def test_a_request_sent_but_not_answered_is_classified(handler: Handler, failure: str) -> None:
    outcome = exchange(handler, timeout=0.5)
    assert outcome.status is None and outcome.failure == failure
    assert outcome.sent is not None, "the request was sent"


def test_a_refused_connection_is_never_sent() -> None:
    outcome = asyncio.run(one("127.0.0.1", free_port(), GET, 1.0))
    assert outcome.failure == "refused" and outcome.sent is None


def test_the_report_has_a_row_per_server_and_a_column_per_fault(tmp_path: Path) -> None:
    shutdown = Shutdown(
        passed=False, cell="3 lost of 10 (3 reset)", bound="0 lost", clients=4, sent_before_signal=10,
        lost=3, lost_by_reason={"reset": 3}, non_2xx_before_signal={}, answered_after_signal=1,
        exit_seconds=0.5, exit_code=0, load_average_1m=1.5,
    )  # fmt: skip
    now = datetime.now(UTC)
    results = ResilienceResults(
        kind="resilience", started_at=now, finished_at=now, profile="quick", faults=["shutdown", "outage"],
        machine=machine([0], [1]), k6=None, slo_p99_ms=100,
        servers=[
            ServerResilience(server="a", label="A", front_end="flask", shutdown=shutdown),
            ServerResilience(server="b", label="B", front_end="fastapi", errors={"outage": "no cluster"}),
        ],
    )  # fmt: skip
    render.write(results, tmp_path, Console(file=io.StringIO()))
    summary = (tmp_path / "resilience.md").read_text()
    assert "| a | FAIL: 3 lost of 10 (3 reset) | – |" in summary
    assert "| b | – | not run: no cluster |" in summary
    page = (tmp_path / "resilience.html").read_text()
    assert "<h2>Resilience</h2>" in page and 'src="http' not in page
    assert ResilienceResults.model_validate_json((tmp_path / "resilience.json").read_text()) == results

    # In a make bench run's folder, the run's report.html gains the same section.
    assert "<h2>Resilience</h2>" not in html.report(
        factories.results([factories.cell("flask-granian-wsgi", "health", [1000.0, 1010.0, 990.0])])
    )
    report.write_reports(
        factories.results([factories.cell("flask-granian-wsgi", "health", [1000.0, 1010.0, 990.0])]),
        tmp_path,
        Console(file=io.StringIO()),
    )
    bench_page = (tmp_path / "report.html").read_text()
    assert "<h2>Resilience</h2>" in bench_page and "FAIL: 3 lost of 10 (3 reset)" in bench_page
