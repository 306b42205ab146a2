"""The scenario registry (loadtests/config/scenarios.py) names only things that exist."""

from __future__ import annotations

import ast

from loadtests.config.scenarios import LOCUSTFILE, SCENARIOS
from loadtests.gate.verify import FLOOR_CHECKS, IMPLEMENTATION_CHECKS


def test_every_scenario_is_played_by_a_user_class_of_the_locustfile() -> None:
    # Read, not imported: importing the locustfile monkey-patches this process with gevent.
    classes = {node.name for node in ast.parse(LOCUSTFILE.read_text()).body if isinstance(node, ast.ClassDef)}
    missing = {s.name: s.locust_user for s in SCENARIOS.values() if s.locust_user not in classes}
    assert not missing


def test_every_scenario_names_gate_checks_that_exist() -> None:
    checks = {name for name, _ in IMPLEMENTATION_CHECKS} | {name for name, _ in FLOOR_CHECKS}
    for scenario in SCENARIOS.values():
        assert scenario.gate, f"{scenario.name} names no verification check"
        assert set(scenario.gate) <= checks, f"{scenario.name}: {set(scenario.gate) - checks}"


def test_a_floor_twin_is_a_scenario_of_its_own() -> None:
    for scenario in SCENARIOS.values():
        assert scenario.floor is None or scenario.floor in SCENARIOS
