"""The live simulator behind one app: `app.state.simulator`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from plantpredict_simulator._config import SimulatorConfig
from plantpredict_simulator._counters import Counters
from plantpredict_simulator._faults import FaultEngine
from plantpredict_simulator._state import OBJECT_KINDS, Store
from plantpredict_simulator._tokens import TokenAuthority

T = TypeVar("T")

# One thread per process computes the runs' physics (pvlib, 50 to 100 ms a run), for every simulator
# in it. On the event loop, twelve runs read at once held every other answer back for about a second,
# a 429 included: the real API's gateway answers while its workers compute, so clients measured here
# must see the same. One thread rather than many: computations in parallel would only share the GIL
# and take turns with the loop more often, and a run's summary, computed once and cached on its
# snapshot, is then never computed twice at once.
_PHYSICS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulator-physics")


class Simulator:
    """What tests read and steer in process: `config` (live), `counters`, `objects()`, issued tokens."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.counters = Counters(lambda: self.store.object_counts(), lambda: self.store.settle_all())
        self.store = Store(config, self.counters.run_finished)
        self.tokens = TokenAuthority(config, self.counters)
        self.faults = FaultEngine(config)

    async def physics(self, work: Callable[[], T]) -> T:
        """Run ``work`` (a result computed with pvlib) off the event loop, so other requests are
        answered meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(_PHYSICS, work)

    def objects(self, kind: str) -> list[dict[str, Any]]:
        """Stored objects of one kind: projects, predictions, powerplants, modules, inverters, weather."""
        if kind not in OBJECT_KINDS:
            raise KeyError(f"unknown kind {kind!r}; known: {', '.join(OBJECT_KINDS)}")
        return self.store.objects(kind)

    def counters_snapshot(self) -> dict[str, Any]:
        return self.counters.snapshot()

    def issued_tokens(self) -> dict[str, list[str]]:
        return {
            "access_tokens": self.tokens.issued_access_tokens(),
            "refresh_tokens": self.tokens.issued_refresh_tokens(),
        }

    def expire_tokens(self) -> int:
        return self.tokens.expire_all()

    def revoke_refresh_tokens(self) -> int:
        return self.tokens.revoke_refresh_all()
