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
    no_refresh = Token(access_token="a", expires_at=time.time() + 30.0, issued_at=time.time())
    await redis_store.save(key, no_refresh)
    ttl = redis.Redis.from_url(redis_url).pttl(key)
    assert 28_000 < ttl <= 30_000
    await redis_store.save(key, token("a", lifetime=30.0))
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


async def test_a_refused_token_is_marked_unusable_but_its_refresh_token_kept(redis_store: RedisTokenStore) -> None:
    key = CREDENTIALS.store_key
    await redis_store.save(key, token("new"))
    await redis_store.reject(key, "old")  # already replaced by another holder: nothing happens
    kept = await redis_store.load(key)
    assert kept is not None
    assert kept.expires_at > time.time()
    await redis_store.reject(key, "new")
    refused = await redis_store.load(key)
    assert refused is not None
    assert refused.expires_at == 0.0
    assert refused.refresh_token == "r-new"


async def test_an_entry_outlives_its_access_token_to_keep_the_refresh_token(
    redis_store: RedisTokenStore, redis_url: str
) -> None:
    key = CREDENTIALS.store_key
    await redis_store.save(key, token("short", lifetime=30.0))
    assert redis.Redis.from_url(redis_url).pttl(key) > 6 * 24 * 3600 * 1000  # kept as long as the refresh token
    await redis_store.forget_refresh(key, "r-short")
    forgotten = await redis_store.load(key)
    assert forgotten is not None
    assert forgotten.refresh_token is None


async def test_a_crashed_lock_holder_cannot_wedge_the_others(redis_store: RedisTokenStore, redis_url: str) -> None:
    key = CREDENTIALS.store_key
    # A holder that took the lock and died: its lock simply times out, and the next one gets it.
    crashed = redis.Redis.from_url(redis_url).lock(f"{key}:lock", timeout=0.5)
    assert crashed.acquire(blocking=False)
    async with redis_store.lock(key):
        assert not crashed.owned()  # Redis let the key go (SET NX cannot take a live one): ours now


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


def test_memory_store_keeps_an_expired_token_for_its_refresh_token() -> None:
    store = MemoryTokenStore()
    store.save_sync("k", token("old", lifetime=-1.0))
    kept = store.load_sync("k")
    assert kept is not None
    assert kept.refresh_token == "r-old"
