"""Decoding an answer's JSON: orjson when the body is UTF-8 (PlantPredict's always is), the standard
library otherwise, and the standard library again whenever orjson refuses something it accepts.

Why orjson (a dependency, not an option): measured in `make bench` (`bench/large_answers.py`), it
decodes a 4.6 MB power plant in about half the standard library's time.

On the parse thread, a body above ``SLICED_ABOVE`` is decoded in slices instead (``loads_in_slices``).
Any decoder holds the GIL for the whole of one call, and the event loop waits for it: orjson on a
4.6 MB plant is one call of 30 ms on an idle machine and 36 to 61 ms with the simulator busy on the
other core, and `bench/large_answers.py`'s longest event-loop stall coincided with it every time
(measured with timestamps around ``loads`` and around each loop iteration: the loop's ``select``
returned, then waited for the GIL until ``loads`` returned). Slices of at most about 64 KiB let the
loop in every few milliseconds, for about twice orjson's CPU (the standard library's speed), spent
off the loop. Written here because no library does it: ijson (yajl2_c), the incremental parser of
the field, runs its whole parse in C, and held the GIL for 124 ms on the same plant (measured with a
1 ms ticker thread; this decoder 10 ms, orjson 25 ms).

One difference stays: orjson reads an integer beyond 64 bits as a float (the standard library, and
so a sliced decode, keeps it exact). PlantPredict's integers are 32-bit ids and counts.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable
from typing import Any

import orjson

from plantpredict_client.client import on_parse_thread

__all__ = ["SLICED_ABOVE", "loads", "loads_in_slices"]

SLICED_ABOVE = 1 << 20
"""Bodies larger than this (bytes) are decoded in slices on the parse thread. Below it orjson holds
the GIL for a few milliseconds at most (7 ms per MB, more on a busy machine), less than the parse
thread's ordinary 5 ms turns (``sys.getswitchinterval()``) plus a loop turn."""

SLICE = 64 * 1024
"""About the most text (characters) one call of the C scanner is given: 1 ms or so. The slicing
descends into a container member by member; in an array, once an element turns out to be at most
this long, the rest are scanned whole (arrays are homogeneous), since descending costs a Python
step per member and 8760 small weather rows would cost more than they save. So a large element
after a small one in the same array, or a container nested deeper than ``_DEPTH``, is still one
call: the bound holds for PlantPredict's shapes (checked on a plant in tests/runtime/test_decode.py),
not for every document."""

_DEPTH = 8  # deeper containers are scanned whole: PlantPredict's big answers are big near the top

# json.decoder's own pieces (typeshed leaves them out): the C scanner when there is one, with
# json.loads's defaults (NaN and Infinity accepted, control characters in strings refused).
_whitespace: Callable[[str, int], re.Match[str]] = json.decoder.WHITESPACE.match  # type: ignore[attr-defined]
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_scan: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def loads(content: bytes, content_type: str = "") -> Any:
    """The JSON value of ``content``; raises ``ValueError`` (``json.JSONDecodeError``) when it is
    not JSON."""
    charset = content_type.lower().partition("charset=")[2].strip(' "')
    if charset in ("", "utf-8", "utf8"):
        if len(content) > SLICED_ABOVE and on_parse_thread():
            try:
                return loads_in_slices(content)
            except ValueError:
                pass  # a BOM, or not JSON: the standard library decides (or raises its own error)
        else:
            try:
                return orjson.loads(content)
            except orjson.JSONDecodeError:
                pass  # NaN, Infinity, a BOM: the standard library decides (or refuses)
    return json.loads(content)


def loads_in_slices(content: bytes) -> Any:
    """The same value as ``json.loads(content)`` for a UTF-8 body, decoded by many short calls of
    the standard library's C scanner instead of one long one, so that another thread waiting for
    the GIL gets it between two calls. Raises ``ValueError`` for anything ``json.loads`` would not
    decode the same way (it may then decode it, a BOM; or say what is wrong)."""
    text = content.decode()
    value, end = _value(text, _whitespace(text, 0).end(), 0, True, {})
    end = _whitespace(text, end).end()
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _value(text: str, at: int, depth: int, descend: bool, keys: dict[str, str]) -> tuple[Any, int]:
    if descend and depth < _DEPTH:
        opening = text[at : at + 1]
        if opening == "{":
            return _object(text, at + 1, depth + 1, keys)
        if opening == "[":
            return _array(text, at + 1, depth + 1, keys)
    try:
        return _scan(text, at)
    except StopIteration as missing:
        raise json.JSONDecodeError("Expecting value", text, missing.value) from None


def _object(text: str, at: int, depth: int, keys: dict[str, str]) -> tuple[dict[str, Any], int]:
    members: dict[str, Any] = {}
    at = _whitespace(text, at).end()
    if text[at : at + 1] == "}":
        return members, at + 1
    while True:
        if text[at : at + 1] != '"':
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, at)
        key, at = _scanstring(text, at + 1)
        key = keys.setdefault(key, key)  # one string per distinct key, as json.loads shares them
        at = _whitespace(text, at).end()
        if text[at : at + 1] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
        members[key], at = _value(text, _whitespace(text, at + 1).end(), depth, True, keys)
        ended, at = _after_member(text, at, "}")
        if ended:
            return members, at


def _array(text: str, at: int, depth: int, keys: dict[str, str]) -> tuple[list[Any], int]:
    elements: list[Any] = []
    at = _whitespace(text, at).end()
    if text[at : at + 1] == "]":
        return elements, at + 1
    large = True  # until an element shows otherwise
    while True:
        start = at
        element, at = _value(text, at, depth, large, keys)
        elements.append(element)
        large = at - start > SLICE
        ended, at = _after_member(text, at, "]")
        if ended:
            return elements, at


def _after_member(text: str, at: int, closing: str) -> tuple[bool, int]:
    """After a member of a container: ``(True, past the closing bracket)`` at its end, otherwise
    ``(False, where the next member starts)``."""
    at = _whitespace(text, at).end()
    delimiter = text[at : at + 1]
    if delimiter == closing:
        return True, at + 1
    if delimiter != ",":
        raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
    return False, _whitespace(text, at + 1).end()
