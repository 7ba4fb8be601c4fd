"""Answers decode the same with orjson as with the standard library, including where orjson refuses."""

from __future__ import annotations

import json

import pytest

from plantpredict_auth._decode import loads

BODIES = [
    b'{"id": 12, "name": "Daggett", "latitude": 34.85, "tags": [1, 2.5, null, true]}',
    b'{"energy": NaN, "peak": Infinity}',  # the standard library's extension; orjson refuses it
    '{"name": "Gr\u00fcn"}'.encode(),
    b"\xef\xbb\xbf" + b'{"bom": 1}',  # a UTF-8 byte order mark (json refuses it too)
]


@pytest.mark.parametrize("body", BODIES)
def test_an_answer_decodes_as_the_standard_library_decodes_it(body: bytes) -> None:
    try:
        expected = json.loads(body)
    except ValueError:
        with pytest.raises(ValueError, match=r"BOM|Expecting|Unexpected"):
            loads(body, "application/json; charset=utf-8")
        return
    decoded = loads(body, "application/json; charset=utf-8")
    assert json.dumps(decoded, sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_a_body_in_another_charset_is_left_to_the_standard_library() -> None:
    body = '{"name": "Gr\u00fcn"}'.encode("utf-16")
    assert loads(body, "application/json; charset=utf-16") == {"name": "Gr\u00fcn"}


def test_text_that_is_not_json_raises_a_value_error() -> None:
    with pytest.raises(ValueError, match="Expecting value"):
        loads(b"An error has occurred.", "application/json")


def test_an_integer_beyond_64_bits_becomes_a_float_as_documented() -> None:
    """orjson's one silent difference: PlantPredict's integers are 32-bit ids and counts."""
    assert loads(b'{"big": 123456789012345678901234567890}') == {"big": 1.2345678901234568e29}
