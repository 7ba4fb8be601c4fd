"""Token stores: what is kept, for how long, under which key, and the lock that serializes refreshes."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import redis

from plantpredict_auth import MemoryTokenStore, RedisTokenStore, Token, TokenManager
from tests.runtime.fakes import CREDENTIALS, FakePlantPredict


def token(name: str, lifetime: float = 60.0) -> Token:
    now = time.time()
    return Token(access_token=name, expires_at=now + lifetime, issued_at=now, refresh_token=f"r-{name}")


@pytest.fixture
async def redis_store(redis_url: str):
    store = RedisTokenStore(redis_url, lock_timeout=2.0, lock_wait=5.0)
    store._sync_client.flushdb()
    yield store
    await store.aclose()


async def test_redis_entries_expire_with_their_token(redis_store: RedisTokenStore, redis_url: str) -> None:
    key = CREDENTIALS.store_key
    await redis_store.save(key, token("a", lifetime=30.0))
    ttl = redis.Redis.from_url(redis_url).pttl(key)
    assert 28_000 < ttl <= 30_000
    loaded = await redis_store.load(key)
    assert loaded is not None
    assert loaded.access_token == "a"
    assert loaded.refresh_token == "r-a"


async def test_redis_keys_hold_no_secret(redis_store: RedisTokenStore, redis_url: str) -> None:
    await redis_store.save(CREDENTIALS.store_key, token("a"))
    keys = [k.decode() if isinstance(k, bytes) else k for k in redis.Redis.from_url(redis_url).keys("*")]
    assert keys == [CREDENTIALS.store_key]
    assert CREDENTIALS.client_secret not in keys[0]
    assert "secret" not in repr(redis_store)


async def test_discard_removes_only_the_rejected_token(redis_store: RedisTokenStore) -> None:
    key = CREDENTIALS.store_key
    await redis_store.save(key, token("new"))
    await redis_store.discard(key, "old")
    assert (await redis_store.load(key)) is not None
    await redis_store.discard(key, "new")
    assert (await redis_store.load(key)) is None


async def test_a_crashed_lock_holder_cannot_wedge_the_others(redis_store: RedisTokenStore, redis_url: str) -> None:
    key = CREDENTIALS.store_key
    # A holder that took the lock and died: its lock simply times out (lock_timeout=2s here).
    crashed = redis.Redis.from_url(redis_url).lock(f"{key}:lock", timeout=2.0)
    assert crashed.acquire(blocking=False)
    started = time.monotonic()
    async with redis_store.lock(key):
        waited = time.monotonic() - started
    assert 0.5 < waited < 4.0


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_managers_sharing_a_store_make_one_token_request(kind: str, redis_url: str) -> None:
    store = MemoryTokenStore() if kind == "memory" else RedisTokenStore(redis_url)
    if isinstance(store, RedisTokenStore):
        store._sync_client.flushdb()
    fake = FakePlantPredict(lambda request: httpx.Response(200, json={}))
    managers = [TokenManager(CREDENTIALS, store=store, transport=fake.transport) for _ in range(5)]
    tokens = await asyncio.gather(*(m.get_token() for m in managers for _ in range(20)))
    assert set(tokens) == {"token-1"}
    assert fake.issued == ["token-1"]
    for manager in managers:
        await manager.aclose()
    if isinstance(store, RedisTokenStore):
        await store.aclose()


def test_memory_store_forgets_expired_tokens() -> None:
    store = MemoryTokenStore()
    store.save_sync("k", token("old", lifetime=-1.0))
    assert store.load_sync("k") is None
