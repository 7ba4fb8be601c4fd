"""Where tokens live between requests: this process's memory (default) or Redis (shared).

A store keeps the current token of one identity under a key derived from the token URL, client id
and username (never from a secret), and provides the lock under which one holder at a time may go
to the token server: in memory a lock for this process, in Redis a lock for every process and
machine using the same Redis, with a timeout so a holder that crashed cannot wedge the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from . import _time
from ._errors import TokenEndpointError
from ._token_flow import Token

if TYPE_CHECKING:
    import redis
    import redis.asyncio


@runtime_checkable
class TokenStore(Protocol):
    """What a token manager needs from a store (async and sync sides)."""

    async def load(self, key: str) -> Token | None: ...
    async def save(self, key: str, token: Token) -> None: ...
    async def discard(self, key: str, access_token: str) -> None: ...
    def lock(self, key: str) -> Any: ...  # an async context manager

    def load_sync(self, key: str) -> Token | None: ...
    def save_sync(self, key: str, token: Token) -> None: ...
    def discard_sync(self, key: str, access_token: str) -> None: ...
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

    async def discard(self, key: str, access_token: str) -> None:
        self.discard_sync(key, access_token)

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
        token = self._tokens.get(key)
        if token is not None and token.expires_at <= _time.now():
            return None
        return token

    def save_sync(self, key: str, token: Token) -> None:
        self._tokens[key] = token

    def discard_sync(self, key: str, access_token: str) -> None:
        with self._guard:
            current = self._tokens.get(key)
            if current is not None and current.access_token == access_token:
                del self._tokens[key]

    @contextmanager
    def lock_sync(self, key: str) -> Iterator[None]:
        with self._lock_for(key):
            yield


# Deletes the entry only if it still holds the rejected token (another holder may have replaced it).
_DISCARD_IF_SAME = """
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['access_token'] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisTokenStore:
    """Tokens in Redis, shared by processes and machines: one token request for all of them.

    Entries expire with their token. The lock (``<key>:lock``) times out after ``lock_timeout``
    seconds, so a process that dies while holding it delays the others by at most that long.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        lock_timeout: float = 30.0,
        lock_wait: float = 60.0,
        client: redis.asyncio.Redis | None = None,
        sync_client: redis.Redis | None = None,
    ) -> None:
        import redis as redis_sync
        import redis.asyncio as redis_async

        self.url = url
        self.lock_timeout = lock_timeout
        self.lock_wait = lock_wait
        self._client: redis.asyncio.Redis = client or redis_async.Redis.from_url(url)
        self._sync_client: redis.Redis = sync_client or redis_sync.Redis.from_url(url)

    def __repr__(self) -> str:
        # The URL may carry a password (redis://:secret@host): show the host only.
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        return f"RedisTokenStore(host={parts.hostname!r}, port={parts.port!r})"

    @staticmethod
    def _decode(raw: bytes | str | None) -> Token | None:
        if raw is None:
            return None
        token = Token.from_json(raw)
        return token if token.expires_at > _time.now() else None

    @staticmethod
    def _ttl_ms(token: Token) -> int:
        return max(1, int((token.expires_at - _time.now()) * 1000))

    async def load(self, key: str) -> Token | None:
        return self._decode(await self._client.get(key))

    async def save(self, key: str, token: Token) -> None:
        if token.expires_at > _time.now():
            await self._client.set(key, token.to_json(), px=self._ttl_ms(token))

    async def discard(self, key: str, access_token: str) -> None:
        await self._client.eval(_DISCARD_IF_SAME, 1, key, access_token)

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        from redis.exceptions import LockError

        lock = self._client.lock(f"{key}:lock", timeout=self.lock_timeout, blocking_timeout=self.lock_wait)
        if not await lock.acquire():
            raise TokenEndpointError(f"waited {self.lock_wait:.0f}s for another process's token request (Redis lock)")
        try:
            yield
        finally:
            # Held past lock_timeout and taken over: harmless, the new holder re-reads the store first.
            with contextlib.suppress(LockError):
                await lock.release()

    def load_sync(self, key: str) -> Token | None:
        return self._decode(self._sync_client.get(key))

    def save_sync(self, key: str, token: Token) -> None:
        if token.expires_at > _time.now():
            self._sync_client.set(key, token.to_json(), px=self._ttl_ms(token))

    def discard_sync(self, key: str, access_token: str) -> None:
        self._sync_client.eval(_DISCARD_IF_SAME, 1, key, access_token)

    @contextmanager
    def lock_sync(self, key: str) -> Iterator[None]:
        from redis.exceptions import LockError

        lock = self._sync_client.lock(f"{key}:lock", timeout=self.lock_timeout, blocking_timeout=self.lock_wait)
        if not lock.acquire():
            raise TokenEndpointError(f"waited {self.lock_wait:.0f}s for another process's token request (Redis lock)")
        try:
            yield
        finally:
            with contextlib.suppress(LockError):
                lock.release()

    async def aclose(self) -> None:
        await self._client.aclose()
        self._sync_client.close()
