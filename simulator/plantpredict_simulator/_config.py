"""Configuration of a simulator instance: credentials, timings and the fault switches.

The config object is live: the running app reads it on every request, so tests may change fields on
`app.state.simulator.config` (or through the admin API) between requests.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

DEFAULT_USERNAME = "demo@example.com"
DEFAULT_PASSWORD = "demo-password"
DEFAULT_CLIENT_ID = "demo-client"
DEFAULT_CLIENT_SECRET = "demo-secret"


def password_grant_form(
    username: str = DEFAULT_USERNAME,
    password: str = DEFAULT_PASSWORD,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    scope: str = "openid offline_access",
    **extra: str,
) -> dict[str, str]:
    """The form of an Okta password grant, as PlantPredict's token server takes it (the simulator's demo
    credentials unless given); `extra` adds or replaces fields, e.g. `grant_type="nonsense"`."""
    form = {
        "grant_type": "password",
        "username": username,
        "password": password,
        "client_id": client_id,
        "client_secret": client_secret,
        "scope": scope,
    }
    form.update(extra)
    return form


# Route groups a RouteFaults entry can target. "*" covers every API route; "token" (an addition to the
# contract) covers both token endpoints, so token-endpoint latency and drops can be injected too.
API_ROUTE_GROUPS = ("projects", "predictions", "powerplant", "library", "results", "reference")
ROUTE_GROUPS = (*API_ROUTE_GROUPS, "*", "token")

TokenEndpointMode = Literal["ok", "down", "rate_limited"]
TOKEN_ENDPOINT_MODES: tuple[TokenEndpointMode, ...] = ("ok", "down", "rate_limited")


class ConfigError(ValueError):
    """A fault or config value out of range; the admin API answers it with 400."""


@dataclass
class RouteFaults:
    """Faults for one route group. Rates are fractions of requests in [0, 1]."""

    latency_ms: float = 0.0
    rate_429: float = 0.0
    rate_5xx: float = 0.0
    # The request is read and processed (a create really happens), then the connection is dropped.
    drop_rate: float = 0.0

    def __post_init__(self) -> None:
        _check_non_negative("latency_ms", self.latency_ms)
        for name in ("rate_429", "rate_5xx", "drop_rate"):
            _check_fraction(name, getattr(self, name))
        if self.rate_429 + self.rate_5xx > 1.0:
            raise ConfigError("rate_429 + rate_5xx must not exceed 1")

    def to_json(self) -> dict[str, float]:
        return dataclasses.asdict(self)


@dataclass
class Faults:
    routes: dict[str, RouteFaults] = field(default_factory=dict)
    # Fraction of runs that end in processingStatus 4, decided from seed + prediction id.
    failed_run_rate: float = 0.0
    token_endpoint: TokenEndpointMode = "ok"
    # Epoch seconds (simulator clock) after which the token endpoint is "ok" again; None = until changed.
    token_endpoint_until: float | None = None

    def __post_init__(self) -> None:
        _check_fraction("failed_run_rate", self.failed_run_rate)
        if self.token_endpoint not in TOKEN_ENDPOINT_MODES:
            raise ConfigError(f"token_endpoint must be one of {', '.join(TOKEN_ENDPOINT_MODES)}")
        for group in self.routes:
            if group not in ROUTE_GROUPS:
                raise ConfigError(f"unknown route group {group!r}; known: {', '.join(ROUTE_GROUPS)}")

    def for_group(self, group: str) -> RouteFaults | None:
        """The group's own entry wins over "*" (entries are not merged field by field)."""
        return self.routes.get(group) or (self.routes.get("*") if group != "token" else None)

    def token_mode(self, now: float) -> TokenEndpointMode:
        if self.token_endpoint != "ok" and self.token_endpoint_until is not None and now >= self.token_endpoint_until:
            return "ok"
        return self.token_endpoint

    def to_json(self) -> dict[str, Any]:
        return {
            "routes": {group: faults.to_json() for group, faults in self.routes.items()},
            "failed_run_rate": self.failed_run_rate,
            "token_endpoint": self.token_endpoint,
            "token_endpoint_until": self.token_endpoint_until,
        }

    def merge(self, patch: Mapping[str, Any], now: float) -> None:
        """Apply a partial update (the admin API's PUT body); all-or-nothing on validation errors."""
        known = {"routes", "failed_run_rate", "token_endpoint", "token_endpoint_until", "token_endpoint_seconds"}
        unknown = set(patch) - known
        if unknown:
            raise ConfigError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        routes = dict(self.routes)
        routes_patch = patch.get("routes", {})
        if not isinstance(routes_patch, Mapping):
            raise ConfigError("routes must be an object keyed by route group")
        for group, entry in routes_patch.items():
            if entry is None:
                routes.pop(group, None)
                continue
            if not isinstance(entry, Mapping):
                raise ConfigError(f"routes[{group!r}] must be an object or null")
            base = dataclasses.asdict(routes.get(group, RouteFaults()))
            unknown_fields = set(entry) - set(base)
            if unknown_fields:
                raise ConfigError(f"unknown RouteFaults fields: {', '.join(sorted(unknown_fields))}")
            routes[group] = RouteFaults(**{**base, **{k: _number(k, v) for k, v in entry.items()}})
        until = patch.get("token_endpoint_until", self.token_endpoint_until)
        if "token_endpoint_seconds" in patch:
            until = now + _number("token_endpoint_seconds", patch["token_endpoint_seconds"])
        candidate = Faults(
            routes=routes,
            failed_run_rate=_number("failed_run_rate", patch.get("failed_run_rate", self.failed_run_rate)),
            token_endpoint=patch.get("token_endpoint", self.token_endpoint),
            token_endpoint_until=None if until is None else _number("token_endpoint_until", until),
        )
        self.routes = candidate.routes
        self.failed_run_rate = candidate.failed_run_rate
        self.token_endpoint = candidate.token_endpoint
        self.token_endpoint_until = candidate.token_endpoint_until


@dataclass
class SimulatorConfig:
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    token_lifetime: float = 3600.0
    # Seconds from Run to the final status: a quarter of it queued (1), the rest running (2).
    run_seconds: float = 2.0
    seed: int = 0
    admin: bool = False
    # Password + refresh grants per username per second, as Okta limits /token per user.
    token_rate_limit: int = 4
    # Seconds during which an already-rotated refresh token is still accepted (Okta's grace period).
    refresh_reuse_grace: float = 0.0
    faults: Faults = field(default_factory=Faults)
    # A demo should find a module, an inverter and weather files without uploading anything.
    seed_library: bool = True
    # Injectable so tests can move time forward instead of sleeping; epoch seconds.
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_non_negative("token_lifetime", self.token_lifetime)
        _check_non_negative("run_seconds", self.run_seconds)
        _check_non_negative("refresh_reuse_grace", self.refresh_reuse_grace)
        if self.token_rate_limit < 1:
            raise ConfigError("token_rate_limit must be at least 1")

    def public_json(self) -> dict[str, Any]:
        """What the admin API shows: no password, no client secret."""
        return {
            "username": self.username,
            "client_id": self.client_id,
            "token_lifetime": self.token_lifetime,
            "run_seconds": self.run_seconds,
            "seed": self.seed,
            "token_rate_limit": self.token_rate_limit,
            "refresh_reuse_grace": self.refresh_reuse_grace,
            "seed_library": self.seed_library,
        }

    def update(self, patch: Mapping[str, Any]) -> None:
        settable = {"token_lifetime", "run_seconds", "token_rate_limit", "refresh_reuse_grace"}
        unknown = set(patch) - settable
        if unknown:
            raise ConfigError(f"not settable: {', '.join(sorted(unknown))}; settable: {', '.join(sorted(settable))}")
        values: dict[str, Any] = {key: _number(key, value) for key, value in patch.items()}
        if "token_rate_limit" in values:
            values["token_rate_limit"] = int(values["token_rate_limit"])
        candidate = dataclasses.replace(self, **values)
        for key in values:
            setattr(self, key, getattr(candidate, key))


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number")
    return float(value)


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name} must be between 0 and 1")


def _check_non_negative(name: str, value: float) -> None:
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
