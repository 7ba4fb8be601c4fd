"""The Okta-style and Cognito-style token servers."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, password_grant_form
from tests.simulator._support import InProcess, refresh_form, unlogged_urls


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def _header(token: str) -> dict[str, object]:
    part = token.split(".")[0]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


async def test_password_grant_returns_bearer_access_and_refresh_tokens(sim: InProcess) -> None:
    response = await sim.password_grant()
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "openid offline_access"
    assert body["refresh_token"]
    assert response.headers["cache-control"] == "no-store"
    assert _header(body["access_token"])["alg"] == "HS256"
    claims = _claims(body["access_token"])
    assert claims["sub"] == "demo@example.com"
    assert claims["cid"] == DEFAULT_CLIENT_ID
    assert isinstance(claims["exp"], int)
    assert isinstance(claims["iat"], int)
    assert claims["exp"] - claims["iat"] in (3600, 3601)
    assert sim.simulator.counters_snapshot()["token_requests"] == {"password": {"ok": 1}}


async def test_okta_path_with_an_authorization_server_id_works_like_the_real_url(sim: InProcess) -> None:
    response = await sim.http.post("/oauth2/aus3jzhulkrINTdnc356/v1/token", data=password_grant_form())
    assert response.status_code == 200
    assert response.json()["access_token"]


async def test_client_may_authenticate_with_http_basic_instead_of_form_fields(sim: InProcess) -> None:
    form = password_grant_form()
    del form["client_id"], form["client_secret"]
    response = await sim.http.post("/oauth2/v1/token", data=form, auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))
    assert response.status_code == 200


async def test_wrong_client_secret_is_invalid_client_401(sim: InProcess) -> None:
    response = await sim.password_grant(client_secret="wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert sim.simulator.counters_snapshot()["token_requests"] == {"password": {"invalid_client": 1}}


async def test_wrong_password_is_invalid_grant_400(sim: InProcess) -> None:
    response = await sim.password_grant(password="not-the-password")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "The credentials provided were invalid."}


async def test_missing_or_unknown_scope_is_invalid_scope(sim: InProcess) -> None:
    missing = await sim.password_grant(scope="")
    unknown = await sim.password_grant(scope="openid transactions/get")
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_scope")
    assert (unknown.status_code, unknown.json()["error"]) == (400, "invalid_scope")


async def test_without_offline_access_no_refresh_token_is_issued(sim: InProcess) -> None:
    body = (await sim.password_grant(scope="openid")).json()
    assert "refresh_token" not in body
    assert body["access_token"]


async def test_missing_and_unsupported_grant_types_are_counted_as_unknown(sim: InProcess) -> None:
    missing = await sim.http.post("/oauth2/v1/token", data={"client_id": DEFAULT_CLIENT_ID})
    unsupported = await sim.http.post("/oauth2/v1/token", data=password_grant_form(grant_type="authorization_code"))
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    assert (unsupported.status_code, unsupported.json()["error"]) == (400, "unsupported_grant_type")
    counted = sim.simulator.counters_snapshot()["token_requests"]
    assert counted == {"unknown": {"invalid_request": 1, "unsupported_grant_type": 1}}


async def test_refresh_grant_rotates_the_refresh_token(sim: InProcess) -> None:
    first = (await sim.password_grant()).json()
    refreshed = await sim.http.post("/oauth2/v1/token", data=refresh_form(first["refresh_token"]))
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    again = await sim.http.post("/oauth2/v1/token", data=refresh_form(second["refresh_token"]))
    assert again.status_code == 200


async def test_reused_refresh_token_revokes_the_family(sim: InProcess) -> None:
    first = (await sim.password_grant()).json()
    second = (await sim.http.post("/oauth2/v1/token", data=refresh_form(first["refresh_token"]))).json()
    newest_headers = {"Authorization": f"Bearer {second['access_token']}"}
    assert (await sim.http.get("/Version", headers=newest_headers)).status_code == 200

    reused = await sim.http.post("/oauth2/v1/token", data=refresh_form(first["refresh_token"]))
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    # The newest refresh token and every access token of the family stop working too.
    newest = await sim.http.post("/oauth2/v1/token", data=refresh_form(second["refresh_token"]))
    assert (newest.status_code, newest.json()["error"]) == (400, "invalid_grant")
    for access in (first["access_token"], second["access_token"]):
        assert (await sim.http.get("/Version", headers={"Authorization": f"Bearer {access}"})).status_code == 401
    # A fresh login (in the next second: four grants used this one's rate limit) starts a new family.
    sim.clock.advance(1)
    assert (await sim.password_grant()).status_code == 200


async def test_reuse_within_the_grace_period_is_accepted(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(refresh_reuse_grace=30.0)
    first = (await sim.password_grant()).json()
    await sim.http.post("/oauth2/v1/token", data=refresh_form(first["refresh_token"]))
    sim.clock.advance(10)
    within = await sim.http.post("/oauth2/v1/token", data=refresh_form(first["refresh_token"]))
    assert within.status_code == 200
    sim.clock.advance(31)
    after = await sim.http.post("/oauth2/v1/token", data=refresh_form(first["refresh_token"]))
    assert (after.status_code, after.json()["error"]) == (400, "invalid_grant")


async def test_refresh_token_of_another_client_or_unknown_is_invalid_grant(sim: InProcess) -> None:
    unknown = await sim.http.post("/oauth2/v1/token", data=refresh_form("no-such-token"))
    assert (unknown.status_code, unknown.json()["error"]) == (400, "invalid_grant")


async def test_password_grants_are_rate_limited_per_username_per_second(sim: InProcess) -> None:
    statuses = [(await sim.password_grant()).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    limited = await sim.password_grant()
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Limit"] == "4"
    assert limited.headers["X-Rate-Limit-Remaining"] == "0"
    assert int(limited.headers["X-Rate-Limit-Reset"]) == int(sim.clock.now) + 1
    assert "retry-after" not in limited.headers
    # Another username has its own budget; the next second restores this one's.
    other = await sim.password_grant(username="someone@example.com")
    assert (other.status_code, other.json()["error"]) == (400, "invalid_grant")
    sim.clock.advance(1)
    assert (await sim.password_grant()).status_code == 200
    assert sim.simulator.counters_snapshot()["token_requests"]["password"] == {
        "ok": 5,
        "rate_limited": 2,
        "invalid_grant": 1,
    }


async def test_refresh_grants_share_the_users_rate_limit(sim: InProcess) -> None:
    body = (await sim.password_grant()).json()
    token = body["refresh_token"]
    for _ in range(3):
        refreshed = await sim.http.post("/oauth2/v1/token", data=refresh_form(token))
        assert refreshed.status_code == 200
        token = refreshed.json()["refresh_token"]
    limited = await sim.http.post("/oauth2/v1/token", data=refresh_form(token))
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Remaining"] == "0"


async def test_cognito_client_credentials_with_basic_auth(sim: InProcess) -> None:
    response = await sim.http.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "transactions/get transactions/post"},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["token_type"] == "Bearer"
    assert sim.simulator.counters_snapshot()["token_requests"] == {"client_credentials": {"ok": 1}}


async def test_cognito_accepts_the_official_sdks_query_string_credentials_on_an_empty_post(sim: InProcess) -> None:
    # What plantpredict 1.0.24 sends: every field in the query string, a form content type, no body.
    with unlogged_urls():
        response = await sim.http.post(
            "/oauth2/token",
            params={
                "grant_type": "client_credentials",
                "scope": "transactions/post transactions/get",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
            },
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 200
    assert "refresh_token" not in response.json()


async def test_cognito_rejects_bad_clients_scopes_and_grants(sim: InProcess) -> None:
    bad_client = await sim.http.post(
        "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(DEFAULT_CLIENT_ID, "wrong")
    )
    bad_scope = await sim.http.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "openid"},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    password = await sim.http.post("/oauth2/token", data=password_grant_form())
    assert (bad_client.status_code, bad_client.json()["error"]) == (401, "invalid_client")
    assert (bad_scope.status_code, bad_scope.json()["error"]) == (400, "invalid_scope")
    assert (password.status_code, password.json()["error"]) == (400, "unsupported_grant_type")
    assert sim.simulator.counters_snapshot()["token_requests"] == {
        "client_credentials": {"invalid_client": 1, "invalid_scope": 1},
        "password": {"unsupported_grant_type": 1},
    }


async def test_token_lifetime_is_configurable(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(token_lifetime=90.0)
    body = (await sim.password_grant()).json()
    assert body["expires_in"] == 90
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    sim.clock.advance(89)
    assert (await sim.http.get("/Version", headers=headers)).status_code == 200
    sim.clock.advance(2)
    assert (await sim.http.get("/Version", headers=headers)).status_code == 401


async def test_the_per_user_rate_limit_is_configurable(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(token_rate_limit=2)
    statuses = [(await sim.password_grant()).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert (await sim.http.put("/_sim/config", json={"token_rate_limit": 5})).status_code == 200
    assert (await sim.password_grant()).status_code == 200
