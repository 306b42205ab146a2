"""Framework-free HTTP rules: ids, cursors, bodies, entity tags, request ids, error answers."""

from __future__ import annotations

import json
import logging
import re

import pytest

from core.errors import (
    DomainError,
    InvalidInput,
    MalformedJson,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from core.http.body import parse_json_body
from core.http.conditional import if_none_match_hits, parse_if_match
from core.http.context import request_id
from core.http.errors import PROTOCOL_ERRORS, answer, protocol_error
from core.ids import ID_PATTERN, MAX_ID
from core.pagination import decode_cursor, encode_cursor

ID = re.compile(ID_PATTERN)


@pytest.mark.parametrize("text", ["1", "9", "10", "4096", str(MAX_ID), str(MAX_ID - 1), "999999999999999999"])
def test_id_pattern_accepts_canonical_ids_up_to_the_64_bit_limit(text: str) -> None:
    assert ID.fullmatch(text)


@pytest.mark.parametrize(
    "text", ["0", "007", "-1", "1.0", "abc", "", str(MAX_ID + 1), "9223372036854775810", "1" * 20]
)
def test_id_pattern_rejects_everything_else(text: str) -> None:
    assert not ID.fullmatch(text)


def test_cursor_round_trips_the_last_id() -> None:
    assert decode_cursor(encode_cursor(42)) == 42
    assert decode_cursor(None) is None


@pytest.mark.parametrize("cursor", ["", "x", "!!!", encode_cursor(42) + "A", "YWZ0ZXI6MA", "a" * 100])
def test_bad_cursors_are_a_validation_error_naming_cursor(cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(cursor)
    assert caught.value.details == [{"field": "cursor", "message": "not a cursor returned by this API"}]


def test_body_checks_run_in_the_contract_order() -> None:
    too_big = b"{" * 11
    with pytest.raises(PayloadTooLarge):
        parse_json_body("POST", "text/plain", too_big, max_bytes=10)
    with pytest.raises(UnsupportedMediaType):
        parse_json_body("POST", "text/plain", b"{x", max_bytes=10)
    with pytest.raises(UnsupportedMediaType):
        parse_json_body("POST", None, b"{}", max_bytes=10)
    with pytest.raises(MalformedJson):
        parse_json_body("POST", "application/json", b"{x", max_bytes=10)


def test_body_parsing_accepts_json_with_parameters_and_rejects_nan() -> None:
    assert parse_json_body("PUT", "application/json; charset=utf-8", b'{"a": 1}', 100) == {"a": 1}
    assert parse_json_body("POST", "application/json", b"[1]", 100) == [1]
    with pytest.raises(MalformedJson):
        parse_json_body("POST", "application/json", b'{"a": NaN}', 100)
    with pytest.raises(UnsupportedMediaType):
        parse_json_body("POST", "application/merge-patch+json", b"{}", 100)


def test_empty_body_is_malformed_only_where_a_body_is_required() -> None:
    assert parse_json_body("GET", None, b"", 100) is None
    assert parse_json_body("DELETE", None, b"", 100) is None
    with pytest.raises(MalformedJson):
        parse_json_body("PATCH", "application/json", b"", 100)


def test_if_match_is_parsed_for_the_services_and_compares_strongly() -> None:
    assert parse_if_match(None) is None  # no precondition
    for header in ('"3"', '"1", "3"', " * ", '"1","3"'):
        assert (parsed := parse_if_match(header)) is not None and parsed.allows('"3"'), header
    for header in ('W/"3"', '"4"', "", ","):
        assert (parsed := parse_if_match(header)) is not None and not parsed.allows('"3"'), header


def test_if_none_match_compares_weakly() -> None:
    assert not if_none_match_hits(None, '"3"')
    assert if_none_match_hits('W/"3"', '"3"')
    assert if_none_match_hits('"2", W/"3"', '"3"')
    assert if_none_match_hits("*", '"3"')
    assert not if_none_match_hits('"4"', '"3"')


def test_request_id_keeps_a_well_formed_caller_value_only() -> None:
    assert request_id("abc-123_X.y") == "abc-123_X.y"
    assert request_id("a" * 128) == "a" * 128
    for bad in (None, "", "a" * 129, "has space", "semi;colon"):
        generated = request_id(bad)
        assert generated != bad and re.fullmatch(r"[0-9a-f]{32}", generated)


def test_protocol_errors_map_to_the_contract_and_anything_else_is_a_logged_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    for status, error in PROTOCOL_ERRORS.items():
        assert protocol_error(status, method="GET", path="/x", request_id="r1").code == error.code
        assert error.status == status
    with caplog.at_level(logging.ERROR, logger="shop.error"):
        unexpected = protocol_error(418, method="GET", path="/x", request_id="r1")
    assert (unexpected.status, unexpected.code) == (500, "internal_error")
    (record,) = caplog.records
    assert json.loads(record.getMessage()) == {
        "event": "unexpected_status",
        "status": 418,
        "method": "GET",
        "path": "/x",
        "request_id": "r1",
    }


def test_error_answers_carry_the_contract_body_and_its_headers() -> None:
    unauthorized = answer(Unauthorized())
    assert unauthorized.status == 401 and unauthorized.headers == {"WWW-Authenticate": "Bearer"}
    assert json.loads(unauthorized.body) == {
        "error": "unauthorized",
        "message": "Missing or invalid access token",
    }
    assert answer(DomainError(), allow="GET, POST").headers == {"Allow": "GET, POST"}
    assert json.loads(answer(DomainError()).body) == {
        "error": "internal_error",
        "message": "Internal server error",
    }
