"""Path ids: positive integers in canonical form, at most 2^63-1 (a signed 64-bit key).

Every front end routes with ID_PATTERN, so `/v1/orders/007` or an id past 2^63-1 never matches a
route and is a 404 before authentication, as the contract's precedence requires.
"""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1


def _not_above(bound: str) -> str:
    """A regex for canonical decimal numbers with exactly len(bound) digits that are <= bound."""
    alternatives = []
    for position, digit in enumerate(bound):
        prefix, rest = bound[:position], len(bound) - position - 1
        low = "1" if position == 0 else "0"
        if int(digit) > int(low):
            smaller = f"[{low}-{int(digit) - 1}]"
            alternatives.append(prefix + smaller + (f"[0-9]{{{rest}}}" if rest else ""))
    alternatives.append(bound)
    return "|".join(alternatives)


_DIGITS = len(str(MAX_ID))
ID_PATTERN = f"(?:[1-9][0-9]{{0,{_DIGITS - 2}}}|{_not_above(str(MAX_ID))})"
_CANONICAL_ID = re.compile(ID_PATTERN)


def is_canonical_id(text: str) -> bool:
    """Whether `text` is an id as this API writes it: "12", never "012" or full-width digits
    (both of which int() accepts)."""
    return _CANONICAL_ID.fullmatch(text) is not None
