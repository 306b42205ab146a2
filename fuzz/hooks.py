"""Schemathesis hooks, loaded through schemathesis.toml. Each one narrows what is generated for a
reason docs/testing.md gives (section "API fuzzing"); none of them changes what a check accepts."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from schemathesis import Case, HookContext


@schemathesis.hook
def filter_case(context: HookContext, case: Case[Any]) -> bool:
    """Never lock the fuzzer out: no deactivating or demoting the admin whose token it uses."""
    if case.operation.path != "/v1/users/{user_id}" or case.path_parameters is None:
        return True
    if str(case.path_parameters.get("user_id")) != os.environ["FUZZ_ADMIN_ID"]:
        return True
    method = case.method.upper()
    demotes = method == "PATCH" and isinstance(case.body, dict) and case.body.get("role") == "customer"
    return method != "DELETE" and not demotes


@schemathesis.hook
def map_case(context: HookContext, case: Case[Any]) -> Case[Any]:
    """Spell whole numbers as JSON integers (`5`, not `5.0`): JSON Schema 2020-12 counts `5.0` as
    an integer, but the contract's integer fields take JSON integers only."""
    if isinstance(case.body, dict | list):
        case.body = _integers_as_ints(case.body)
    return case


def _integers_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integers_as_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integers_as_ints(item) for item in value]
    return value
