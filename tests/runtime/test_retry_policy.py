"""The retry rules as pure functions."""

from __future__ import annotations

import random

import httpx
import pytest

from plantpredict_auth import RetryPolicy
from plantpredict_auth._retry import (
    Verdict,
    classify_error,
    classify_response,
    parse_retry_after,
    rate_limit_delay,
    retry_delay,
    should_retry,
)

POLICY = RetryPolicy()


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_429_is_retried_for_every_method(method: str) -> None:
    assert classify_response(POLICY, method, 429) is Verdict.RETRY_RATE_LIMITED


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_idempotent_requests_retry_server_errors_but_posts_do_not(status: int) -> None:
    assert classify_response(POLICY, "GET", status) is Verdict.RETRY_TRANSIENT
    assert classify_response(POLICY, "PUT", status) is Verdict.RETRY_TRANSIENT
    assert classify_response(POLICY, "POST", status) is Verdict.FAIL


def test_client_errors_are_never_retried() -> None:
    for status in (400, 403, 404, 409):
        assert classify_response(POLICY, "GET", status) is Verdict.FAIL


def test_a_post_is_retried_only_when_it_provably_never_left() -> None:
    request = httpx.Request("POST", "http://x/Project")
    assert classify_error("POST", httpx.ConnectError("refused", request=request)) is Verdict.RETRY_TRANSIENT
    assert classify_error("POST", httpx.ConnectTimeout("slow", request=request)) is Verdict.RETRY_TRANSIENT
    assert classify_error("POST", httpx.PoolTimeout("busy", request=request)) is Verdict.RETRY_TRANSIENT
    for lost in (httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteTimeout):
        assert classify_error("POST", lost("lost", request=request)) is Verdict.OUTCOME_UNKNOWN
        assert classify_error("GET", lost("lost", request=request)) is Verdict.RETRY_TRANSIENT


def test_attempts_are_bounded_per_kind() -> None:
    assert should_retry(POLICY, Verdict.RETRY_TRANSIENT, 2)
    assert not should_retry(POLICY, Verdict.RETRY_TRANSIENT, 3)
    assert should_retry(POLICY, Verdict.RETRY_RATE_LIMITED, 5)
    assert not should_retry(POLICY, Verdict.RETRY_RATE_LIMITED, 6)
    assert not should_retry(POLICY, Verdict.OUTCOME_UNKNOWN, 1)
    assert not should_retry(RetryPolicy.none(), Verdict.RETRY_RATE_LIMITED, 1)


def test_retry_after_headers_are_read_in_every_form() -> None:
    now = 1_800_000_000.0
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "1500"}), now) == 1.5
    assert parse_retry_after(httpx.Headers({"Retry-After": "7"}), now) == 7.0
    dated = parse_retry_after(httpx.Headers({"Retry-After": "Fri, 15 Jan 2027 08:00:10 GMT"}), 1_799_999_990.0)
    assert dated == 20.0
    assert parse_retry_after(httpx.Headers({"Retry-After": "soon"}), now) is None
    assert parse_retry_after(httpx.Headers({}), now) is None


def test_rate_limit_cool_downs_start_at_30s_double_and_cap() -> None:
    rng = random.Random(0)
    policy = RetryPolicy(jitter=0.0)
    assert rate_limit_delay(policy, 1, None, rng) == 30.0
    assert rate_limit_delay(policy, 2, None, rng) == 60.0
    assert rate_limit_delay(policy, 10, None, rng) == policy.rate_limit_max
    assert rate_limit_delay(policy, 1, 5.0, rng) == 5.0
    assert rate_limit_delay(policy, 1, 10_000.0, rng) == policy.retry_after_max


def test_transient_backoff_is_short_capped_and_jittered() -> None:
    rng = random.Random(0)
    waits = [retry_delay(POLICY, attempt, None, rng) for attempt in range(1, 8)]
    assert 0.5 <= waits[0] <= 0.5 * 1.25
    assert all(w <= POLICY.backoff_max * 1.25 for w in waits)
    assert waits[-1] >= POLICY.backoff_max
