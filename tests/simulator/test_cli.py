"""`python -m plantpredict_simulator` over loopback: the announced port, loopback only, drops, no secrets shown."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_USERNAME, password_grant_form
from tests.conftest import REPO
from tests.simulator._support import RunningSimulator, project_body, unlogged_urls

pytestmark = pytest.mark.slow


def test_prints_the_bound_address_then_the_credentials(launch: Callable[..., RunningSimulator]) -> None:
    running = launch()
    assert running.first_lines[0].startswith("simulator listening on http://127.0.0.1:")
    port = int(running.base_url.rsplit(":", 1)[1])
    assert port > 0
    assert running.first_lines[1] == (
        "credentials: username=demo@example.com password=demo-password client_id=demo-client client_secret=demo-secret"
    )
    assert httpx.get(f"{running.base_url}/Version", timeout=5).status_code == 401
    assert httpx.get(f"{running.base_url}/_sim/counters", timeout=5).status_code == 404  # no --admin


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_refuses_a_non_loopback_host(host: str) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "plantpredict_simulator", "--host", host, "--port", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert finished.returncode == 2
    assert "loopback" in finished.stderr
    assert finished.stdout == ""


def test_a_dropped_connection_reaches_a_real_client_as_a_broken_connection(
    launch: Callable[..., RunningSimulator],
) -> None:
    running = launch("--admin", "--drop-rate", "1")
    with httpx.Client(base_url=running.base_url, timeout=5) as http:
        token = http.post(
            "/oauth2/token", data={"grant_type": "client_credentials"}, auth=("demo-client", "demo-secret")
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for _ in range(2):
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                http.post("/Project", json=project_body(name="Lost answer"), headers=headers)
        created = http.get("/_sim/objects/projects").json()
        assert [p["name"] for p in created] == ["Lost answer", "Lost answer"]
        assert http.get("/_sim/counters").json()["api_requests"] == {"dropped": 2}
    _, stderr = running.stop()
    assert "without completing response" not in stderr


def test_secrets_and_tokens_never_appear_in_its_output(launch: Callable[..., RunningSimulator]) -> None:
    password, secret = "pw-4f9c2e7d", "cs-81b0aa3e"
    running = launch("--admin", "--log-level", "debug", "--password", password, "--client-secret", secret)
    assert "<as given>" in running.first_lines[1]
    with httpx.Client(base_url=running.base_url, timeout=5) as http:
        okta = http.post("/oauth2/v1/token", data=password_grant_form(password=password, client_secret=secret)).json()
        http.post("/oauth2/v1/token", data=password_grant_form(password="wrong-" + password, client_secret=secret))
        with unlogged_urls():
            sdk_style = http.post(
                "/oauth2/token",
                params={"grant_type": "client_credentials", "client_id": DEFAULT_CLIENT_ID, "client_secret": secret},
            )
        assert sdk_style.status_code == 200
        headers = {"Authorization": f"Bearer {okta['access_token']}"}
        assert http.get("/Version", headers=headers).status_code == 200
        issued = http.get("/_sim/tokens/issued").json()
    stdout, stderr = running.stop()
    output = stdout + stderr
    assert DEFAULT_USERNAME in output  # the credentials line: a username is not a secret
    for value in [password, secret, *issued["access_tokens"], *issued["refresh_tokens"]]:
        assert value not in output
