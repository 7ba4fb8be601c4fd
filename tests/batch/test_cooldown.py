"""One 429 cool-down for every process sharing a Redis: a cool-down one client starts holds the others."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import pytest
import redis

from plantpredict_auth import (
    Cooldown,
    CooldownStoreError,
    RateLimitError,
    RateLimitGate,
    RedisCooldownStore,
    RetryPolicy,
    _time,
    connect,
    share_cooldown,
)
from plantpredict_client.api.projects import get_my_projects
from tests.runtime.simulated import BASE_URL, password_credentials, simulated

POLICY = RetryPolicy(rate_limit_initial=30.0, jitter=0.0)


@pytest.fixture
def stores(redis_url: str) -> Iterator[tuple[RedisCooldownStore, RedisCooldownStore]]:
    redis.Redis.from_url(redis_url).delete("plantpredict:cooldown:test-account")
    first = RedisCooldownStore(redis_url, "test-account")
    second = RedisCooldownStore(redis_url, "test-account")
    yield first, second
    first.close()
    second.close()


def test_a_cooldown_one_gate_starts_holds_a_gate_in_another_process(
    stores: tuple[RedisCooldownStore, RedisCooldownStore],
) -> None:
    here, there = stores
    gate = RateLimitGate(POLICY, random.Random(1), store=here)
    other = RateLimitGate(POLICY, random.Random(2), store=there)
    sent = _time.now()
    ends, started = gate.on_rate_limited(None, sent)
    assert started
    assert there.wait_for(ends, timeout=10)  # delivered through Redis pub/sub
    assert other.remaining() > 29.0
    # A 429 for a request the other process sent before that cool-down began joins it.
    joined, started_there = other.on_rate_limited(None, sent - 0.01)
    assert (joined, started_there) == (ends, False)
    assert other.windows == 0


def test_a_process_that_starts_during_a_cooldown_waits_too(
    redis_url: str, stores: tuple[RedisCooldownStore, RedisCooldownStore]
) -> None:
    here, _ = stores
    here.publish(Cooldown(_time.now() + 45.0, 2))
    assert here.wait_for(_time.now() + 44.0, timeout=10)
    late = RedisCooldownStore(redis_url, "test-account")  # reads the key when it starts
    try:
        gate = RateLimitGate(POLICY, random.Random(3), store=late)
        assert gate.remaining() > 40.0
        assert gate.consecutive == 2  # the next cool-down doubles from there
    finally:
        late.close()


def test_an_unreachable_redis_is_a_clear_error() -> None:
    with pytest.raises(CooldownStoreError, match=r"127\.0\.0\.1:1") as raised:
        RedisCooldownStore("redis://:hidden-pass@127.0.0.1:1/0", "test-account")
    assert "hidden-pass" not in str(raised.value)


async def test_a_client_waits_out_the_cooldown_another_clients_429_started(
    stores: tuple[RedisCooldownStore, RedisCooldownStore], virtual_time: None
) -> None:
    here, there = stores
    async with simulated(clock=_time.now, seed=2) as sim:
        credentials = password_credentials()
        async with (
            connect(credentials, base_url=BASE_URL, transport=sim.transport, retry=RetryPolicy.none()) as first,
            connect(credentials, base_url=BASE_URL, transport=sim.transport, retry=POLICY) as second,
        ):
            share_cooldown(first, here)
            share_cooldown(second, there)
            await get_my_projects.asyncio(client=first)  # tokens and connections in place
            await get_my_projects.asyncio(client=second)
            await sim.post("counters/reset")
            await sim.put("faults", {"routes": {"*": {"rate_429": 1.0}}})
            with pytest.raises(RateLimitError):  # no retries here, but its 429 starts the cool-down
                await get_my_projects.asyncio(client=first)
            ends = first.get_async_httpx_client().gate.until  # type: ignore[attr-defined]  # PlantPredictAsyncClient
            assert await asyncio.to_thread(there.wait_for, ends, 10)
            await sim.put("faults", {"routes": {"*": None}})
            before = _time.now()
            await get_my_projects.asyncio(client=second)
            waited = _time.now() - before
            served = (await sim.counters())["api_requests"]
            second_stats = second.get_async_httpx_client().stats  # type: ignore[attr-defined]
    assert served == {"429": 1, "200": 1}
    assert second_stats.rate_limited == 0  # it waited out the first client's cool-down instead
    assert waited >= ends - before  # virtual time
