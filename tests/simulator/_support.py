"""Helpers shared by the simulator tests: an injectable clock, an in-process client, a running subprocess."""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette

from plantpredict_simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Simulator,
    SimulatorTransport,
    password_grant_form,
)
from tests.conftest import REPO

BASE_URL = "http://simulator.test"
START = 1_800_000_000.25  # a fixed epoch for the manual clock, a quarter second into its second

MODULE_ID = 42001  # the seeded library, in the order the store creates it
INVERTER_ID = 10001
WEATHER_TOLEDO = 68001
WEATHER_DAGGETT = 68002


@contextlib.contextmanager
def unlogged_urls() -> Iterator[None]:
    """Silence httpx's request log for a request that carries a secret in its URL on purpose (as the
    official SDK sends its client secret): httpx logs whole URLs, and the session checks logs for leaks."""
    logger = logging.getLogger("httpx")
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was


class ManualClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def refresh_form(refresh_token: str, **overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "scope": "offline_access",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    form.update(overrides)
    return form


def project_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Toledo",
        "latitude": 41.65,
        "longitude": -83.54,
        "elevation": 178.5,
        "standardOffsetFromUTC": -5,
        "country": "United States",
        "countryCode": "US",
        "locality": "Toledo",
        "stateProvinceCode": "OH",
    }
    body.update(overrides)
    return body


def plant_body(
    *,
    tilt: float = 30.0,
    tracking: int = 0,
    strings: float = 230,
    setpoint_kw: float = 2612.5,
    module_id: int = MODULE_ID,
    inverter_id: int = INVERTER_ID,
) -> dict[str, Any]:
    """One block, one array, one 2,750 kVA inverter, one DC field of 26-module strings."""
    return {
        "powerFactor": 0.95,
        "blocks": [
            {
                "name": 1,
                "repeater": 1,
                "arrays": [
                    {
                        "name": 1,
                        "repeater": 1,
                        "acCollectionLoss": 1,
                        "dasLoad": 800,
                        "transformerEnabled": True,
                        "transformerkVARating": 2750,
                        "transformerNoLoadLoss": 0.2,
                        "transformerFullLoadLoss": 0.7,
                        "inverters": [
                            {
                                "name": "A",
                                "repeater": 1,
                                "inverterId": inverter_id,
                                "setpointkW": setpoint_kw,
                                "kVARating": 2750,
                                "powerFactor": 0.95,
                                "designDerate": 0.95,
                                "dcFields": [
                                    {
                                        "name": 1,
                                        "repeater": 1,
                                        "moduleId": module_id,
                                        "trackingType": tracking,
                                        "moduleTilt": tilt,
                                        "moduleAzimuth": 180,
                                        "modulesHigh": 2,
                                        "modulesWiredInSeries": 26,
                                        "numberOfSeriesStringsWiredInParallel": strings,
                                        "minimumTrackingLimitAngleD": -60,
                                        "maximumTrackingLimitAngleD": 60,
                                        "trackingBacktrackingType": 1,
                                        "dcWiringLossAtSTC": 1.5,
                                        "dcHealth": 1,
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }


@dataclass
class InProcess:
    """A simulator app with an httpx client on SimulatorTransport, and the manual clock it runs on."""

    app: Starlette
    http: httpx.AsyncClient
    clock: ManualClock
    _token: str | None = field(default=None, repr=False)

    @property
    def simulator(self) -> Simulator:
        simulator: Simulator = self.app.state.simulator
        return simulator

    async def password_grant(self, **overrides: str) -> httpx.Response:
        return await self.http.post("/oauth2/v1/token", data=password_grant_form(**overrides))

    async def token(self) -> str:
        if self._token is None:
            response = await self.http.post(
                "/oauth2/token",
                data={"grant_type": "client_credentials", "scope": "transactions/get transactions/post"},
                auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
            )
            assert response.status_code == 200, response.text
            self._token = str(response.json()["access_token"])
        return self._token

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await self.token()}", **kwargs.pop("headers", {})}
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def create_project(self, **overrides: Any) -> int:
        response = await self.api("POST", "/Project", json=project_body(**overrides))
        assert response.status_code == 200, response.text
        return int(response.json()["id"])

    async def create_prediction(self, project_id: int, **overrides: Any) -> int:
        body = {"name": "Base case", "weatherId": WEATHER_TOLEDO, **overrides}
        response = await self.api("POST", f"/Project/{project_id}/Prediction", json=body)
        assert response.status_code == 200, response.text
        return int(response.json()["id"])

    async def attach_plant(self, project_id: int, prediction_id: int, **design: Any) -> None:
        path = f"/Project/{project_id}/Prediction/{prediction_id}/PowerPlant"
        response = await self.api("POST", path, json=plant_body(**design))
        assert response.status_code == 200, response.text

    async def run(self, project_id: int, prediction_id: int) -> httpx.Response:
        return await self.api("POST", f"/Project/{project_id}/Prediction/{prediction_id}/Run")

    async def status(self, project_id: int, prediction_id: int) -> int:
        response = await self.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}")
        assert response.status_code == 200, response.text
        return int(response.json()["processingStatus"])

    async def finished_prediction(self, *, project_id: int | None = None, **design: Any) -> tuple[int, int]:
        """A project (or the given one) with a prediction whose run has succeeded."""
        project_id = project_id or await self.create_project()
        prediction_id = await self.create_prediction(project_id, weatherId=design.pop("weather_id", WEATHER_TOLEDO))
        await self.attach_plant(project_id, prediction_id, **design)
        assert (await self.run(project_id, prediction_id)).status_code == 200
        self.clock.advance(self.simulator.config.run_seconds + 0.01)
        assert await self.status(project_id, prediction_id) == 3
        return project_id, prediction_id

    async def summary(self, project_id: int, prediction_id: int) -> dict[str, Any]:
        response = await self.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}/ResultSummary")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


def in_process(app: Starlette, clock: ManualClock) -> InProcess:
    return InProcess(app, httpx.AsyncClient(transport=SimulatorTransport(app), base_url=BASE_URL), clock)


@dataclass
class RunningSimulator:
    """`python -m plantpredict_simulator` in a subprocess, listening on a loopback port it chose itself."""

    process: subprocess.Popen[str]
    base_url: str
    first_lines: list[str]
    _stdout: list[str]
    _stderr: list[str]
    _readers: list[threading.Thread]

    def stop(self) -> tuple[str, str]:
        """Stop it and return everything it wrote to stdout and stderr."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for reader in self._readers:
            reader.join(timeout=10)
        return "".join(self._stdout), "".join(self._stderr)


def _drain(stream: Any, sink: list[str], lines: queue.Queue[str] | None) -> None:
    for line in iter(stream.readline, ""):
        sink.append(line)
        if lines is not None:
            lines.put(line.rstrip("\n"))
    stream.close()


def start_simulator(*args: str, timeout: float = 15.0) -> RunningSimulator:
    command = [sys.executable, "-m", "plantpredict_simulator", "--port", "0", *args]
    # From the repository root: `simulator` is a top-level package there, not an installed one.
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    stdout: list[str] = []
    stderr: list[str] = []
    announced: queue.Queue[str] = queue.Queue()
    readers = [
        threading.Thread(target=_drain, args=(process.stdout, stdout, announced), daemon=True),
        threading.Thread(target=_drain, args=(process.stderr, stderr, None), daemon=True),
    ]
    for reader in readers:
        reader.start()
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while len(lines) < 2:
            lines.append(announced.get(timeout=max(0.01, deadline - time.monotonic())))
    except queue.Empty:
        process.kill()
        raise TimeoutError(f"the simulator wrote {lines!r} within {timeout} s; stderr: {''.join(stderr)}") from None
    match = re.fullmatch(r"simulator listening on (http://127\.0\.0\.1:\d+)", lines[0])
    if match is None:
        process.kill()
        raise AssertionError(f"unexpected first line {lines[0]!r}")
    return RunningSimulator(process, match.group(1), lines, stdout, stderr, readers)
