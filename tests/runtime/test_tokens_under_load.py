"""The token manager's promises, measured against the simulator's token server and counters.

Waiting is virtual (``set_testing``) except where the simulator's own clock has to move (the
token endpoint's 3 s rate limit, the refresh-ahead run over 5 real token lifetimes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from plantpredict_auth import AuthenticationError, TokenManager, _time, connect, set_testing
from plantpredict_client import Client
from plantpredict_client.api.projects import create_project, get_project, list_projects
from plantpredict_client.models import Project
from tests.runtime.simulated import BASE_URL, password_credentials, simulated


@pytest.fixture
def virtual_time() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


async def make_project(client: Client, name: str = "Token Test Site") -> int:
    body = Project(name=name, latitude=33.45, longitude=-112.07, elevation=331.0, standard_offset_from_utc=-7.0)
    created = await create_project.asyncio(client=client, body=body)
    assert created is not None
    assert isinstance(created.id, int)
    return created.id


async def get_many(client: Client, project_id: int, count: int) -> list[object]:
    return await asyncio.gather(
        *(get_project.asyncio(project_id=project_id, client=client) for _ in range(count)), return_exceptions=True
    )


async def test_a_thousand_requests_at_expiry_make_one_token_request(virtual_time: None) -> None:
    async with simulated() as sim:
        manager = TokenManager(password_credentials(), transport=sim.transport)
        async with connect(
            password_credentials(),
            base_url=BASE_URL,
            transport=sim.transport,
            token_manager=manager,
            max_concurrency=1000,
        ) as client:
            project_id = await make_project(client)
            current = manager._current
            assert current is not None
            before = await sim.token_requests()
            _time._advance_to(current.expires_at - 0.05)  # 50 ms before the token expires
            results = await get_many(client, project_id, 1000)
            after = await sim.token_requests()
        await manager.aclose()
    assert [r for r in results if not isinstance(r, Project)] == []
    assert after - before == 1
    assert manager.stats.waited >= 1
    print(f"\n1000 requests 50 ms before expiry: {after - before} token request, {len(results)} successes")


async def test_tokens_expired_by_the_server_mid_burst_cost_one_token_request(virtual_time: None) -> None:
    async with (
        simulated() as sim,
        connect(password_credentials(), base_url=BASE_URL, transport=sim.transport, max_concurrency=50) as client,
    ):
        project_id = await make_project(client)
        # A little latency so that many requests really are in flight when the tokens expire.
        await sim.put("faults", {"routes": {"*": {"latency_ms": 5}}})
        before = await sim.token_requests()
        done = 0

        async def one() -> object:
            nonlocal done
            result = await get_project.asyncio(project_id=project_id, client=client)
            done += 1
            if done == 100:
                await sim.post("tokens/expire")
            return result

        results = await asyncio.gather(*(one() for _ in range(400)), return_exceptions=True)
        after = await sim.token_requests()
        api_401 = (await sim.counters())["api_requests"].get("401", 0)
    assert [r for r in results if not isinstance(r, Project)] == []
    assert after - before == 1
    assert api_401 >= 1  # the expiry really hit requests in flight
    print(f"\nexpired mid-burst: {api_401} requests met a 401, {after - before} token request, all 400 succeeded")


async def test_a_revoked_refresh_token_costs_one_failed_refresh_and_one_login(virtual_time: None) -> None:
    async with (
        simulated() as sim,
        connect(password_credentials(), base_url=BASE_URL, transport=sim.transport, max_concurrency=20) as client,
    ):
        project_id = await make_project(client)
        await sim.post("counters/reset")
        await sim.post("tokens/revoke-refresh")
        await sim.post("tokens/expire")
        results = await get_many(client, project_id, 200)
        counts = (await sim.counters())["token_requests"]
    assert [r for r in results if not isinstance(r, Project)] == []
    assert counts.get("refresh_token") == {"invalid_grant": 1}
    assert counts.get("password") == {"ok": 1}
    print(f"\nrevoked refresh token: token requests {counts}, 200 of 200 succeeded")


async def test_a_wrong_password_fails_every_waiter_after_one_token_request(virtual_time: None) -> None:
    async with simulated() as sim:
        manager = TokenManager(password_credentials("not-the-password"), transport=sim.transport)
        results = await asyncio.gather(*(manager.get_token() for _ in range(500)), return_exceptions=True)
        again = await asyncio.gather(*(manager.get_token() for _ in range(100)), return_exceptions=True)
        requests = await sim.token_requests()
        await manager.aclose()
    assert all(isinstance(r, AuthenticationError) for r in results + again)
    assert len({id(r) for r in results}) == 1  # the same exception, not 500 separate failures
    assert requests == 1
    assert "not-the-password" not in str(results[0])
    print(
        f"\nwrong password: {len(results) + len(again)} waiters got AuthenticationError after {requests} token request"
    )


@pytest.mark.slow
async def test_a_rate_limited_token_endpoint_is_waited_out_within_its_limit() -> None:
    """Real time: the simulator's rate limit lasts 3 real seconds."""
    async with simulated(token_rate_limit=4) as sim:
        await sim.put("faults", {"token_endpoint": "rate_limited", "token_endpoint_seconds": 3})
        started = _time.now()
        async with connect(password_credentials(), base_url=BASE_URL, transport=sim.transport) as client:
            projects = await asyncio.gather(*(get_projects_list(client) for _ in range(50)), return_exceptions=True)
        elapsed = _time.now() - started
        counts = (await sim.counters())["token_requests"]
    assert [p for p in projects if isinstance(p, BaseException)] == []
    limited = sum(o.get("rate_limited", 0) for o in counts.values())
    total = sum(sum(o.values()) for o in counts.values())
    assert elapsed >= 2.5
    assert limited <= 4 * 4  # never more than the per-user limit for each second waited
    assert total - limited == 1


async def get_projects_list(client: Client) -> object:
    return await list_projects.asyncio(client=client)


@pytest.mark.slow
async def test_refresh_ahead_means_no_request_waits_in_steady_state() -> None:
    """Real time: five real lifetimes of a 2 s token, a request every 10 ms."""
    async with simulated(token_lifetime=2.0) as sim:
        manager = TokenManager(password_credentials(), transport=sim.transport)
        async with connect(
            password_credentials(), base_url=BASE_URL, transport=sim.transport, token_manager=manager
        ) as client:
            project_id = await make_project(client)
            waited_before = manager.stats.waited
            ends = _time.now() + 10.0
            requests = 0
            while _time.now() < ends:
                result = await get_project.asyncio(project_id=project_id, client=client)
                assert isinstance(result, Project)
                requests += 1
                await asyncio.sleep(0.01)
            token_requests = await sim.token_requests()
        await manager.aclose()
    assert requests > 400
    assert manager.stats.waited - waited_before == 0
    assert manager.stats.refreshed_ahead >= 4
    print(
        f"\nrefresh ahead: {requests} requests over 5 token lifetimes, {manager.stats.waited - waited_before} waited, "
        f"{manager.stats.refreshed_ahead} background refreshes, {token_requests} token requests"
    )
    assert manager.stats.replayed == 0
    assert token_requests <= 1 + 7  # one per 0.75 s of token life, plus the first


async def test_a_post_refused_with_401_is_replayed_and_creates_one_object(virtual_time: None) -> None:
    async with simulated() as sim:
        async with connect(password_credentials(), base_url=BASE_URL, transport=sim.transport) as client:
            await make_project(client, name="warm-up")
            await sim.post("tokens/expire")
            await make_project(client, name="Replayed Create")
        projects = [p for p in await sim.objects("projects") if p.get("name") == "Replayed Create"]
        api_401 = (await sim.counters())["api_requests"].get("401", 0)
    assert len(projects) == 1
    assert api_401 == 1
