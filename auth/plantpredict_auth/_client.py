"""The httpx clients ``connect()`` hands to the generated client: one boundary for concurrency,
retries, rate-limit cool-downs and typed errors.

Order of a request: take a concurrency slot (before any token is attached, so a thousand queued
requests do not each hold a token) -> wait out any rate-limit cool-down -> the auth flow attaches
the token and replays once after a 401 -> the transport -> retry decision -> typed error or the
response. Every retry decision is logged at DEBUG with the attempt number and the wait.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import warnings
from collections.abc import Callable
from typing import Any

import httpx
from attrs import define

from . import _time
from ._errors import APIConnectionError, OutcomeUnknownError
from ._retry import (
    RetryPolicy,
    Verdict,
    classify_error,
    classify_response,
    parse_retry_after,
    rate_limit_delay,
    retry_delay,
    should_retry,
)
from ._translate import looks_like_html, status_error, unreadable_body

log = logging.getLogger("plantpredict_auth.http")


class PlantPredictWarning(UserWarning):
    """A non-blocking warning from the API (its ``X-Message`` header), e.g. a duplicate project name."""


@define
class ClientStats:
    """What the boundary did: attempts, retries and cool-downs."""

    requests: int = 0
    attempts: int = 0
    retries: int = 0
    rate_limited: int = 0
    cooldowns: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0


class RateLimitGate:
    """One cool-down shared by every request of a client: after a 429, requests already queued and
    new ones alike wait until it ends instead of piling on. Consecutive cool-downs (a 429 again
    soon after one ended, with no success between) double, up to the policy's cap.

    Only a request sent after the last cool-down ended can start a new one: a 429 for a request
    that was already on its way says nothing new, so the requests in flight when the limit hit
    share one cool-down however their answers are spread in time."""

    def __init__(self, policy: RetryPolicy, rng: random.Random) -> None:
        self.policy = policy
        self.rng = rng
        self.until = 0.0
        self.consecutive = 0
        self.windows = 0
        self._lock = threading.Lock()

    def on_rate_limited(self, retry_after: float | None, sent_at: float) -> tuple[float, bool]:
        """Start (or join) a cool-down; returns (its end, whether this call started it)."""
        with self._lock:
            now = _time.now()
            if now < self.until or sent_at < self.until:
                return self.until, False
            self.consecutive += 1
            self.windows += 1
            self.until = now + rate_limit_delay(self.policy, self.consecutive, retry_after, self.rng)
            return self.until, True

    def on_success(self) -> None:
        if self.consecutive and _time.now() >= self.until:
            self.consecutive = 0

    def remaining(self) -> float:
        return max(0.0, self.until - _time.now())

    def spread(self) -> float:
        """A small random delay after a cool-down, so the queued requests do not all leave at once."""
        return self.rng.uniform(0.0, 1.0)


def _warn_x_message(response: httpx.Response) -> None:
    message = response.headers.get("x-message")
    if message:
        request = response.request
        warnings.warn(PlantPredictWarning(f"{request.method} {request.url.path}: {message}"), stacklevel=4)


def _guard_json(response: httpx.Response) -> None:
    """Make ``response.json()`` raise ``APIResponseError`` for a body that is not JSON (truncated,
    empty, or text), so the generated parsers never raise ``JSONDecodeError`` at the caller."""
    original: Callable[..., Any] = response.json

    def json(**kwargs: Any) -> Any:
        try:
            return original(**kwargs)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise unreadable_body(response, f"its body is not valid JSON ({exc})") from exc

    response.json = json  # type: ignore[method-assign]  # the generated code calls response.json()


def _check(response: httpx.Response) -> httpx.Response:
    """The one place an answer becomes a typed error (the body has been read by now)."""
    if response.status_code >= 400:
        raise status_error(response)
    if 200 <= response.status_code < 300 and looks_like_html(response):
        raise unreadable_body(response, "it is an HTML page, not the API's JSON (a proxy, gateway or sign-in page?)")
    _warn_x_message(response)
    _guard_json(response)
    return response


def _connection_error(request: httpx.Request, exc: httpx.TransportError, unknown: bool) -> APIConnectionError:
    method, path = request.method, request.url.path
    if unknown:
        return OutcomeUnknownError(
            f"{method} {path}: the request was sent but its answer was lost ({type(exc).__name__}); "
            "it may or may not have taken effect: look it up before sending it again",
            request_method=method,
            request_path=path,
        )
    return APIConnectionError(f"{method} {path}: {type(exc).__name__}: {exc}", request_method=method, request_path=path)


class PlantPredictAsyncClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` with PlantPredict's concurrency limit, retries and typed errors."""

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 16,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.retry_policy = retry or RetryPolicy()
        self.max_concurrency = max_concurrency
        self.stats = ClientStats()
        self._rng = random.Random(seed)
        self.gate = RateLimitGate(self.retry_policy, self._rng)
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots_loop is not loop:
            self._slots, self._slots_loop = asyncio.Semaphore(self.max_concurrency), loop
        return self._slots

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        self.stats.requests += 1
        async with self._semaphore():
            self.stats.in_flight += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.stats.in_flight)
            try:
                return await self._send_with_retries(request, **kwargs)
            finally:
                self.stats.in_flight -= 1

    async def _send_with_retries(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        policy = self.retry_policy
        method, path = request.method, request.url.path
        attempt = 0
        while True:
            attempt += 1
            if self.gate.remaining() > 0:
                await _time.sleep_until(self.gate.until)
                await _time.sleep(self.gate.spread())
            self.stats.attempts += 1
            sent_at = _time.now()
            try:
                response = await super().send(request, **kwargs)
            except httpx.TransportError as exc:
                verdict = classify_error(method, exc)
                if should_retry(policy, verdict, attempt):
                    wait = retry_delay(policy, attempt, None, self._rng)
                    self.stats.retries += 1
                    log.debug(
                        "%s %s failed (%s), attempt %d: retrying in %.2fs",
                        method,
                        path,
                        type(exc).__name__,
                        attempt,
                        wait,
                    )
                    await _time.sleep(wait)
                    continue
                raise _connection_error(request, exc, verdict is Verdict.OUTCOME_UNKNOWN) from exc
            verdict = classify_response(policy, method, response.status_code)
            if verdict is Verdict.OK:
                self.gate.on_success()
                if kwargs.get("stream"):
                    _warn_x_message(response)
                    return response  # the caller reads the stream; nothing to check yet
                return _check(response)
            if should_retry(policy, verdict, attempt):
                await response.aread()
                await response.aclose()
                retry_after = parse_retry_after(response.headers, _time.now())
                self.stats.retries += 1
                if verdict is Verdict.RETRY_RATE_LIMITED:
                    self.stats.rate_limited += 1
                    until, started = self.gate.on_rate_limited(retry_after, sent_at)
                    if started:
                        self.stats.cooldowns += 1
                    log.debug(
                        "%s %s answered 429, attempt %d: %s cool-down, %.2fs left",
                        method,
                        path,
                        attempt,
                        "starting a" if started else "joining the",
                        until - _time.now(),
                    )
                    continue
                wait = retry_delay(policy, attempt, retry_after, self._rng)
                log.debug(
                    "%s %s answered %d, attempt %d: retrying in %.2fs",
                    method,
                    path,
                    response.status_code,
                    attempt,
                    wait,
                )
                await _time.sleep(wait)
                continue
            if kwargs.get("stream"):
                await response.aread()
            if response.status_code == 429:
                self.stats.rate_limited += 1
            log.debug("%s %s answered %d, attempt %d: not retrying", method, path, response.status_code, attempt)
            return _check(response)


class PlantPredictClient(httpx.Client):
    """The synchronous twin of ``PlantPredictAsyncClient`` (for the generated ``sync`` functions)."""

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 16,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.retry_policy = retry or RetryPolicy()
        self.max_concurrency = max_concurrency
        self.stats = ClientStats()
        self._rng = random.Random(seed)
        self.gate = RateLimitGate(self.retry_policy, self._rng)
        self._slots = threading.BoundedSemaphore(max_concurrency)

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        self.stats.requests += 1
        with self._slots:
            return self._send_with_retries(request, **kwargs)

    def _send_with_retries(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        policy = self.retry_policy
        method, path = request.method, request.url.path
        attempt = 0
        while True:
            attempt += 1
            remaining = self.gate.remaining()
            if remaining > 0:
                _time.sleep_sync(remaining + self.gate.spread())
            self.stats.attempts += 1
            sent_at = _time.now()
            try:
                response = super().send(request, **kwargs)
            except httpx.TransportError as exc:
                verdict = classify_error(method, exc)
                if should_retry(policy, verdict, attempt):
                    wait = retry_delay(policy, attempt, None, self._rng)
                    self.stats.retries += 1
                    log.debug(
                        "%s %s failed (%s), attempt %d: retrying in %.2fs",
                        method,
                        path,
                        type(exc).__name__,
                        attempt,
                        wait,
                    )
                    _time.sleep_sync(wait)
                    continue
                raise _connection_error(request, exc, verdict is Verdict.OUTCOME_UNKNOWN) from exc
            verdict = classify_response(policy, method, response.status_code)
            if verdict is Verdict.OK:
                self.gate.on_success()
                if kwargs.get("stream"):
                    _warn_x_message(response)
                    return response  # the caller reads the stream; nothing to check yet
                return _check(response)
            if should_retry(policy, verdict, attempt):
                response.read()
                response.close()
                retry_after = parse_retry_after(response.headers, _time.now())
                self.stats.retries += 1
                if verdict is Verdict.RETRY_RATE_LIMITED:
                    self.stats.rate_limited += 1
                    _, started = self.gate.on_rate_limited(retry_after, sent_at)
                    self.stats.cooldowns += int(started)
                    log.debug(
                        "%s %s answered 429, attempt %d: cooling down %.2fs",
                        method,
                        path,
                        attempt,
                        self.gate.remaining(),
                    )
                    continue
                wait = retry_delay(policy, attempt, retry_after, self._rng)
                log.debug(
                    "%s %s answered %d, attempt %d: retrying in %.2fs",
                    method,
                    path,
                    response.status_code,
                    attempt,
                    wait,
                )
                _time.sleep_sync(wait)
                continue
            if kwargs.get("stream"):
                response.read()
            log.debug("%s %s answered %d, attempt %d: not retrying", method, path, response.status_code, attempt)
            return _check(response)
