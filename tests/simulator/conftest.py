"""Fixtures: an in-process simulator on a manual clock, and `python -m plantpredict_simulator` as a real subprocess."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from plantpredict_simulator import SimulatorConfig, create_app
from tests.conftest import watch_for_leaks
from tests.simulator._support import InProcess, ManualClock, RunningSimulator, in_process, start_simulator


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def make_sim(clock: ManualClock) -> AsyncIterator[Callable[..., InProcess]]:
    """Build simulators with config overrides (admin on, 1 s runs, the manual clock unless given)."""
    made: list[InProcess] = []

    def make(**overrides: Any) -> InProcess:
        settings: dict[str, Any] = {"admin": True, "run_seconds": 1.0, "clock": clock, **overrides}
        sim = in_process(create_app(SimulatorConfig(**settings)), clock)
        made.append(sim)
        return sim

    yield make
    for sim in made:
        await sim.http.aclose()
        # The session-wide log check (tests/conftest.py) then fails if any of these reached a DEBUG log.
        issued = sim.simulator.issued_tokens()
        config = sim.simulator.config
        watch_for_leaks(config.password, config.client_secret, *issued["access_tokens"], *issued["refresh_tokens"])


@pytest.fixture
def sim(make_sim: Callable[..., InProcess]) -> InProcess:
    return make_sim()


@pytest.fixture
def launch() -> Iterator[Callable[..., RunningSimulator]]:
    """Start `python -m plantpredict_simulator --port 0 ...` subprocesses; all are stopped at teardown."""
    started: list[RunningSimulator] = []

    def launch_one(*args: str) -> RunningSimulator:
        running = start_simulator(*args)
        started.append(running)
        return running

    yield launch_one
    for running in started:
        running.stop()


@pytest.fixture(scope="module")
def simulator_process() -> Iterator[RunningSimulator]:
    """One `python -m plantpredict_simulator --port 0 --admin` over loopback, shared by a module's tests."""
    running = start_simulator("--admin", "--run-seconds", "0.3")
    yield running
    running.stop()
