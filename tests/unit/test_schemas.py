"""What the OpenAPI documents say a field accepts is what validation accepts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from core.schemas import ProductName, UserName

# Whitespace that trimming drops, whitespace it keeps (U+001C, U+200B, U+FEFF), NUL, and letters.
CHARACTERS = [" ", "\t", "\n", "\x0b", "\x1c", "\x85", "\xa0", "\u2000", "\u200b", "\u3000", "\ufeff", "\x00"]
CHARACTERS += ["a", "é"]


@pytest.mark.parametrize("name_type", [UserName, ProductName])
@given(text=st.text(st.sampled_from(CHARACTERS), max_size=210))
def test_documented_name_pattern_accepts_exactly_the_valid_names(name_type: Any, text: str) -> None:
    adapter: TypeAdapter[str] = TypeAdapter(name_type)
    documented = re.search(adapter.json_schema()["pattern"], text) is not None
    try:
        adapter.validate_python(text)
    except ValidationError:
        assert not documented, repr(text)
    else:
        assert documented, repr(text)
