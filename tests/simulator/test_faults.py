"""Every fault switch, through the config object and through the admin API, and its effect."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from plantpredict_simulator import ConfigError, Faults, RouteFaults, SimulatorConfig
from plantpredict_simulator.__main__ import build_config, parse_args
from tests.simulator._support import InProcess, refresh_form


async def _statuses(sim: InProcess, path: str, count: int) -> list[int]:
    return [(await sim.api("GET", path)).status_code for _ in range(count)]


class RecordedSleep:
    """Stands in for the fault engine's sleep: records each injected wait, and (with `gate`) holds every
    waiter until `gate` of them are waiting at once, so overlap is proven by events, not by timing."""

    def __init__(self, gate: int = 0) -> None:
        self.waits: list[float] = []
        self._gate = gate
        self._all_in = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self._gate:
            if len(self.waits) >= self._gate:
                self._all_in.set()
            await self._all_in.wait()


async def test_latency_delays_only_the_faulted_route_group(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(faults=Faults(routes={"reference": RouteFaults(latency_ms=120)}))
    sleep = RecordedSleep()
    sim.simulator.faults.sleep = sleep
    await sim.token()
    assert (await sim.api("GET", "/Version")).status_code == 200
    assert sleep.waits == [0.12]
    project_id = await sim.create_project()
    assert (await sim.api("GET", f"/Project/{project_id}")).status_code == 200
    assert sleep.waits == [0.12]  # the projects group waited for nothing


async def test_rate_429_answers_empty_429_without_retry_after_and_processes_nothing(
    make_sim: Callable[..., InProcess],
) -> None:
    sim = make_sim(faults=Faults(routes={"projects": RouteFaults(rate_429=1.0)}))
    response = await sim.api("POST", "/Project", json={"name": "never"})
    assert response.status_code == 429
    assert response.content == b""
    assert "retry-after" not in response.headers
    assert "content-type" not in response.headers
    assert sim.simulator.objects("projects") == []
    assert (await sim.api("GET", "/Version")).status_code == 200  # other groups are untouched
    assert sim.simulator.counters_snapshot()["api_requests"] == {"429": 1, "200": 1}


async def test_rate_5xx_answers_500_text_plain(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(faults=Faults(routes={"*": RouteFaults(rate_5xx=1.0)}))
    response = await sim.api("GET", "/Definitions")
    assert response.status_code == 500
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "An error has occurred."


async def test_partial_rates_are_deterministic_with_the_seed(make_sim: Callable[..., InProcess]) -> None:
    faults = {"*": {"rate_429": 0.3, "rate_5xx": 0.2}}
    runs = []
    for seed in (11, 11, 12):
        sim = make_sim(seed=seed)
        assert (await sim.http.put("/_sim/faults", json={"routes": faults})).status_code == 200
        runs.append(await _statuses(sim, "/Version", 60))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert set(runs[0]) == {200, 429, 500}
    assert 8 < runs[0].count(429) < 30


async def test_dropped_connection_processes_the_request_then_raises_remote_protocol_error(
    make_sim: Callable[..., InProcess],
) -> None:
    sim = make_sim(faults=Faults(routes={"projects": RouteFaults(drop_rate=1.0)}))
    with pytest.raises(httpx.RemoteProtocolError):
        await sim.api(
            "POST",
            "/Project",
            json={"name": "Dropped", "latitude": 1, "longitude": 2, "elevation": 3, "standardOffsetFromUTC": 0},
        )
    assert [p["name"] for p in sim.simulator.objects("projects")] == ["Dropped"]
    assert sim.simulator.counters_snapshot()["api_requests"] == {"dropped": 1}


async def test_failed_run_rate_ends_runs_in_status_4(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(faults=Faults(failed_run_rate=1.0))
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id)
    await sim.attach_plant(project_id, prediction_id)
    await sim.run(project_id, prediction_id)
    sim.clock.advance(0.5)
    assert await sim.status(project_id, prediction_id) == 2
    sim.clock.advance(1)
    prediction = (await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}")).json()
    assert prediction["processingStatus"] == 4
    assert prediction["processingMessage"].startswith("Error")
    summary = await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}/ResultSummary")
    assert summary.status_code == 204
    assert sim.simulator.counters_snapshot()["runs"] == {"4": 1}


async def test_failed_runs_are_decided_by_seed_and_prediction_id(make_sim: Callable[..., InProcess]) -> None:
    outcomes = []
    for _ in range(2):
        sim = make_sim(seed=3, faults=Faults(failed_run_rate=0.5))
        project_id = await sim.create_project()
        statuses = []
        for _ in range(12):
            prediction_id = await sim.create_prediction(project_id)
            await sim.attach_plant(project_id, prediction_id)
            await sim.run(project_id, prediction_id)
            sim.clock.advance(1.1)
            statuses.append(await sim.status(project_id, prediction_id))
        outcomes.append(statuses)
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {3, 4}


async def test_revoke_refresh_tokens_makes_refresh_invalid_grant_but_keeps_access_tokens(sim: InProcess) -> None:
    body = (await sim.password_grant()).json()
    revoked = await sim.http.post("/_sim/tokens/revoke-refresh")
    assert revoked.json() == {"revoked": 1}
    refreshed = await sim.http.post("/oauth2/v1/token", data=refresh_form(body["refresh_token"]))
    assert (refreshed.status_code, refreshed.json()["error"]) == (400, "invalid_grant")
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await sim.http.get("/Version", headers=headers)).status_code == 200


async def test_token_endpoint_down_answers_503_text_plain(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(faults=Faults(token_endpoint="down"))
    okta = await sim.password_grant()
    cognito = await sim.http.post("/oauth2/token", data={"grant_type": "client_credentials"})
    for response in (okta, cognito):
        assert response.status_code == 503
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert sim.simulator.counters_snapshot()["token_requests"] == {
        "password": {"unavailable": 1},
        "client_credentials": {"unavailable": 1},
    }


async def test_token_endpoint_rate_limited_for_a_while_then_ok(sim: InProcess) -> None:
    switched = await sim.http.put("/_sim/faults", json={"token_endpoint": "rate_limited", "token_endpoint_seconds": 3})
    assert switched.json()["token_endpoint_until"] == pytest.approx(sim.clock.now + 3)
    limited = await sim.password_grant()
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Remaining"] == "0"
    assert int(limited.headers["X-Rate-Limit-Reset"]) >= int(sim.clock.now + 3)
    assert limited.json()["errorCode"] == "E0000047"
    sim.clock.advance(3)
    assert (await sim.password_grant()).status_code == 200


async def test_token_route_group_can_delay_and_drop_token_requests(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(faults=Faults(routes={"token": RouteFaults(drop_rate=1.0)}))
    with pytest.raises(httpx.RemoteProtocolError):
        await sim.password_grant()
    # The grant happened: its refresh token exists even though the client never saw it.
    assert len(sim.simulator.issued_tokens()["refresh_tokens"]) == 1


async def test_faults_merge_partially_and_reject_nonsense(sim: InProcess) -> None:
    first = await sim.http.put("/_sim/faults", json={"routes": {"*": {"rate_429": 0.2}}})
    second = await sim.http.put("/_sim/faults", json={"routes": {"*": {"latency_ms": 5}}, "failed_run_rate": 0.1})
    assert first.status_code == second.status_code == 200
    assert second.json()["routes"]["*"] == {"latency_ms": 5.0, "rate_429": 0.2, "rate_5xx": 0.0, "drop_rate": 0.0}
    assert sim.simulator.config.faults.failed_run_rate == 0.1
    for bad in (
        {"routes": {"nope": {"rate_429": 0.1}}},
        {"routes": {"*": {"rate_429": 2}}},
        {"routes": {"*": {"speed": 1}}},
        {"token_endpoint": "sideways"},
        {"unknown": 1},
    ):
        response = await sim.http.put("/_sim/faults", json=bad)
        assert response.status_code == 400, bad
        assert "error" in response.json()
    removed = await sim.http.put("/_sim/faults", json={"routes": {"*": None}})
    assert removed.json()["routes"] == {}


async def test_config_fault_fields_are_validated() -> None:
    with pytest.raises(ConfigError):
        RouteFaults(rate_429=0.7, rate_5xx=0.7)
    with pytest.raises(ConfigError):
        Faults(routes={"everything": RouteFaults()})
    with pytest.raises(ConfigError):
        SimulatorConfig(token_lifetime=-1)


def test_command_line_flags_set_the_same_switches() -> None:
    args = parse_args(
        [
            "--latency-ms", "20",
            "--rate-429", "0.1",
            "--rate-5xx", "0.05",
            "--drop-rate", "0.01",
            "--failed-run-rate", "0.2",
            "--token-lifetime", "30",
            "--run-seconds", "0.5",
            "--seed", "9",
            "--password", "p",
        ]
    )  # fmt: skip
    config = build_config(args)
    assert config.faults.routes == {"*": RouteFaults(latency_ms=20, rate_429=0.1, rate_5xx=0.05, drop_rate=0.01)}
    assert (config.faults.failed_run_rate, config.token_lifetime, config.run_seconds) == (0.2, 30, 0.5)
    assert (config.seed, config.password, config.admin) == (9, "p", False)
    assert build_config(parse_args([])).faults.routes == {}


async def test_concurrent_requests_show_in_peak_in_flight(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(faults=Faults(routes={"reference": RouteFaults(latency_ms=50)}))
    sim.simulator.faults.sleep = RecordedSleep(gate=8)  # all eight are in flight before any answers
    await sim.token()
    responses = await asyncio.gather(*(sim.api("GET", "/Version") for _ in range(8)))
    assert all(r.status_code == 200 for r in responses)
    counters = (await sim.http.get("/_sim/counters")).json()
    assert counters["peak_in_flight"] == 8
    assert counters["in_flight"] == 0
