"""Answers decode the same with orjson as with the standard library, including where orjson refuses,
and the same again in slices on the parse thread."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

import plantpredict_client.client as client_module
from bench._plants import result_summary, utility_plant, weather_detail
from plantpredict_auth import _decode
from plantpredict_auth._decode import SLICE, loads, loads_in_slices

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


# A decode in slices (the parse thread's way with a large body) gives json.loads's value, or fails
# where json.loads fails; loads then lets json.loads decide, as it does after orjson.

SLICED_BODIES = [
    json.dumps(utility_plant(blocks=3)).encode(),  # objects holding arrays of large objects
    json.dumps(utility_plant(blocks=3), separators=(",", ":")).encode(),  # as the simulator answers
    json.dumps(weather_detail(hours=200)).encode(),  # an array of small objects
    json.dumps(result_summary(20), indent=2).encode(),  # whitespace everywhere
    b' \n{ "a" : [ ] , "b" : { } , "c" : [ [ [ [ [ [ [ [ [ [ 1 ] ] ] ] ] ] ] ] ] ] , "d" : "\\u00fc\\"}" }\r\n',
    b'[{"energy": NaN, "peak": -Infinity, "big": 123456789012345678901234567890, "e": 1e400}]',
    b'{"k": 1, "k": 2}',  # the last wins, as in json.loads
    b'"just a string"',
    b"[]",
]


@pytest.mark.parametrize("body", SLICED_BODIES)
def test_a_decode_in_slices_gives_the_standard_librarys_value(body: bytes) -> None:
    expected = json.loads(body)
    decoded = loads_in_slices(body)
    assert json.dumps(decoded, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert type(decoded) is type(expected)


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b'{"a" 1}', b'{"a": 1,}', b"[1 2]", b"[1,]", b'{"a": 1} x', b"{1: 2}", b'{"a": "\x01"}', b"\xff"],
)
def test_a_decode_in_slices_refuses_what_the_standard_library_refuses(body: bytes) -> None:
    with pytest.raises(ValueError, match=r"Expecting|Extra data|Invalid|codec"):
        json.loads(body)
    with pytest.raises(ValueError, match=r"Expecting|Extra data|Invalid|codec"):
        loads_in_slices(body)


def test_a_decode_in_slices_hands_the_scanner_short_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of slicing: no single C call is given much more than ``SLICE`` characters, so the
    GIL changes hands between calls (counted in characters, not timed)."""
    body = json.dumps(utility_plant(blocks=8), separators=(",", ":")).encode()
    pieces: list[int] = []
    scan = _decode._scan

    def measured(text: str, at: int) -> tuple[object, int]:
        value, end = scan(text, at)
        pieces.append(end - at)
        return value, end

    monkeypatch.setattr(_decode, "_scan", measured)
    assert loads_in_slices(body) == json.loads(body)
    assert len(body) > 10 * SLICE
    assert max(pieces) <= 2 * SLICE


def test_the_parse_thread_decodes_a_large_body_in_slices_and_elsewhere_orjson(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sliced: list[int] = []
    original = _decode.loads_in_slices

    def spy(content: bytes) -> object:
        sliced.append(len(content))
        return original(content)

    monkeypatch.setattr(_decode, "loads_in_slices", spy)
    body = json.dumps(weather_detail(hours=40)).encode()
    monkeypatch.setattr(_decode, "SLICED_ABOVE", len(body) - 1)
    assert loads(body) == json.loads(body)  # this thread: orjson
    assert sliced == []
    with ThreadPoolExecutor(1, initializer=client_module._mark_parse_thread) as parse_thread:
        assert parse_thread.submit(loads, body).result() == json.loads(body)
        assert sliced == [len(body)]
        small = body[: body.index(b"}") + 1] + b"]"  # one row: at most SLICED_ABOVE
        assert parse_thread.submit(loads, small).result() == json.loads(small)
        assert sliced == [len(body)]
        bom = b"\xef\xbb\xbf" + body  # refused by the slices: json.loads decides, as after orjson
        assert parse_thread.submit(loads, bom).result() == json.loads(bom)
        with pytest.raises(ValueError, match="Expecting"):
            parse_thread.submit(loads, body[:-1]).result()
