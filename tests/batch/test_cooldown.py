"""One 429 cool-down for every process sharing a Redis: a cool-down one client starts holds the others."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Iterator
from concurrent.futures import Future

import httpx
import pytest
import redis

from plantpredict_auth import (
    Cooldown,
    CooldownStoreError,
    RateLimitError,
    RateLimitGate,
    RedisCooldownStore,
    RetryPolicy,
    _gate,
    _time,
    connect,
    share_cooldown,
)
from plantpredict_auth._cooldown import ProbeClaim
from plantpredict_auth._gate import PROBE_POLL
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


# -- one probe after a cool-down, for every process ------------------------------------------------


def flushed(store: RedisCooldownStore) -> None:
    """Wait for what the store sends in the background (publish, end of probe) to reach Redis."""
    store._publisher.submit(lambda: None).result(timeout=10)


def test_after_a_cooldown_one_request_probes_and_the_others_wait_for_its_answer(virtual_time: None) -> None:
    gate = RateLimitGate(POLICY, random.Random(4))
    gate.on_rate_limited(None, _time.now())
    assert gate.admit()[1] is False  # the cool-down runs: nobody goes
    _time.sleep_sync(31.0)
    assert gate.admit() == (None, True)  # the first to ask after the end is the probe
    second, probe = gate.admit()
    assert second is not None  # the others ask again shortly
    assert not probe
    gate.on_success(probe=True)
    assert gate.admit() == (None, False)  # the probe's success lets everyone go
    assert gate.consecutive == 0


def test_a_probe_answered_429_starts_the_next_doubled_cooldown(virtual_time: None) -> None:
    gate = RateLimitGate(POLICY, random.Random(5))
    gate.on_rate_limited(None, _time.now())
    _time.sleep_sync(31.0)
    assert gate.admit() == (None, True)
    ends, started = gate.on_rate_limited(None, _time.now(), probe=True)
    assert started
    assert ends - _time.now() == pytest.approx(60.0, abs=0.5)  # doubled from 30 s
    wait, probe = gate.admit()
    assert isinstance(wait, float)  # without a shared store nothing is claimed
    assert wait >= ends
    assert not probe


def test_a_probe_that_got_no_answer_lets_another_request_probe(virtual_time: None) -> None:
    gate = RateLimitGate(POLICY, random.Random(6))
    gate.on_rate_limited(None, _time.now())
    _time.sleep_sync(31.0)
    assert gate.admit() == (None, True)
    gate.on_probe_failed()
    assert gate.admit() == (None, True)


def admitted(gate: RateLimitGate) -> tuple[float | None, bool]:
    """``gate.admit()``, once the claim it sends to the shared store (on a thread) has its answer."""
    while True:
        wait, probe = gate.admit()
        if wait is None or isinstance(wait, float):
            return wait, probe
        wait.result(timeout=10)


def two_processes_after_a_cooldown(
    stores: tuple[RedisCooldownStore, RedisCooldownStore], seed: int
) -> tuple[RateLimitGate, RateLimitGate]:
    """Two processes' gates on one Redis, just after a cool-down the first one started has ended."""
    here, there = stores
    gate = RateLimitGate(POLICY, random.Random(seed), store=here)
    other = RateLimitGate(POLICY, random.Random(seed + 1), store=there)
    ends, _ = gate.on_rate_limited(None, _time.now())
    flushed(here)
    assert there.wait_for(ends, timeout=10)
    _time.sleep_sync(31.0)
    return gate, other


def test_after_a_shared_cooldown_only_one_process_probes(
    stores: tuple[RedisCooldownStore, RedisCooldownStore], virtual_time: None
) -> None:
    here = stores[0]
    gate, other = two_processes_after_a_cooldown(stores, seed=7)
    assert admitted(gate) == (None, True)  # claimed in Redis
    wait, probe = admitted(other)
    assert wait is not None  # the other process waits for that probe's answer
    assert not probe
    # The probe is answered 429: the next cool-down, doubled, is the other process's too, taken from
    # Redis by its next claim even before pub/sub delivers it.
    later, started = gate.on_rate_limited(None, _time.now(), probe=True)
    assert started
    flushed(here)
    _time.sleep_sync(PROBE_POLL)
    wait, probe = admitted(other)
    assert wait is not None
    assert wait >= later
    assert not probe
    assert (other.until, other.consecutive) == (later, 2)


def test_a_probe_that_succeeds_lets_every_process_go(
    stores: tuple[RedisCooldownStore, RedisCooldownStore], virtual_time: None
) -> None:
    here = stores[0]
    gate, other = two_processes_after_a_cooldown(stores, seed=9)
    assert admitted(gate) == (None, True)
    assert admitted(other)[1] is False
    gate.on_success(probe=True)
    flushed(here)
    _time.sleep_sync(PROBE_POLL)
    assert admitted(other) == (None, False)  # no probe of its own: the first one's success counts
    assert other.consecutive == 0


def test_a_probe_whose_process_died_is_replaced_after_its_lease(
    redis_url: str, stores: tuple[RedisCooldownStore, RedisCooldownStore], virtual_time: None
) -> None:
    there = stores[1]
    gate, other = two_processes_after_a_cooldown(stores, seed=11)
    assert admitted(gate) == (None, True)  # ... and this process is never heard from again
    assert admitted(other)[1] is False
    redis.Redis.from_url(redis_url).delete(there.probe_key)  # its lease (PROBE_LEASE) runs out
    _time.sleep_sync(PROBE_POLL)
    assert admitted(other) == (None, True)


def after_a_cooldown_claiming_from(store: RedisCooldownStore, url: str, seed: int) -> RateLimitGate:
    """A gate on ``store`` just after a cool-down it started has ended, whose claims go to ``url``
    (with the store's own timeouts: 0.5 s, no retry)."""
    gate = RateLimitGate(POLICY, random.Random(seed), store=store)
    gate.on_rate_limited(None, _time.now())
    flushed(store)
    store._claims = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    _time.sleep_sync(31.0)
    return gate


def test_with_redis_unreachable_each_process_probes_on_its_own(
    stores: tuple[RedisCooldownStore, RedisCooldownStore], virtual_time: None
) -> None:
    gate = after_a_cooldown_claiming_from(stores[0], "redis://127.0.0.1:1/0", seed=13)
    assert admitted(gate) == (None, True)  # the claim failed: this process probes, as without a store
    assert admitted(gate)[1] is False  # still one at a time here


def test_claiming_the_probe_never_waits_on_redis_in_the_caller(
    stores: tuple[RedisCooldownStore, RedisCooldownStore], virtual_time: None
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never answers
        silent_url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        gate = after_a_cooldown_claiming_from(stores[0], silent_url, seed=15)
        claim, probe = gate.admit()
        # The caller (an event loop) got the claim's future back while Redis had not answered.
        assert isinstance(claim, Future)
        assert not claim.done()
        assert not probe
        assert gate.admit() == (claim, False)  # the others wait for the same claim, none sends another
        assert claim.result(timeout=10) is ProbeClaim.WON  # timed out: this process probes on its own
    assert gate.admit() == (None, True)


def test_a_probe_won_for_a_request_that_was_cancelled_is_given_back_at_once(
    stores: tuple[RedisCooldownStore, RedisCooldownStore], virtual_time: None
) -> None:
    here = stores[0]
    gate, other = two_processes_after_a_cooldown(stores, seed=17)
    claim, _ = gate.admit()
    assert isinstance(claim, Future)
    gate.claim_abandoned(claim)  # the only request waiting for it was cancelled
    assert claim.result(timeout=10) is ProbeClaim.WON
    _gate._claims.submit(lambda: None).result(timeout=10)  # the claim's callbacks have run
    flushed(here)
    # Not held for its 10 s lease: the other process may probe at once.
    assert admitted(other) == (None, True)


class LimitedUntil(httpx.AsyncBaseTransport):
    """The API answers 429 (counted) until ``lifts_at`` on the runtime's clock; tokens always work.
    The 429 comes back after a few turns of the event loop, as over a network: other requests can
    leave meanwhile."""

    def __init__(self, inner: httpx.AsyncBaseTransport, lifts_at: float) -> None:
        self.inner = inner
        self.lifts_at = lifts_at
        self.served_429 = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "/oauth2/" not in request.url.path and _time.now() < self.lifts_at:
            self.served_429 += 1
            for _ in range(5):  # the answer takes a few turns of the event loop to come back
                await asyncio.sleep(0)
            return httpx.Response(429, request=request)
        return await self.inner.handle_async_request(request)


async def test_two_clients_sharing_a_cooldown_spend_one_429_per_cooldown(
    stores: tuple[RedisCooldownStore, RedisCooldownStore], virtual_time: None
) -> None:
    here, there = stores
    policy = RetryPolicy(rate_limit_initial=30.0, rate_limit_max=300.0, jitter=0.0, rate_limit_attempts=10)
    async with simulated(clock=_time.now, seed=3) as sim:
        limited = LimitedUntil(sim.transport, lifts_at=0.0)
        credentials = password_credentials()
        async with (
            connect(credentials, base_url=BASE_URL, transport=limited, retry=policy, seed=1) as first,
            connect(credentials, base_url=BASE_URL, transport=limited, retry=policy, seed=2) as second,
            connect(credentials, base_url=BASE_URL, transport=limited, retry=RetryPolicy.none()) as finder,
        ):
            share_cooldown(first, here)
            share_cooldown(second, there)
            share_cooldown(finder, here)
            for client in (first, second, finder):  # tokens and connections in place
                await get_my_projects.asyncio(client=client)
            # The limit holds for 150 s: one request finds it (no retries), then cool-downs of about
            # 30 s, 60 s and 120 s; the probes after the first two are told 429, the third gets through.
            limited.lifts_at = _time.now() + 150.0
            with pytest.raises(RateLimitError):
                await get_my_projects.asyncio(client=finder)
            ends = finder.get_async_httpx_client().gate.until  # type: ignore[attr-defined]  # PlantPredictAsyncClient
            assert await asyncio.to_thread(there.wait_for, ends, 10)
            calls = [get_my_projects.asyncio(client=client) for client in (first, second) for _ in range(6)]
            results = await asyncio.gather(*calls)
    assert all(result is not None for result in results)
    # One 429 found the limit and one was served to each of the two probes that came too early: three
    # in all, not one per request (or per client) that left when a cool-down ended.
    assert limited.served_429 == 3
