"""The runtime's clock and sleep, with a testing switch that turns waiting into virtual time.

With testing on, a sleep returns at once and moves this module's clock forward by the time it
would have waited, so a 30 s rate-limit cool-down or a backoff costs nothing in a test but every
deadline computed from ``now()`` still behaves as in production.
"""

from __future__ import annotations

import asyncio
import threading
import time

_lock = threading.Lock()
_testing = False
_offset = 0.0


def set_testing(enabled: bool) -> None:
    """Turn real waiting off (``True``) or back on. Meant for tests, like ``stamina.set_testing``.

    Either way the clock returns to real time: virtual time lives only while testing is on.
    """
    global _testing, _offset
    with _lock:
        _testing = enabled
        _offset = 0.0


def is_testing() -> bool:
    return _testing


def now() -> float:
    """Wall-clock seconds (epoch), shifted by the time skipped while testing.

    Wall time, not monotonic time, because tokens are shared between processes and machines
    through Redis and their expiry has to mean the same moment everywhere.
    """
    return time.time() + _offset


def _advance_to(deadline: float) -> None:
    # Virtual time moves to the latest deadline anyone slept to, not the sum of their sleeps: a
    # thousand tasks waiting out the same 30 s cool-down move the clock 30 s, as they would for real.
    global _offset
    with _lock:
        _offset = max(_offset, deadline - time.time())


async def sleep(seconds: float) -> None:
    await sleep_until(now() + max(0.0, seconds))


async def sleep_until(deadline: float) -> None:
    if _testing:
        _advance_to(deadline)
        await asyncio.sleep(0)
        return
    await asyncio.sleep(max(0.0, deadline - now()))


def sleep_sync(seconds: float) -> None:
    if _testing:
        _advance_to(now() + max(0.0, seconds))
        return
    time.sleep(max(0.0, seconds))
