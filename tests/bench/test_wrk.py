"""wrk's report, read."""

from __future__ import annotations

import pytest

from loadtests.load.wrk import parse

OUTPUT = """Running 5s test @ http://127.0.0.1:8000
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.51ms  300.00us   9.00ms   90.00%
  63210 requests in 5.00s, 12.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 210
Requests/sec:  12642.00
Transfer/sec:      2.40MB
"""


def test_successful_throughput_leaves_out_non_2xx_responses() -> None:
    run = parse(OUTPUT)

    assert (run.requests, run.non_2xx, run.socket_errors) == (63210, 210, 5)
    assert run.rps == pytest.approx(63000 / 5.0)


def test_a_clean_run_has_no_error_lines() -> None:
    run = parse("  1000 requests in 500.00ms, 1.00MB read\nRequests/sec: 2000.00\n")

    assert (run.seconds, run.non_2xx, run.socket_errors, run.rps) == (0.5, 0, 0, 2000.0)


def test_an_unreadable_report_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="unexpected wrk output"):
        parse("wrk: connection refused")
