"""Every API route checks the bearer token; a refused one gets an empty-body 401 without Content-Type."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import httpx
import pytest

from plantpredict_simulator import SimulatorConfig, create_app
from tests.simulator._support import BASE_URL, InProcess, ManualClock, in_process


def _assert_empty_401(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.content == b""
    assert "content-type" not in response.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/Project/1"),
        ("POST", "/Project"),
        ("GET", "/Project/1/Prediction/2/ResultSummary"),
        ("GET", "/Module"),
        ("GET", "/Definitions"),
        ("GET", "/System/Version"),
    ],
)
async def test_missing_token_gets_empty_401_without_content_type(sim: InProcess, method: str, path: str) -> None:
    _assert_empty_401(await sim.http.request(method, path))


async def test_not_a_bearer_or_malformed_token_gets_401(sim: InProcess) -> None:
    _assert_empty_401(await sim.http.get("/Version", headers={"Authorization": "Basic abc"}))
    _assert_empty_401(await sim.http.get("/Version", headers={"Authorization": "Bearer not.a.jwt"}))
    _assert_empty_401(await sim.http.get("/Version", headers={"Authorization": "Bearer "}))


async def test_badly_signed_token_gets_401(sim: InProcess) -> None:
    token = await sim.token()
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    _assert_empty_401(await sim.http.get("/Version", headers={"Authorization": f"Bearer {tampered}"}))
    assert (await sim.api("GET", "/Version")).status_code == 200


async def test_token_from_another_simulator_is_refused(sim: InProcess, clock: ManualClock) -> None:
    other = in_process(create_app(SimulatorConfig(clock=clock)), clock)
    try:
        foreign = await other.token()
    finally:
        await other.http.aclose()
    _assert_empty_401(await sim.http.get("/Version", headers={"Authorization": f"Bearer {foreign}"}))


async def test_expired_token_gets_401(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(token_lifetime=5.0)
    assert (await sim.api("GET", "/Version")).status_code == 200
    sim.clock.advance(5.0)
    _assert_empty_401(await sim.api("GET", "/Version"))


async def test_admin_expire_now_invalidates_every_issued_token(sim: InProcess) -> None:
    assert (await sim.api("GET", "/Version")).status_code == 200
    okta = (await sim.password_grant()).json()["access_token"]
    expired = await sim.http.post("/_sim/tokens/expire")
    assert expired.json() == {"expired": 2}
    _assert_empty_401(await sim.api("GET", "/Version"))
    _assert_empty_401(await sim.http.get("/Version", headers={"Authorization": f"Bearer {okta}"}))
    # Tokens issued afterwards work.
    fresh = (await sim.password_grant()).json()["access_token"]
    assert (await sim.http.get("/Version", headers={"Authorization": f"Bearer {fresh}"})).status_code == 200


async def test_default_config_runs_on_the_real_clock_behind_a_plain_asgi_transport() -> None:
    app = create_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        sim = InProcess(app, http, ManualClock())
        token = await sim.token()
        assert (await sim.api("GET", "/Version")).json() == {"version": "12.13.0.0"}
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert abs(claims["iat"] - time.time()) < 60
    assert claims["exp"] - claims["iat"] in (3600, 3601)
