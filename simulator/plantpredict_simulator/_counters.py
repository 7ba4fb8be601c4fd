"""Counters that tests and benchmarks read back (GET /_sim/counters, or `simulator.counters`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

GRANTS = ("password", "refresh_token", "client_credentials", "unknown")
OUTCOMES = (
    "ok",
    "invalid_grant",
    "invalid_client",
    "invalid_scope",
    "rate_limited",
    "unavailable",
    "invalid_request",
    "unsupported_grant_type",
)


class Counters:
    """Read with `snapshot()` (the admin JSON) or by key, e.g. `counters["api_requests"]`."""

    def __init__(self, object_counts: Callable[[], dict[str, int]], settle: Callable[[], None]) -> None:
        self._object_counts = object_counts
        # Runs finish by the clock, not by an event: bring their final statuses in before reporting.
        self._settle = settle
        self.token_requests: defaultdict[str, Counter[str]] = defaultdict(Counter)
        # Keyed by status code as a string, plus "dropped" for connections cut without a response.
        self.api_requests: Counter[str] = Counter()
        self.runs: Counter[str] = Counter()
        self.in_flight = 0
        self.peak_in_flight = 0

    def token_request(self, grant: str, outcome: str) -> None:
        self.token_requests[grant if grant in GRANTS else "unknown"][outcome] += 1

    def api_request(self, status: int | str) -> None:
        self.api_requests[str(status)] += 1

    def run_finished(self, status: int) -> None:
        self.runs[str(status)] += 1

    def enter(self) -> None:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def leave(self) -> None:
        self.in_flight -= 1

    def reset(self) -> None:
        self.token_requests.clear()
        self.api_requests.clear()
        self.runs.clear()
        # Requests still in flight stay counted, so a reset in the middle of a burst cannot go negative.
        self.peak_in_flight = self.in_flight

    def __getitem__(self, key: str) -> Any:
        return self.snapshot()[key]

    def snapshot(self) -> dict[str, Any]:
        self._settle()
        return {
            "token_requests": {grant: dict(outcomes) for grant, outcomes in self.token_requests.items()},
            "api_requests": dict(self.api_requests),
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "runs": dict(self.runs),
            "objects": self._object_counts(),
        }
