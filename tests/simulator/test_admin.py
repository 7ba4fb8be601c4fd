"""The admin API under /_sim/: off by default, counters, config, tokens, stored objects."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.simulator._support import InProcess


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_sim/counters"),
        ("POST", "/_sim/counters/reset"),
        ("GET", "/_sim/faults"),
        ("PUT", "/_sim/faults"),
        ("PUT", "/_sim/config"),
        ("POST", "/_sim/tokens/expire"),
        ("POST", "/_sim/tokens/revoke-refresh"),
        ("GET", "/_sim/tokens/issued"),
        ("GET", "/_sim/objects/projects"),
    ],
)
async def test_admin_api_is_404_unless_enabled(make_sim: Callable[..., InProcess], method: str, path: str) -> None:
    sim = make_sim(admin=False)
    response = await sim.http.request(method, path, json={})
    assert response.status_code == 404


async def test_counters_count_token_requests_api_statuses_runs_and_objects(sim: InProcess) -> None:
    await sim.password_grant()
    await sim.password_grant(password="wrong")
    project_id, _ = await sim.finished_prediction()
    await sim.api("GET", "/Project/999")
    await sim.http.get("/Version")
    counters = (await sim.http.get("/_sim/counters")).json()
    assert counters["token_requests"] == {"password": {"ok": 1, "invalid_grant": 1}, "client_credentials": {"ok": 1}}
    # create project, create prediction, attach plant, run, get prediction = 5 x 200; then 404 and 401.
    assert counters["api_requests"] == {"200": 5, "404": 1, "401": 1}
    assert counters["runs"] == {"3": 1}
    assert counters["objects"] == {
        "projects": 1,
        "predictions": 1,
        "powerplants": 1,
        "modules": 1,
        "inverters": 1,
        "weather": 2,
    }
    assert counters["in_flight"] == 0
    assert counters["peak_in_flight"] >= 1
    assert sim.simulator.counters_snapshot() == counters
    assert sim.simulator.counters.snapshot() == counters
    assert sim.simulator.counters["runs"] == {"3": 1}
    reset = (await sim.http.post("/_sim/counters/reset")).json()
    assert (reset["token_requests"], reset["api_requests"], reset["runs"], reset["peak_in_flight"]) == ({}, {}, {}, 0)
    assert reset["objects"]["projects"] == 1  # objects are state, not counters
    assert project_id


async def test_config_can_be_changed_at_run_time(sim: InProcess) -> None:
    response = await sim.http.put("/_sim/config", json={"token_lifetime": 10, "run_seconds": 0.5})
    assert response.status_code == 200
    assert (response.json()["token_lifetime"], response.json()["run_seconds"]) == (10, 0.5)
    assert "password" not in response.json()
    assert "client_secret" not in response.json()
    assert (await sim.password_grant()).json()["expires_in"] == 10
    assert (await sim.http.put("/_sim/config", json={"password": "x"})).status_code == 400
    assert (await sim.http.put("/_sim/config", json={"run_seconds": -1})).status_code == 400
    assert (await sim.http.get("/_sim/config")).json()["run_seconds"] == 0.5


async def test_issued_tokens_are_listed_for_leak_checks(sim: InProcess) -> None:
    body = (await sim.password_grant()).json()
    cognito = await sim.token()
    issued = (await sim.http.get("/_sim/tokens/issued")).json()
    assert issued == {
        "access_tokens": [body["access_token"], cognito],
        "refresh_tokens": [body["refresh_token"]],
    }
    assert sim.simulator.issued_tokens() == issued


async def test_stored_objects_are_listed_by_kind(sim: InProcess) -> None:
    project_id, prediction_id = await sim.finished_prediction()
    projects = (await sim.http.get("/_sim/objects/projects")).json()
    predictions = (await sim.http.get("/_sim/objects/predictions")).json()
    plants = (await sim.http.get("/_sim/objects/powerplants")).json()
    assert [p["id"] for p in projects] == [project_id]
    assert [(p["id"], p["processingStatus"]) for p in predictions] == [(prediction_id, 3)]
    assert len(plants) == 1
    assert len((await sim.http.get("/_sim/objects/modules")).json()) == 1
    assert (await sim.http.get("/_sim/objects/nothing")).status_code == 404


async def test_the_library_can_start_empty(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(seed_library=False)
    assert (await sim.api("GET", "/Module")).json() == []
    assert sim.simulator.counters_snapshot()["objects"]["weather"] == 0
