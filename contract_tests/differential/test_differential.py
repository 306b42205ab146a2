"""Differential testing: random sequences of requests, valid and invalid, sent to every front
end (Flask, FastAPI, async FastAPI) from identical fresh databases. After each step every answer
must agree with Flask's in everything but what the contract's opening paragraph lets differ
(generated values, messages, HEAD/OPTIONS in Allow).

DIFFERENTIAL_EXAMPLES sets how many sequences run (of DIFFERENTIAL_STEPS random steps each,
after a fixed preamble): by default 100 in-process on SQLite, and 10 in the other modes (live
servers, PostgreSQL), where each request costs more. `make test` runs three of the four modes
(in-process on SQLite through `make differential`, live on both databases through
`make contract`): 120 sequences in all. They are derandomized, so every run tries the same sequences, and
nothing is written to a Hypothesis database. A disagreement fails with the shortest failing
sequence found (Hypothesis shrinks it, then every step it does not need is dropped) as a script
that replays it against a server, and every front end's answer to its last step.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from contract_tests.differential.front_ends import FrontEnds
from contract_tests.differential.replay import Replayer
from contract_tests.differential.report import agree, observe, report, script
from contract_tests.differential.steps import PREAMBLE, Call, Step, steps

EXAMPLES = os.environ.get("DIFFERENTIAL_EXAMPLES")
STEPS = int(os.environ.get("DIFFERENTIAL_STEPS", "25"))


def send(step: Step, calls: list[Call], replayers: Sequence[Replayer]) -> list[httpx.Response]:
    """Send the next step to every replayer; the same cursor name means each one's own cursor."""
    call = step.call(len(calls) + 1, sorted(replayers[0].cursors))
    calls.append(call)
    return [replayer.call(call.number, call.method, call.path, **call.kwargs) for replayer in replayers]


class Disagreement(AssertionError):
    def __init__(self, calls: list[Call], responses: list[httpx.Response]) -> None:
        super().__init__(report(calls, responses))
        self.calls, self.responses = calls, responses


class FrontEndsAgree(RuleBasedStateMachine):
    # Set by the test: Hypothesis builds machines without arguments.
    front_ends: ClassVar[FrontEnds]

    def __init__(self) -> None:
        super().__init__()
        self.replayers = self.front_ends.fresh()
        self.calls: list[Call] = []

    # An initialize rule, not __init__: Hypothesis always runs a first step, and this makes the
    # preamble that step rather than a random one.
    @initialize()
    def preamble(self) -> None:
        for step in PREAMBLE:
            self.check(step)

    @rule(step=steps())
    def check(self, step: Step) -> None:
        responses = send(step, self.calls, self.replayers)
        if not agree(responses):
            raise Disagreement(self.calls, responses)


def examples(config: pytest.Config) -> int:
    if EXAMPLES is not None:
        return int(EXAMPLES)
    default_options = (config.getoption("mode"), config.getoption("database")) == ("inprocess", "sqlite")
    return 100 if default_options else 10


def test_every_front_end_agrees_with_flask_on_random_sequences(
    front_ends: FrontEnds, request: pytest.FixtureRequest
) -> None:
    FrontEndsAgree.front_ends = front_ends
    try:
        run_state_machine_as_test(
            FrontEndsAgree,
            settings=settings(
                max_examples=examples(request.config),
                stateful_step_count=STEPS,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
                # Not Phase.explain: it traces every line of a failing run again, for a hint.
                phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
            ),
        )
    except Disagreement as failure:
        calls, responses = without_needless_steps(failure, front_ends)
        raise AssertionError(report(renumbered(calls), responses)) from None


def without_needless_steps(
    failure: Disagreement, front_ends: FrontEnds
) -> tuple[list[Call], list[httpx.Response]]:
    """Drop each step (from the last) whose removal keeps the last one failing. Hypothesis
    shrinks the values within steps well, but seldom deletes a step of this machine."""
    calls, responses = failure.calls, failure.responses
    for index in reversed(range(len(calls) - 1)):
        candidate = calls[:index] + calls[index + 1 :]
        if (answers := last_answers_if_only_they_disagree(candidate, front_ends)) is not None:
            calls, responses = candidate, answers
    return calls, responses


def renumbered(calls: list[Call]) -> list[Call]:
    """The calls numbered 1, 2, ... again, their cursor references too."""
    numbers = {call.number: number for number, call in enumerate(calls, 1)}
    result = []
    for call in calls:
        kwargs = dict(call.kwargs)
        if "cursor" in kwargs:
            kwargs["cursor"] = numbers[kwargs["cursor"]]
        result.append(Call(numbers[call.number], call.method, call.path, kwargs))
    return result


def last_answers_if_only_they_disagree(
    calls: list[Call], front_ends: FrontEnds
) -> list[httpx.Response] | None:
    replayers = front_ends.fresh()
    for call in calls:
        try:
            responses = [r.call(call.number, call.method, call.path, **call.kwargs) for r in replayers]
        except KeyError:  # the call names the cursor of a dropped step
            return None
        if not agree(responses):
            return responses if call is calls[-1] else None
    return None


def test_the_replay_script_sends_what_the_test_sent(front_ends: FrontEnds) -> None:
    json_type = (("Content-Type", "application/json"),)
    sequence = [
        *PREAMBLE,
        Step("GET", "/v1/products", params=(("limit", "2"),)),
        Step("GET", "/v1/products", cursor_pick=0),
        Step("POST", "/v1/orders", actor="c1", headers=json_type, content=b"{"),
        Step("GET", "/v1/users/me", authorization="Bearer garbage"),
        Step("POST", "/v1/orders", actor="c1", headers=(("Idempotency-Key", "k" * 50),), json={"items": []}),
    ]
    calls: list[Call] = []
    replayer = front_ends.fresh()[0]
    sent = [observe(send(step, calls, [replayer])[0]) for step in sequence]
    namespace: dict[str, Any] = {}
    exec(script(calls), namespace)
    replayed = namespace["replay"](front_ends.fresh()[0].client)
    assert [observe(response) for response in replayed] == sent
    assert [seen["status"] for seen in sent[-5:]] == [200, 200, 400, 401, 422]


def test_a_failure_is_reported_with_only_the_steps_it_needs(
    front_ends: FrontEnds, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend that a 412 is a disagreement: If-Match "1" fails only once an order took stock.
    monkeypatch.setattr(f"{__name__}.agree", lambda responses: responses[0].status_code != 412)
    sequence = [
        *PREAMBLE,
        Step("GET", "/health"),
        Step("DELETE", "/v1/products/1", actor="admin", headers=(("If-Match", '"1"'),)),
    ]
    calls: list[Call] = []
    replayers = front_ends.fresh()
    responses = [send(step, calls, replayers) for step in sequence][-1]
    calls, responses = without_needless_steps(Disagreement(calls, responses), front_ends)
    assert [(call.number, call.method, call.path) for call in renumbered(calls)] == [
        (1, "POST", "/v1/auth/token"),  # the admin
        (2, "POST", "/v1/auth/register"),  # the customer
        (3, "POST", "/v1/auth/token"),
        (4, "POST", "/v1/products"),  # product 1
        (5, "POST", "/v1/products"),  # product 2, also in the order
        (6, "POST", "/v1/orders"),  # takes stock of product 1: version 2
        (7, "DELETE", "/v1/products/1"),
    ]
    assert responses[0].status_code == 412
