"""Retries, cool-downs and typed errors against the simulator's fault injection, waiting virtually.

The simulator shares the runtime's virtual clock (``SimulatorConfig(clock=...)``), so a 30 s
cool-down or a 3 s token-endpoint outage passes instantly for both sides.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest

from plantpredict_auth import (
    OutcomeUnknownError,
    RateLimitError,
    RetryBudgetExceededError,
    RetryPolicy,
    ServerError,
    _time,
    connect,
    set_testing,
)
from plantpredict_client import Client
from plantpredict_client.api.projects import create_project, get_project
from plantpredict_client.models import CreateEntityInfo, Project
from tests.runtime.simulated import BASE_URL, password_credentials, simulated


@pytest.fixture(autouse=True)
def virtual_time() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def site(name: str) -> Project:
    return Project(name=name, latitude=35.1, longitude=-106.6, elevation=1600.0, standard_offset_from_utc=-7.0)


async def new_project(client: Client, name: str) -> int:
    created = await create_project.asyncio(client=client, body=site(name))
    assert isinstance(created, CreateEntityInfo)
    assert isinstance(created.id, int)
    return created.id


async def test_a_batch_of_gets_survives_429s_and_server_errors() -> None:
    async with (
        simulated(clock=_time.now, seed=7) as sim,
        connect(
            password_credentials(),
            base_url=BASE_URL,
            transport=sim.transport,
            retry=RetryPolicy.batch(),
            max_concurrency=20,
        ) as client,
    ):
        project_id = await new_project(client, "Batch GET site")
        stats = client.get_async_httpx_client().stats  # type: ignore[attr-defined]
        attempts_before = stats.attempts
        await sim.post("counters/reset")
        await sim.put("faults", {"routes": {"*": {"rate_429": 0.2, "rate_5xx": 0.1}}})
        results = await asyncio.gather(
            *(get_project.asyncio(project_id=project_id, client=client) for _ in range(500)), return_exceptions=True
        )
        attempts = stats.attempts - attempts_before
        api = (await sim.counters())["api_requests"]
    assert [r for r in results if not isinstance(r, Project)] == []
    assert api.get("429", 0) > 0
    assert sum(v for k, v in api.items() if k.startswith("5")) > 0
    assert api.get("200", 0) == 500
    assert attempts == sum(api.values())  # every attempt reached the simulator, none was lost
    print(f"\n500 GETs with 20% 429 + 10% 5xx: {attempts} attempts, {stats.cooldowns} cool-downs")


async def test_429s_do_not_spend_the_attempts_meant_for_server_errors() -> None:
    """The default policy against 20% 429 and 3% 500: a GET is lost only if it meets three 500s
    (its failure budget) or six 429s (its rate-limit budget), never by mixing the two."""
    async with (
        simulated(clock=_time.now, seed=5) as sim,
        connect(password_credentials(), base_url=BASE_URL, transport=sim.transport, max_concurrency=20) as client,
    ):
        project_id = await new_project(client, "Budget site")
        await sim.post("counters/reset")
        await sim.put("faults", {"routes": {"*": {"rate_429": 0.2, "rate_5xx": 0.03}}})
        results = await asyncio.gather(
            *(get_project.asyncio(project_id=project_id, client=client) for _ in range(500)), return_exceptions=True
        )
        api = (await sim.counters())["api_requests"]
    assert [repr(r) for r in results if not isinstance(r, Project)] == []
    assert api.get("200", 0) == 500
    assert api.get("429", 0) > 0
    assert api.get("500", 0) > 0
    print(f"\n500 GETs, default policy, 20% 429 + 3% 500: 500 of 500; answers {dict(sorted(api.items()))}")


async def test_a_request_past_its_total_time_budget_raises_the_budget_error() -> None:
    policy = RetryPolicy(total_timeout=100.0)  # the first 429 cool-down (30 s, doubling) fits; later ones do not
    async with (
        simulated(clock=_time.now, seed=1) as sim,
        connect(password_credentials(), base_url=BASE_URL, transport=sim.transport, retry=policy) as client,
    ):
        project_id = await new_project(client, "Budget site")
        await sim.put("faults", {"routes": {"*": {"rate_429": 1.0}}})
        started = _time.now()
        with pytest.raises(RetryBudgetExceededError, match=r"total_timeout=100s") as caught:
            await get_project.asyncio(project_id=project_id, client=client)
        waited = _time.now() - started
    assert caught.value.budget == 100.0
    assert caught.value.attempts >= 2
    assert isinstance(caught.value.__cause__, RateLimitError)  # what the last attempt got
    assert waited <= 100.0  # virtual seconds: it gave up instead of waiting past the budget
    assert (caught.value.request_method, caught.value.request_path) == ("GET", f"/Project/{project_id}")


async def test_creates_under_drops_and_server_errors_are_never_duplicated() -> None:
    async with simulated(clock=_time.now, seed=11) as sim:
        async with connect(
            password_credentials(),
            base_url=BASE_URL,
            transport=sim.transport,
            retry=RetryPolicy.batch(),
            max_concurrency=20,
        ) as client:
            await new_project(client, "warm-up")
            await sim.put("faults", {"routes": {"projects": {"drop_rate": 0.1, "rate_5xx": 0.1}}})

            async def create(i: int) -> str:
                try:
                    await new_project(client, f"Create {i:03d}")
                except OutcomeUnknownError:
                    return "outcome unknown"
                except ServerError:
                    return "server error"
                return "confirmed"

            outcomes = Counter(await asyncio.gather(*(create(i) for i in range(200))))
        stored = Counter(p["name"] for p in await sim.objects("projects") if p["name"].startswith("Create "))
    assert sum(outcomes.values()) == 200
    assert set(outcomes) <= {"confirmed", "outcome unknown", "server error"}
    assert outcomes["outcome unknown"] > 0
    assert outcomes["server error"] > 0
    assert max(stored.values()) == 1  # 0 duplicates
    # Every confirmed create exists; an unknown outcome may or may not have happened.
    assert len(stored) >= outcomes["confirmed"]
    print(f"\n200 creates with 10% drops + 10% 5xx: {dict(outcomes)}; stored {len(stored)}, duplicates 0")


async def test_a_429_storm_holds_every_request_for_the_cool_down() -> None:
    limit = 20
    storm_cooldowns = 3
    async with (
        simulated(clock=_time.now, seed=3) as sim,
        connect(
            password_credentials(),
            base_url=BASE_URL,
            transport=sim.transport,
            retry=RetryPolicy.batch(),
            max_concurrency=limit,
        ) as client,
    ):
        project_id = await new_project(client, "Storm site")
        stats = client.get_async_httpx_client().stats  # type: ignore[attr-defined]
        await sim.post("counters/reset")
        await sim.put("faults", {"routes": {"*": {"rate_429": 1.0}}})  # the storm: every request refused

        async def end_the_storm() -> None:
            while stats.cooldowns < storm_cooldowns:  # noqa: ASYNC110  # the client exposes a counter, not an event
                await asyncio.sleep(0)
            await sim.put("faults", {"routes": {"*": None}})

        ender = asyncio.create_task(end_the_storm())
        results = await asyncio.gather(
            *(get_project.asyncio(project_id=project_id, client=client) for _ in range(1000)),
            return_exceptions=True,
        )
        await ender
        counters = await sim.counters()
    answered_429 = counters["api_requests"].get("429", 0)
    assert [r for r in results if not isinstance(r, Project)] == []
    assert counters["api_requests"].get("200", 0) == 1000
    assert counters["peak_in_flight"] <= limit
    assert stats.cooldowns >= storm_cooldowns
    # Per cool-down the simulator saw at most the requests in flight when it began, not 1,000 retries.
    assert answered_429 <= stats.cooldowns * limit
    print(f"\n429 storm, 1000 requests: {answered_429} answered 429 over {stats.cooldowns} cool-downs (limit {limit})")


async def test_a_rate_limited_token_endpoint_is_waited_out_in_virtual_time() -> None:
    async with simulated(clock=_time.now, token_rate_limit=4) as sim:
        await sim.put("faults", {"token_endpoint": "rate_limited", "token_endpoint_seconds": 3})
        started = _time.now()
        async with connect(password_credentials(), base_url=BASE_URL, transport=sim.transport) as client:
            await new_project(client, "after the limit")
        counts = (await sim.counters())["token_requests"]
    limited = sum(o.get("rate_limited", 0) for o in counts.values())
    assert _time.now() - started >= 3.0
    assert 1 <= limited <= 4
    assert counts["password"]["ok"] == 1


@pytest.mark.slow
async def test_requests_in_flight_when_a_storm_hits_share_one_cool_down() -> None:
    """Real time, short cool-downs: with 20 ms of server latency, 20 requests really are in flight
    together when the 429s start, and they must all wait out one cool-down, not start 20."""
    set_testing(False)
    limit = 20
    policy = RetryPolicy(rate_limit_initial=0.3, rate_limit_max=0.6, rate_limit_attempts=20, jitter=0.1)
    async with (
        simulated(seed=5) as sim,
        connect(
            password_credentials(), base_url=BASE_URL, transport=sim.transport, retry=policy, max_concurrency=limit
        ) as client,
    ):
        project_id = await new_project(client, "Real storm site")
        stats = client.get_async_httpx_client().stats  # type: ignore[attr-defined]
        await sim.post("counters/reset")
        await sim.put("faults", {"routes": {"*": {"rate_429": 1.0, "latency_ms": 20}}})

        async def end_the_storm() -> None:
            await asyncio.sleep(1.0)
            await sim.put("faults", {"routes": {"*": {"rate_429": 0.0, "latency_ms": 5}}})

        ender = asyncio.create_task(end_the_storm())
        results = await asyncio.gather(
            *(get_project.asyncio(project_id=project_id, client=client) for _ in range(300)), return_exceptions=True
        )
        await ender
        counters = await sim.counters()
    answered_429 = counters["api_requests"].get("429", 0)
    assert [r for r in results if not isinstance(r, Project)] == []
    assert counters["peak_in_flight"] <= limit
    assert answered_429 >= limit  # the storm met a full set of requests in flight
    assert stats.cooldowns <= 5  # ~1 s of storm / 0.3-0.6 s cool-downs, not one per 429
    assert answered_429 <= stats.cooldowns * limit
    print(f"\nreal-time storm: {answered_429} answered 429 over {stats.cooldowns} cool-downs (limit {limit})")
