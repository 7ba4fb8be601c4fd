"""Decoding an answer's JSON: orjson when the body is UTF-8 (PlantPredict's always is), the standard
library otherwise, and the standard library again whenever orjson refuses something it accepts.

Why orjson (a dependency, not an option): measured in `make bench` (`bench/large_answers.py`), it
decodes a 4.6 MB power plant in about half the standard library's time. Both hold the GIL for the
whole decode, so when a large answer is decoded on a worker thread (``Client.parse_in_thread_above``)
the event loop waits for one decode: about 30 ms with orjson, about 55 ms with ``json`` on this
machine, which would break the runtime's 50 ms stall target on its own.

One difference stays: orjson reads an integer beyond 64 bits as a float (the standard library keeps
it exact). PlantPredict's integers are 32-bit ids and counts.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["loads"]


def loads(content: bytes, content_type: str = "") -> Any:
    """The JSON value of ``content``; raises ``ValueError`` (``json.JSONDecodeError``) when it is
    not JSON."""
    charset = content_type.lower().partition("charset=")[2].strip(' "')
    if charset in ("", "utf-8", "utf8"):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass  # NaN, Infinity, a BOM: the standard library decides (or refuses)
    return json.loads(content)
