"""The httpx clients ``connect()`` hands to the generated client: one boundary for concurrency,
retries, rate-limit cool-downs and typed errors.

Order of a request: take a concurrency slot (before any token is attached, so a thousand queued
requests do not each hold a token) -> wait out any rate-limit cool-down -> the auth flow attaches
the token and replays once after a 401 -> the transport -> retry decision -> typed error or the
response. Every retry decision is logged at DEBUG with the attempt number and the wait.

The decisions live in ``_Retries``, shared by the async and the sync client, which only wait and
send; they cannot drift apart.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
import threading
import warnings
from collections.abc import Callable
from typing import Any, Self

import httpx
from attrs import define, frozen

from . import _time
from ._errors import APIConnectionError, OutcomeUnknownError
from ._lean import LeanRequests
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
from ._translate import looks_like_html, scrubbed, status_error, undecodable, unreadable_body
from ._transport import BUFFER_EXTENSION, AiohttpAsyncClient

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


@frozen
class _Next:
    """What to do after an attempt: return the response, raise ``error``, or retry at ``retry_at``."""

    response: httpx.Response | None = None
    error: Exception | None = None
    cause: BaseException | None = None
    retry_at: float | None = None


def _warn_x_message(response: httpx.Response) -> None:
    message = response.headers.get("x-message")
    if message:
        request = response.request
        warnings.warn(PlantPredictWarning(f"{request.method} {request.url.path}: {message}"), stacklevel=5)


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


def _connection_error(request: httpx.Request, exc: httpx.RequestError, unknown: bool) -> APIConnectionError:
    method, path = request.method, request.url.path
    if unknown:
        return OutcomeUnknownError(
            f"{method} {path}: the request was sent but its answer was lost ({type(exc).__name__}); "
            "it may or may not have taken effect: look it up before sending it again",
            request_method=method,
            request_path=path,
        )
    return APIConnectionError(f"{method} {path}: {type(exc).__name__}: {exc}", request_method=method, request_path=path)


class _Retries:
    """The retry and error decisions of one client (pure: no waiting, no sending)."""

    def __init__(self, policy: RetryPolicy, stats: ClientStats, seed: int | None) -> None:
        self.policy = policy
        self.stats = stats
        self.rng = random.Random(seed)
        self.gate = RateLimitGate(policy, self.rng)

    def start_at(self) -> float | None:
        """When the next attempt may leave: after the cool-down, if one runs."""
        return self.gate.until + self.gate.spread() if self.gate.remaining() > 0 else None

    def after_error(self, request: httpx.Request, exc: httpx.RequestError, attempt: int) -> _Next:
        method, path = request.method, request.url.path
        if not isinstance(exc, httpx.TransportError):  # a body that cannot be decoded, too many redirects
            if isinstance(exc, httpx.DecodingError):
                error: Exception = undecodable(request, exc)
            else:
                error = _connection_error(request, exc, unknown=False)
            return _Next(error=error, cause=exc)
        verdict = classify_error(method, exc)
        if should_retry(self.policy, verdict, attempt):
            wait = retry_delay(self.policy, attempt, None, self.rng)
            self.stats.retries += 1
            log.debug(
                "%s %s failed (%s), attempt %d: retrying in %.2fs", method, path, type(exc).__name__, attempt, wait
            )
            return _Next(retry_at=_time.now() + wait)
        return _Next(error=_connection_error(request, exc, verdict is Verdict.OUTCOME_UNKNOWN), cause=exc)

    def after_response(self, response: httpx.Response, attempt: int, sent_at: float, streamed: bool) -> _Next:
        """``response``'s body has been read unless it is a streamed success."""
        request = response.request
        method, path = request.method, request.url.path
        verdict = classify_response(self.policy, method, response.status_code)
        if verdict is Verdict.OK:
            self.gate.on_success()
            if streamed:
                _warn_x_message(response)  # the caller reads the stream; nothing else to check yet
                return _Next(response=response)
            return self._checked(response)
        retry_after = parse_retry_after(response.headers, _time.now())
        retrying = should_retry(self.policy, verdict, attempt)
        if verdict is Verdict.RETRY_RATE_LIMITED:
            self.stats.rate_limited += 1
            # Even the last attempt's 429 starts a cool-down: the other requests must not pile on.
            until, started = self.gate.on_rate_limited(retry_after, sent_at)
            self.stats.cooldowns += int(started)
            log.debug(
                "%s %s answered 429, attempt %d: %s a cool-down, %.2fs left%s",
                method,
                path,
                attempt,
                "starting" if started else "joining",
                until - _time.now(),
                "" if retrying else "; giving up",
            )
            if retrying:
                self.stats.retries += 1
                return _Next(retry_at=until)
            return self._checked(response)
        if retrying:
            wait = retry_delay(self.policy, attempt, retry_after, self.rng)
            self.stats.retries += 1
            log.debug(
                "%s %s answered %d, attempt %d: retrying in %.2fs", method, path, response.status_code, attempt, wait
            )
            return _Next(retry_at=_time.now() + wait)
        log.debug("%s %s answered %d, attempt %d: not retrying", method, path, response.status_code, attempt)
        return self._checked(response)

    @staticmethod
    def _checked(response: httpx.Response) -> _Next:
        """The one place an answer becomes a typed error (the body has been read by now)."""
        if response.status_code >= 400:
            return _Next(error=status_error(response))
        if 200 <= response.status_code < 300 and looks_like_html(response):
            why = "it is an HTML page, not the API's JSON (a proxy, gateway or sign-in page?)"
            return _Next(error=unreadable_body(response, why))
        _warn_x_message(response)
        _guard_json(response)
        return _Next(response=response)


def _raise(decision: _Next) -> None:
    assert decision.error is not None
    if isinstance(decision.cause, httpx.HTTPError):
        # Chained to a copy without the request, whose headers hold the bearer token.
        raise decision.error from scrubbed(decision.cause)
    raise decision.error


class _BoundaryState:
    """What both clients keep: the policy, the statistics and the retry decisions."""

    def __init__(self, retry: RetryPolicy | None, max_concurrency: int, seed: int | None) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.retry_policy = retry or RetryPolicy()
        self.max_concurrency = max_concurrency
        self.stats = ClientStats()
        self._retries = _Retries(self.retry_policy, self.stats, seed)
        self.gate = self._retries.gate

    # -- views (client.with_options): another retry policy and timeout, everything else shared --

    def _share_boundary(self, origin: _BoundaryState, retry: RetryPolicy) -> None:
        """Decide retries by ``retry``, and count, cool down and limit with ``origin``: one account,
        one 429 cool-down, one concurrency limit, one set of statistics."""
        self.retry_policy = retry
        self.stats = origin.stats
        self._retries = _Retries(retry, origin.stats, None)
        self._retries.gate = self.gate = origin.gate


class PlantPredictAsyncClient(LeanRequests, AiohttpAsyncClient, _BoundaryState):
    """``httpx.AsyncClient`` with PlantPredict's concurrency limit, retries and typed errors, on
    aiohttp's connection pool (``AiohttpTransport``) unless a transport is given."""

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 16,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        _BoundaryState.__init__(self, retry, max_concurrency, seed)  # validates before any pool exists
        super().__init__(**kwargs)
        self._lean_setup()
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None
        self._view_of: PlantPredictAsyncClient | None = None

    def view(self, *, retry: RetryPolicy | None = None, timeout: httpx.Timeout | None = None) -> Self:
        """This client with its own retry policy and timeout, sharing its connections, token,
        concurrency limit, 429 cool-down and statistics. Close the original only, never a view."""
        view = copy.copy(self)
        view._share_boundary(self, retry or self.retry_policy)
        view._view_of = self._view_of or self
        view.headers = self.headers  # a copy: headers set on one are not the other's
        if timeout is not None:
            view.timeout = timeout
        return view

    def _semaphore(self) -> asyncio.Semaphore:
        if self._view_of is not None:
            return self._view_of._semaphore()
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
        streamed = bool(kwargs.get("stream"))
        if not streamed:
            request.extensions[BUFFER_EXTENSION] = True
        attempt = 0
        while True:
            attempt += 1
            start_at = self._retries.start_at()
            if start_at is not None:
                await _time.sleep_until(start_at)
            self.stats.attempts += 1
            sent_at = _time.now()
            try:
                response = await super().send(request, **kwargs)
                if streamed and response.status_code >= 400:
                    await response.aread()  # inside the try: a broken error body is a transport failure
            except httpx.RequestError as exc:
                decision = self._retries.after_error(request, exc, attempt)
            else:
                decision = self._retries.after_response(response, attempt, sent_at, streamed)
                if decision.response is None:
                    await response.aclose()
            if decision.response is not None:
                return decision.response
            if decision.error is not None:
                _raise(decision)
            assert decision.retry_at is not None
            await _time.sleep_until(decision.retry_at)


class PlantPredictClient(LeanRequests, httpx.Client, _BoundaryState):
    """The synchronous twin of ``PlantPredictAsyncClient`` (for the generated ``sync`` functions)."""

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 16,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        _BoundaryState.__init__(self, retry, max_concurrency, seed)  # validates before any pool exists
        super().__init__(**kwargs)
        self._lean_setup()
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._count = threading.Lock()

    def view(self, *, retry: RetryPolicy | None = None, timeout: httpx.Timeout | None = None) -> Self:
        """Like ``PlantPredictAsyncClient.view``: the slots and their lock are shared by the copy."""
        view = copy.copy(self)
        view._share_boundary(self, retry or self.retry_policy)
        view.headers = self.headers
        if timeout is not None:
            view.timeout = timeout
        return view

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        with self._slots:
            with self._count:
                self.stats.requests += 1
                self.stats.in_flight += 1
                self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.stats.in_flight)
            try:
                return self._send_with_retries(request, **kwargs)
            finally:
                with self._count:
                    self.stats.in_flight -= 1

    def _send_with_retries(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        streamed = bool(kwargs.get("stream"))
        attempt = 0
        while True:
            attempt += 1
            start_at = self._retries.start_at()
            if start_at is not None:
                _time.sleep_sync(start_at - _time.now())
            self.stats.attempts += 1
            sent_at = _time.now()
            try:
                response = super().send(request, **kwargs)
                if streamed and response.status_code >= 400:
                    response.read()
            except httpx.RequestError as exc:
                decision = self._retries.after_error(request, exc, attempt)
            else:
                decision = self._retries.after_response(response, attempt, sent_at, streamed)
                if decision.response is None:
                    response.close()
            if decision.response is not None:
                return decision.response
            if decision.error is not None:
                _raise(decision)
            assert decision.retry_at is not None
            _time.sleep_sync(decision.retry_at - _time.now())
