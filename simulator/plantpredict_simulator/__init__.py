"""A local stand-in for the PlantPredict API and its two token servers (Okta-style and Cognito-style).

In process (tests)::

    app = create_app(SimulatorConfig(admin=True, run_seconds=0.2))
    async with httpx.AsyncClient(transport=SimulatorTransport(app), base_url="http://simulator") as http:
        ...
    app.state.simulator.counters_snapshot()

Over loopback (demo, benchmarks): ``python -m plantpredict_simulator --port 0 --admin``.
"""

from __future__ import annotations

from plantpredict_simulator._app import create_app
from plantpredict_simulator._config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    ROUTE_GROUPS,
    ConfigError,
    Faults,
    RouteFaults,
    SimulatorConfig,
    password_grant_form,
)
from plantpredict_simulator._launch import launched
from plantpredict_simulator._simulator import Simulator
from plantpredict_simulator._transport import SimulatorTransport

OKTA_TOKEN_PATH = "/oauth2/v1/token"
COGNITO_TOKEN_PATH = "/oauth2/token"

__all__ = [
    "COGNITO_TOKEN_PATH",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "OKTA_TOKEN_PATH",
    "ROUTE_GROUPS",
    "ConfigError",
    "Faults",
    "RouteFaults",
    "Simulator",
    "SimulatorConfig",
    "SimulatorTransport",
    "create_app",
    "launched",
    "password_grant_form",
]
