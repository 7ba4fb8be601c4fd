"""One token acquisition, decision by decision, against scripted token-server answers."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from plantpredict_auth import (
    AuthenticationError,
    ClientCredentials,
    PasswordCredentials,
    TokenEndpointError,
    TokenSettings,
)
from plantpredict_auth._token_flow import Token, TokenFlow, Wait

OKTA = PasswordCredentials(
    "ana@example.com", "pw-value", "client-1", "secret-value", token_url="http://127.0.0.1:9/oauth2/v1/token"
)
COGNITO = ClientCredentials("client-2", "secret-2", token_url="http://127.0.0.1:9/oauth2/token")
OK = {"access_token": "access-1", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "refresh-2"}


def run(
    flow_owner: TokenFlow, answer: Callable[[httpx.Request], httpx.Response | Exception]
) -> tuple[Token, list[object]]:
    """Drive a flow with scripted answers; returns the token and every step it took."""
    steps: list[object] = []
    flow = flow_owner.run()
    try:
        step = next(flow)
        while True:
            steps.append(step)
            if isinstance(step, Wait):
                step = flow.send(None)
                continue
            reply = answer(step)
            if isinstance(reply, Exception):
                step = flow.throw(reply)
                continue
            reply.request = step  # as httpx does for every real response
            step = flow.send(reply)
    except StopIteration as stop:
        return stop.value, steps


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def flow(credentials: PasswordCredentials | ClientCredentials, refresh: str | None = None) -> TokenFlow:
    return TokenFlow(credentials, refresh_token=refresh, settings=TokenSettings(), rng=random.Random(1), outcomes={})


def test_password_grant_sends_the_okta_form_with_the_client_secret_in_the_body() -> None:
    token, steps = run(flow(OKTA), lambda r: httpx.Response(200, json=OK))
    (request,) = steps
    assert isinstance(request, httpx.Request)
    assert form(request) == {
        "grant_type": "password",
        "username": "ana@example.com",
        "password": "pw-value",
        "scope": "openid offline_access",
        "client_id": "client-1",
        "client_secret": "secret-value",
    }
    assert "authorization" not in request.headers
    assert token.access_token == "access-1"
    assert token.refresh_token == "refresh-2"
    assert token.expires_at - token.issued_at == pytest.approx(3600)


def test_client_credentials_use_http_basic_and_no_secret_in_the_body() -> None:
    _, steps = run(flow(COGNITO), lambda r: httpx.Response(200, json={"access_token": "a", "expires_in": 60}))
    (request,) = steps
    assert isinstance(request, httpx.Request)
    assert form(request) == {"grant_type": "client_credentials", "scope": "transactions/get transactions/post"}
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"client-2:secret-2").decode()


def test_a_refused_refresh_token_leads_to_exactly_one_password_login() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if form(request)["grant_type"] == "refresh_token":
            return httpx.Response(
                400, json={"error": "invalid_grant", "error_description": "The refresh token is invalid."}
            )
        return httpx.Response(200, json=OK)

    owner = flow(OKTA, refresh="refresh-1")
    token, steps = run(owner, answer)
    grants = [form(s)["grant_type"] for s in steps if isinstance(s, httpx.Request)]
    assert grants == ["refresh_token", "password"]
    assert token.access_token == "access-1"
    assert owner.outcomes == {("refresh_token", "invalid_grant"): 1, ("password", "ok"): 1}


@pytest.mark.parametrize("error", ["invalid_grant", "invalid_client", "invalid_scope"])
def test_rejected_credentials_fail_at_once_without_retrying(error: str) -> None:
    status = 401 if error == "invalid_client" else 400
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(status, json={"error": error, "error_description": "Rejected."})

    with pytest.raises(AuthenticationError) as caught:
        run(flow(OKTA), answer)
    assert len(calls) == 1
    assert caught.value.error == error
    assert "pw-value" not in str(caught.value)
    assert "secret-value" not in str(caught.value)


def test_a_rate_limited_token_endpoint_is_waited_out_until_its_reset() -> None:
    from plantpredict_auth import _time

    answers = iter(
        [
            httpx.Response(
                429,
                headers={
                    "X-Rate-Limit-Limit": "4",
                    "X-Rate-Limit-Remaining": "0",
                    "X-Rate-Limit-Reset": str(int(_time.now()) + 3),
                },
            ),
            httpx.Response(200, json=OK),
        ]
    )
    _, steps = run(flow(OKTA), lambda r: next(answers))
    waits = [s for s in steps if isinstance(s, Wait)]
    assert len(waits) == 1
    assert 2.0 <= waits[0].seconds <= 3.5


@pytest.mark.parametrize("header", ["retry-after", "retry-after-ms"])
def test_the_token_endpoint_honours_the_same_retry_after_forms_as_the_api(header: str) -> None:
    """One retry engine: an HTTP-date Retry-After and retry-after-ms mean to the token flow what they
    mean to the API's retries (``_retry.parse_retry_after``)."""
    import email.utils

    from plantpredict_auth import _time

    value = email.utils.formatdate(_time.now() + 20, usegmt=True) if header == "retry-after" else "20000"
    answers = iter([httpx.Response(429, headers={header: value}), httpx.Response(200, json=OK)])
    _, steps = run(flow(OKTA), lambda r: next(answers))
    (wait,) = [s for s in steps if isinstance(s, Wait)]
    assert 18.0 <= wait.seconds <= 20.0 * 1.25 + 1.0  # the date is whole seconds; jitter on top


def test_server_errors_are_retried_a_few_times_then_reported() -> None:
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, text="Service Unavailable")

    with pytest.raises(TokenEndpointError, match="answered 503 4 times"):
        run(flow(COGNITO), answer)
    assert len(calls) == 4


def test_an_html_page_with_status_200_is_not_a_token() -> None:
    answers = iter([httpx.Response(200, html="<html>Sign in</html>"), httpx.Response(200, json=OK)])
    token, steps = run(flow(OKTA), lambda r: next(answers))
    assert token.access_token == "access-1"
    assert sum(isinstance(s, Wait) for s in steps) == 1


def test_a_lost_refresh_answer_never_presents_that_refresh_token_again() -> None:
    presented: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response | Exception:
        fields = form(request)
        presented.append(fields["grant_type"])
        if fields["grant_type"] == "refresh_token":
            return httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=OK)

    run(flow(OKTA, refresh="refresh-1"), answer)
    assert presented == ["refresh_token", "password"]


def test_a_connection_refused_is_retried_because_nothing_was_sent() -> None:
    answers: list[httpx.Response | Exception] = [httpx.ConnectError("refused"), httpx.Response(200, json=OK)]
    token, steps = run(flow(COGNITO), lambda r: answers.pop(0))
    assert token.access_token == "access-1"
    assert sum(isinstance(s, httpx.Request) for s in steps) == 2
