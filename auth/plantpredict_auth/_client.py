"""The httpx clients ``connect()`` hands to the generated client: one boundary for concurrency,
retries, rate-limit cool-downs and typed errors.

Order of a request: take a concurrency slot (before any token is attached, so a thousand queued
requests do not each hold a token) -> wait out any rate-limit cool-down -> the auth flow attaches
the token and replays once after a 401 -> the transport -> retry decision -> typed error or the
response. Every retry decision is logged at DEBUG with the attempt number and the wait.

The decisions live in ``_decisions.Retries``, shared by the async and the sync client, which only
wait and send; they cannot drift apart.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from typing import Any, Self

import httpx

from . import _time
from ._decisions import ClientStats, Retries, raise_error
from ._lean import LeanRequests
from ._retry import Attempts, RetryPolicy
from ._transport import BUFFER_EXTENSION, AiohttpAsyncClient


class _BoundaryState:
    """What both clients keep: the policy, the statistics and the retry decisions."""

    def __init__(self, retry: RetryPolicy | None, max_concurrency: int, seed: int | None) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.retry_policy = retry or RetryPolicy()
        self.max_concurrency = max_concurrency
        self.stats = ClientStats()
        self._retries = Retries(self.retry_policy, self.stats, seed)
        self.gate = self._retries.gate

    # -- views (client.with_options): another retry policy and timeout, everything else shared --

    def _share_boundary(self, origin: _BoundaryState, retry: RetryPolicy) -> None:
        """Decide retries by ``retry``, and count, cool down and limit with ``origin``: one account,
        one 429 cool-down, one concurrency limit, one set of statistics."""
        self.retry_policy = retry
        self.stats = origin.stats
        self._retries = Retries(retry, origin.stats, None)
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
        attempts = Attempts(started=_time.now())
        while True:
            # Until no cool-down runs: one may start (here or, shared, elsewhere) during the wait.
            while (start_at := self._retries.start_at(attempts)) is not None:
                if isinstance(start_at, float):
                    await _time.sleep_until(start_at)
                else:  # shielded: a cancelled request leaves the claim to the others
                    try:
                        await asyncio.shield(asyncio.wrap_future(start_at))
                    except asyncio.CancelledError:
                        self._retries.gate.claim_abandoned(start_at)
                        raise
            self.stats.attempts += 1
            attempts.sent += 1
            sent_at = _time.now()
            try:
                response = await super().send(request, **kwargs)
                if streamed and response.status_code >= 400:
                    await response.aread()  # inside the try: a broken error body is a transport failure
            except httpx.RequestError as exc:
                decision = self._retries.after_error(request, exc, attempts)
            except BaseException:  # cancelled: if this was the probe after a cool-down, free it now
                self._retries.abandoned(attempts)
                raise
            else:
                decision = self._retries.after_response(response, attempts, sent_at, streamed)
                if decision.response is None:
                    await response.aclose()
            if decision.response is not None:
                return decision.response
            if decision.error is not None:
                raise_error(decision)
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
        attempts = Attempts(started=_time.now())
        while True:
            while (start_at := self._retries.start_at(attempts)) is not None:
                if isinstance(start_at, float):
                    _time.sleep_sync(start_at - _time.now())
                else:
                    start_at.result()
            self.stats.attempts += 1
            attempts.sent += 1
            sent_at = _time.now()
            try:
                response = super().send(request, **kwargs)
                if streamed and response.status_code >= 400:
                    response.read()
            except httpx.RequestError as exc:
                decision = self._retries.after_error(request, exc, attempts)
            except BaseException:  # interrupted: if this was the probe after a cool-down, free it now
                self._retries.abandoned(attempts)
                raise
            else:
                decision = self._retries.after_response(response, attempts, sent_at, streamed)
                if decision.response is None:
                    response.close()
            if decision.response is not None:
                return decision.response
            if decision.error is not None:
                raise_error(decision)
            assert decision.retry_at is not None
            _time.sleep_sync(decision.retry_at - _time.now())
