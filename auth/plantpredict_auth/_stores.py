"""Where tokens live between requests: this process's memory (default) or Redis (shared).

A store keeps the latest token of one identity, under a key derived from the token URL, client id
and username (never from a secret), and provides the lock under which one holder at a time may go
to the token server: in memory a lock for this process, in Redis a lock for every process and
machine using the same Redis.

The entry outlives its access token: it also carries the latest refresh token, which every holder
must use next (Okta rotates refresh tokens and revokes the whole family when an old one is
presented again). An access token the API refused is marked unusable, never deleted with its
refresh token. A Redis entry expires with its refresh token (``refresh_token_ttl``), or with its
access token when there is none (client credentials).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

from attrs import evolve

from . import _time
from ._errors import TokenStoreError
from ._token_flow import Token

if TYPE_CHECKING:
    import redis
    import redis.asyncio

T = TypeVar("T")


@runtime_checkable
class TokenStore(Protocol):
    """What a token manager needs from a store (async and sync sides)."""

    async def load(self, key: str) -> Token | None: ...
    async def save(self, key: str, token: Token) -> None: ...
    async def reject(self, key: str, access_token: str) -> None: ...
    async def forget_refresh(self, key: str, refresh_token: str) -> None: ...
    def lock(self, key: str) -> Any: ...  # an async context manager

    def load_sync(self, key: str) -> Token | None: ...
    def save_sync(self, key: str, token: Token) -> None: ...
    def reject_sync(self, key: str, access_token: str) -> None: ...
    def forget_refresh_sync(self, key: str, refresh_token: str) -> None: ...
    def lock_sync(self, key: str) -> Any: ...  # a context manager


class MemoryTokenStore:
    """Tokens in this process, shared by every manager given the same store object."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    async def load(self, key: str) -> Token | None:
        return self.load_sync(key)

    async def save(self, key: str, token: Token) -> None:
        self.save_sync(key, token)

    async def reject(self, key: str, access_token: str) -> None:
        self.reject_sync(key, access_token)

    async def forget_refresh(self, key: str, refresh_token: str) -> None:
        self.forget_refresh_sync(key, refresh_token)

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        # A threading lock, polled, rather than an asyncio.Lock: the same store may serve managers
        # on several event loops and threads (sync and async clients), and token requests are rare.
        lock = self._lock_for(key)
        while not lock.acquire(blocking=False):  # noqa: ASYNC110  # a thread lock has no awaitable form
            await asyncio.sleep(0.002)
        try:
            yield
        finally:
            lock.release()

    def load_sync(self, key: str) -> Token | None:
        return self._tokens.get(key)

    def save_sync(self, key: str, token: Token) -> None:
        self._tokens[key] = token

    def _update(self, key: str, change: Callable[[Token], Token | None]) -> None:
        with self._guard:
            current = self._tokens.get(key)
            if current is not None:
                changed = change(current)
                if changed is not None:
                    self._tokens[key] = changed

    def reject_sync(self, key: str, access_token: str) -> None:
        self._update(key, lambda t: evolve(t, expires_at=0.0) if t.access_token == access_token else None)

    def forget_refresh_sync(self, key: str, refresh_token: str) -> None:
        self._update(key, lambda t: evolve(t, refresh_token=None) if t.refresh_token == refresh_token else None)

    @contextmanager
    def lock_sync(self, key: str) -> Iterator[None]:
        with self._lock_for(key):
            yield


# Both scripts change the entry only if it still holds the given token (another holder may have
# replaced it), and keep its expiry.
_REJECT = """
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local entry = cjson.decode(current)
if entry['access_token'] ~= ARGV[1] then return 0 end
entry['expires_at'] = 0
redis.call('SET', KEYS[1], cjson.encode(entry), 'KEEPTTL')
return 1
"""
_FORGET_REFRESH = """
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local entry = cjson.decode(current)
if entry['refresh_token'] ~= ARGV[1] then return 0 end
entry['refresh_token'] = cjson.null
redis.call('SET', KEYS[1], cjson.encode(entry), 'KEEPTTL')
return 1
"""


class RedisTokenStore:
    """Tokens in Redis, shared by processes and machines: one token request for all of them.

    The lock (``<key>:lock``) expires after ``lock_timeout`` seconds unless its holder is alive: a
    holder extends it every third of that while it works, so a slow token request (rate-limit
    waits can take minutes) keeps it, and a holder that died frees it within ``lock_timeout``.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        lock_timeout: float = 30.0,
        lock_wait: float = 300.0,
        refresh_token_ttl: float = 7 * 24 * 3600.0,
        sync_client: redis.Redis | None = None,
    ) -> None:
        import redis as redis_sync

        self.url = url
        self.lock_timeout = lock_timeout
        self.lock_wait = lock_wait
        self.refresh_token_ttl = refresh_token_ttl
        self._sync_client: redis.Redis = sync_client or redis_sync.Redis.from_url(url)
        # redis.asyncio clients belong to the event loop they first ran on: one per loop.
        self._async_clients: dict[asyncio.AbstractEventLoop, redis.asyncio.Redis] = {}

    def __repr__(self) -> str:
        # The URL may carry a password (redis://:secret@host): show the host only.
        parts = urlsplit(self.url)
        return f"RedisTokenStore(host={parts.hostname!r}, port={parts.port!r})"

    def _where(self) -> str:
        parts = urlsplit(self.url)
        return f"Redis at {parts.hostname}:{parts.port or 6379}"

    def _client(self) -> redis.asyncio.Redis:
        import redis.asyncio as redis_async

        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            for old in [old for old in self._async_clients if old.is_closed()]:
                del self._async_clients[old]
            client = self._async_clients[loop] = redis_async.Redis.from_url(self.url)
        return client

    @contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        from redis.exceptions import RedisError

        try:
            yield
        except RedisError as exc:
            # Redis errors name the host, never the URL's password; the cause is dropped all the same.
            raise TokenStoreError(f"{self._where()}: could not {what}: {type(exc).__name__}: {exc}") from None

    @staticmethod
    def _decode(raw: bytes | str | None) -> Token | None:
        return None if raw is None else Token.from_json(raw)

    def _ttl_ms(self, token: Token) -> int:
        lasts = token.expires_at - _time.now()
        if token.refresh_token:
            lasts = max(lasts, self.refresh_token_ttl)
        return max(1, int(lasts * 1000))

    async def load(self, key: str) -> Token | None:
        with self._translated("read the token"):
            return self._decode(await self._client().get(key))

    async def save(self, key: str, token: Token) -> None:
        with self._translated("save the token"):
            await self._client().set(key, token.to_json(), px=self._ttl_ms(token))

    async def reject(self, key: str, access_token: str) -> None:
        with self._translated("mark a token refused"):
            await self._client().eval(_REJECT, 1, key, access_token)

    async def forget_refresh(self, key: str, refresh_token: str) -> None:
        with self._translated("drop a refresh token"):
            await self._client().eval(_FORGET_REFRESH, 1, key, refresh_token)

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        with self._translated("take the token lock"):
            lock = self._client().lock(f"{key}:lock", timeout=self.lock_timeout, blocking_timeout=self.lock_wait)
            acquired = await lock.acquire()
        if not acquired:
            raise TokenStoreError(f"waited {self.lock_wait:.0f}s for another process's token request (Redis lock)")

        async def keep_alive() -> None:
            while True:
                await asyncio.sleep(self.lock_timeout / 3)
                await lock.reacquire()

        keeper = asyncio.create_task(keep_alive())
        try:
            yield
        finally:
            keeper.cancel()
            # gather, not suppress(CancelledError): a cancellation of the caller arriving meanwhile
            # must propagate; the keeper's own end (cancelled, or Redis gone) is collected.
            await asyncio.gather(keeper, return_exceptions=True)
            # A lock lost anyway (the keeper could not reach Redis) has already been taken over.
            with contextlib.suppress(Exception):
                await lock.release()

    def load_sync(self, key: str) -> Token | None:
        with self._translated("read the token"):
            return self._decode(self._sync_client.get(key))

    def save_sync(self, key: str, token: Token) -> None:
        with self._translated("save the token"):
            self._sync_client.set(key, token.to_json(), px=self._ttl_ms(token))

    def reject_sync(self, key: str, access_token: str) -> None:
        with self._translated("mark a token refused"):
            self._sync_client.eval(_REJECT, 1, key, access_token)

    def forget_refresh_sync(self, key: str, refresh_token: str) -> None:
        with self._translated("drop a refresh token"):
            self._sync_client.eval(_FORGET_REFRESH, 1, key, refresh_token)

    @contextmanager
    def lock_sync(self, key: str) -> Iterator[None]:
        with self._translated("take the token lock"):
            lock = self._sync_client.lock(f"{key}:lock", timeout=self.lock_timeout, blocking_timeout=self.lock_wait)
            acquired = lock.acquire()
        if not acquired:
            raise TokenStoreError(f"waited {self.lock_wait:.0f}s for another process's token request (Redis lock)")
        stop = threading.Event()

        def keep_alive() -> None:
            while not stop.wait(self.lock_timeout / 3):
                with contextlib.suppress(Exception):
                    lock.reacquire()

        keeper = threading.Thread(target=keep_alive, name="plantpredict-token-lock", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join(timeout=5)
            with contextlib.suppress(Exception):
                lock.release()

    async def aclose(self) -> None:
        client = self._async_clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()
        self._sync_client.close()
