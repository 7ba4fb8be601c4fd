"""The token manager: when to go to the token server, and making sure only one caller does.

- Single flight: however many tasks need a token, one token request is made; every waiter gets
  the same token or an error of the same kind. A failure is remembered (briefly for an outage; for
  rejected credentials until ``reset()``), so thousands of waiters, and the background refresh, do
  not each hit the token server: retrying rejected credentials is how accounts get locked.
- Refresh ahead: once a token has lived ``refresh_at`` of its lifetime (75%, as Cognito advises),
  the next caller starts a refresh in the background and still leaves with the current token, so
  in steady state no request waits. No request leaves with a token inside the leeway.
- Inside the store's lock (a process lock in memory, a cross-process lock in Redis) the store is
  read again first: another task, manager or process may have just refreshed, and the store holds
  the latest refresh token. A refresh token is therefore never presented twice, which with Okta's
  rotation would revoke the whole family.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import math
import random
import threading
from collections.abc import Mapping
from typing import Any

import httpx
from attrs import define, evolve, field

from . import _time
from ._credentials import Credentials
from ._errors import AuthenticationError
from ._stores import MemoryTokenStore, TokenStore
from ._token_flow import Flow, Token, TokenFlow, TokenSettings, Wait

log = logging.getLogger("plantpredict_auth.tokens")

#: After a failed background refresh (the current token still works), try again this much later.
AHEAD_RETRY_DELAY = 5.0


@define
class TokenStats:
    """What the manager did, for tests, benchmarks and dashboards."""

    #: Token requests sent, per (grant, outcome): ("password", "ok"), ("refresh_token", "invalid_grant")...
    token_requests: dict[tuple[str, str], int] = field(factory=dict)
    #: Acquisitions (each may be several token requests: a refused refresh, then a login).
    acquisitions: int = 0
    #: get_token calls answered with the current token at once.
    served: int = 0
    #: get_token calls that had to wait for a token request (zero in steady state).
    waited: int = 0
    #: Refreshes started ahead of need, in the background.
    refreshed_ahead: int = 0
    #: Requests replayed after a 401.
    replayed: int = 0

    @property
    def total_token_requests(self) -> int:
        return sum(self.token_requests.values())


@define
class _Failure:
    error: BaseException
    until: float

    def fresh(self) -> BaseException:
        """A new instance for each caller: one shared exception object would grow its traceback
        with every raise and keep every caller's frames alive."""
        clone = copy.copy(self.error)
        clone.__traceback__ = None
        return clone


class _KeepOpen(httpx.AsyncBaseTransport):
    """A transport lent to the token client: closing the token client must not close it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)


class _KeepOpenSync(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)


class TokenManager:
    """Bearer tokens for one identity, for any number of concurrent requests.

    ``transport`` / ``sync_transport`` carry the token requests (tests and the simulator pass an
    in-process transport; by default httpx's own connection pool is used). ``http_options`` are
    further ``httpx.AsyncClient`` / ``httpx.Client`` settings for the token requests (``verify``,
    ``cert``, ``trust_env``, ``proxy``, ``mounts``: ``connect()`` passes the API client's). ``store`` shares tokens
    (``MemoryTokenStore`` by default; ``RedisTokenStore`` across processes and machines).
    ``auth_failure_ttl``: how long rejected credentials are remembered (``None``: until ``reset()``).
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        store: TokenStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sync_transport: httpx.BaseTransport | None = None,
        http_options: Mapping[str, Any] | None = None,
        leeway: float = 60.0,
        refresh_at: float = 0.75,
        failure_ttl: float = 2.0,
        auth_failure_ttl: float | None = None,
        close_timeout: float = 10.0,
        settings: TokenSettings | None = None,
        seed: int | None = None,
    ) -> None:
        if not 0.0 < refresh_at < 1.0:
            raise ValueError("refresh_at is a fraction of the token lifetime, between 0 and 1")
        self.credentials = credentials
        self.store: TokenStore = store if store is not None else MemoryTokenStore()
        self.leeway = leeway
        self.refresh_at = refresh_at
        self.failure_ttl = failure_ttl
        self.auth_failure_ttl = math.inf if auth_failure_ttl is None else auth_failure_ttl
        self.close_timeout = close_timeout
        self.settings = settings or TokenSettings()
        self.stats = TokenStats()
        self._key = credentials.store_key
        self._rng = random.Random(seed)
        self._transport = transport
        self._sync_transport = sync_transport
        self._http_options = dict(http_options or {})
        self._current: Token | None = None
        self._failure: _Failure | None = None
        self._flight: asyncio.Future[Token] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http: httpx.AsyncClient | None = None
        self._http_sync: httpx.Client | None = None
        self._ahead_not_before = 0.0
        self._presenting: str | None = None  # the refresh token a flight is presenting right now
        self._sync_lock = threading.Lock()

    def __repr__(self) -> str:
        current = self._current.label if self._current else None
        return f"TokenManager({self.credentials!r}, store={type(self.store).__name__}, current={current})"

    def reset(self) -> None:
        """Forget a remembered failure (after fixing the credentials' problem at the source)."""
        self._failure = None
        self._ahead_not_before = 0.0

    # -- decisions ----------------------------------------------------------------------------

    def _leeway(self, token: Token) -> float:
        # A 60 s leeway is right for hour-long tokens; short test tokens get a tenth of their life.
        return min(self.leeway, token.lifetime * 0.1)

    def _usable(self, token: Token | None, now: float) -> bool:
        return token is not None and now < token.expires_at - self._leeway(token)

    def _due(self, token: Token, now: float) -> bool:
        return now >= token.issued_at + token.lifetime * self.refresh_at

    def _remembered_failure(self, now: float) -> BaseException | None:
        failure = self._failure
        if failure is not None and now < failure.until:
            return failure.fresh()
        return None

    def _remember(self, error: BaseException) -> None:
        ttl = self.auth_failure_ttl if isinstance(error, AuthenticationError) else self.failure_ttl
        self._failure = _Failure(error, _time.now() + ttl)

    def _ahead_failed(self, error: BaseException, now: float) -> None:
        """A background refresh failed while the current token still works."""
        if isinstance(error, AuthenticationError):
            # Rejected credentials: no more attempts while the token lasts; then callers get the error.
            self._ahead_not_before = math.inf
            self._remember(error)
            log.debug("background refresh refused (%s): not retrying", type(error).__name__)
        else:
            self._ahead_not_before = now + AHEAD_RETRY_DELAY
            self._failure = None
            log.debug("background refresh failed (%s): retrying in %.0fs", type(error).__name__, AHEAD_RETRY_DELAY)

    def _adopt(self, stored: Token | None, now: float) -> bool:
        """Whether a token found in the store (put there by another holder) can be used as is."""
        return stored is not None and self._usable(stored, now) and not self._due(stored, now)

    def _reject(self, access_token: str) -> None:
        current = self._current
        if current is not None and current.access_token == access_token:
            # Unusable from now on, but its refresh token is still the way to the next one.
            self._current = evolve(current, expires_at=0.0)

    # -- async side -----------------------------------------------------------------------------

    async def get_token(self) -> str:
        """A token valid beyond the leeway; waits for a token request only when there is none."""
        now = _time.now()
        token = self._current
        if token is not None and self._usable(token, now):
            if self._due(token, now):
                self._start_refresh_ahead(now)
            self.stats.served += 1
            return token.access_token
        error = self._remembered_failure(now)
        if error is not None:
            raise error
        self.stats.waited += 1
        return (await asyncio.shield(self._join_flight())).access_token

    async def token_rejected(self, access_token: str) -> None:
        """The API answered 401 to this token: stop using it (unless already replaced)."""
        self._reject(access_token)
        await self.store.reject(self._key, access_token)

    def _start_refresh_ahead(self, now: float) -> None:
        if self._flight is not None and not self._flight.done():
            return
        if now < self._ahead_not_before or self._remembered_failure(now) is not None:
            return
        self.stats.refreshed_ahead += 1
        log.debug("refreshing ahead of expiry in the background")
        self._join_flight().add_done_callback(self._after_ahead)

    def _after_ahead(self, flight: asyncio.Future[Token]) -> None:
        if not flight.cancelled() and flight.exception() is not None:
            self._ahead_failed(flight.exception(), _time.now())  # type: ignore[arg-type]  # checked just above

    def _join_flight(self) -> asyncio.Future[Token]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # A new event loop (asyncio.run called again): loop-bound resources start over.
            self._loop, self._flight, self._http = loop, None, None
        if self._flight is None or self._flight.done():
            self._flight = asyncio.ensure_future(self._acquire())
            self._flight.add_done_callback(self._flight_done)
        return self._flight

    def _flight_done(self, flight: asyncio.Future[Token]) -> None:
        if not flight.cancelled() and flight.exception() is not None:
            self._remember(flight.exception())  # type: ignore[arg-type]  # checked just above

    async def _acquire(self) -> Token:
        self.stats.acquisitions += 1
        async with self.store.lock(self._key):
            now = _time.now()
            stored = await self.store.load(self._key)
            if self._adopt(stored, now):
                assert stored is not None
                log.debug("adopting %s from the store (another holder refreshed it)", stored.label)
                self._current = stored
                return stored
            # The store's refresh token is the latest; this holder's own may have been rotated since.
            latest = stored if stored is not None else self._current
            self._presenting = latest.refresh_token if latest else None
            try:
                token = await self._drive(self._flow(self._presenting))
            finally:
                self._presenting = None
            await self.store.save(self._key, token)
            self._current = token
            self._failure = None
            return token

    def _flow(self, refresh_token: str | None) -> Flow:
        return TokenFlow(
            self.credentials,
            refresh_token=refresh_token,
            settings=self.settings,
            rng=self._rng,
            outcomes=self.stats.token_requests,
        ).run()

    def _async_http(self) -> httpx.AsyncClient:
        if self._http is None:
            transport = _KeepOpen(self._transport) if self._transport is not None else None
            # httpx's own pool, not aiohttp's: a token request is made once per token lifetime, and
            # this client outlives event loops (a manager shared across asyncio.run calls), which
            # an aiohttp session, bound to the loop that made it, cannot.
            self._http = httpx.AsyncClient(
                transport=transport, timeout=self.settings.timeout, follow_redirects=False, **self._http_options
            )
        return self._http

    async def _drive(self, flow: Flow) -> Token:
        http = self._async_http()
        try:
            step = next(flow)
            while True:
                if isinstance(step, Wait):
                    await _time.sleep(step.seconds)
                    step = flow.send(None)
                    continue
                try:
                    response = await http.send(step)
                except httpx.RequestError as exc:
                    step = flow.throw(exc)
                    continue
                step = flow.send(response)
        except StopIteration as stop:
            token: Token = stop.value
            return token

    async def aclose(self) -> None:
        """Close the token client. A token request in progress is given ``close_timeout`` to finish:
        cancelled after it reached the server, a refresh would lose the rotated refresh token."""
        flight = self._flight
        if flight is not None and not flight.done():
            with contextlib.suppress(Exception, asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(flight), self.close_timeout)
            if not flight.done():
                presenting = self._presenting
                flight.cancel()
                with contextlib.suppress(BaseException):
                    await flight
                if presenting is not None:
                    # It may have rotated: nobody may present it again; the next holder logs in.
                    with contextlib.suppress(Exception):
                        await self.store.forget_refresh(self._key, presenting)
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._http_sync is not None:
            self._http_sync.close()
            self._http_sync = None

    # -- sync side (the generated ``sync`` functions) ----------------------------------------------

    def get_token_sync(self) -> str:
        now = _time.now()
        token = self._current
        if token is not None and self._usable(token, now):
            if (
                self._due(token, now)
                and now >= self._ahead_not_before
                and self._remembered_failure(now) is None
                and self._sync_lock.acquire(blocking=False)
            ):
                # One thread refreshes; the others keep the current, still valid token.
                try:
                    self.stats.refreshed_ahead += 1
                    token = self._acquire_sync()
                except Exception as exc:
                    self._ahead_failed(exc, now)
                finally:
                    self._sync_lock.release()
            self.stats.served += 1
            return token.access_token
        with self._sync_lock:
            now = _time.now()
            if self._usable(self._current, now):
                assert self._current is not None
                return self._current.access_token
            error = self._remembered_failure(now)
            if error is not None:
                raise error
            self.stats.waited += 1
            try:
                return self._acquire_sync().access_token
            except Exception as exc:
                self._remember(exc)
                raise

    def token_rejected_sync(self, access_token: str) -> None:
        self._reject(access_token)
        self.store.reject_sync(self._key, access_token)

    def _acquire_sync(self) -> Token:
        self.stats.acquisitions += 1
        with self.store.lock_sync(self._key):
            now = _time.now()
            stored = self.store.load_sync(self._key)
            if self._adopt(stored, now):
                assert stored is not None
                self._current = stored
                return stored
            latest = stored if stored is not None else self._current
            token = self._drive_sync(self._flow(latest.refresh_token if latest else None))
            self.store.save_sync(self._key, token)
            self._current = token
            self._failure = None
            return token

    def _drive_sync(self, flow: Flow) -> Token:
        if self._http_sync is None:
            transport = _KeepOpenSync(self._sync_transport) if self._sync_transport is not None else None
            self._http_sync = httpx.Client(
                transport=transport, timeout=self.settings.timeout, follow_redirects=False, **self._http_options
            )
        http = self._http_sync
        try:
            step = next(flow)
            while True:
                if isinstance(step, Wait):
                    _time.sleep_sync(step.seconds)
                    step = flow.send(None)
                    continue
                try:
                    response = http.send(step)
                except httpx.RequestError as exc:
                    step = flow.throw(exc)
                    continue
                step = flow.send(response)
        except StopIteration as stop:
            token: Token = stop.value
            return token

    def close(self) -> None:
        if self._http_sync is not None:
            self._http_sync.close()
            self._http_sync = None
