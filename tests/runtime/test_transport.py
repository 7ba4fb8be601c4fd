"""The runtime's guarantees on the transport ``connect()`` uses by default (aiohttp under httpx).

Every test here goes over a real loopback socket with no ``transport=``: what users get. Retry
waits are virtual (``set_testing``); the timeouts under test are real and short.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import ssl
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import trustme

from plantpredict_auth import (
    APIConnectionError,
    APITimeoutError,
    ClientCredentials,
    OutcomeUnknownError,
    RetryPolicy,
    connect,
    set_testing,
)
from plantpredict_auth._client import PlantPredictAsyncClient
from plantpredict_auth._transport import AiohttpTransport
from plantpredict_client import Client
from plantpredict_client.api.projects import create_project, get_project
from plantpredict_client.models import CreateEntityInfo, Project
from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, launched
from tests.complete_bodies import complete
from tests.runtime.loopback import (
    Request,
    json_answer,
    never_answer,
    ok_project,
    reset_after_request,
    response_bytes,
    serving,
    truncated_body,
)

SHORT = httpx.Timeout(5.0, connect=0.3, read=0.3, write=0.3, pool=0.3)


@pytest.fixture(autouse=True)
def virtual_waits() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def site() -> Project:
    return Project(name="Loopback", latitude=35.0, longitude=-106.0, elevation=1600.0, standard_offset_from_utc=-7.0)


def http_of(client: Client) -> PlantPredictAsyncClient:
    http = client.get_async_httpx_client()
    assert isinstance(http, PlantPredictAsyncClient)
    return http


async def test_connect_uses_the_aiohttp_transport_by_default() -> None:
    async with serving(ok_project) as server, connect(server.credentials(), base_url=server.base_url) as client:
        http = http_of(client)
        assert isinstance(http._transport, AiohttpTransport)
        project = await get_project.asyncio(project_id=1, client=client)
    assert isinstance(project, Project)
    assert project.name == "Loopback"


@pytest.fixture
def full_backlog() -> Iterator[str]:
    """A listener whose accept queue is full: the kernel drops further SYNs, so connecting hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        filler.close()
        listener.close()


async def test_a_connect_timeout_means_never_sent_so_a_post_is_retried(full_backlog: str) -> None:
    retry = RetryPolicy(max_attempts=2)
    async with (
        serving(ok_project) as tokens,
        connect(tokens.credentials(), base_url=full_backlog, timeout=SHORT, retry=retry) as client,
    ):
        with pytest.raises(APIConnectionError) as caught:
            await create_project.asyncio(client=client, body=site())
        assert http_of(client).stats.attempts == 2  # the POST was retried: it never left
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert isinstance(caught.value, APITimeoutError)
    assert isinstance(caught.value.__cause__, httpx.ConnectTimeout)


async def test_a_refused_connection_means_never_sent() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    async with (
        serving(ok_project) as tokens,
        connect(tokens.credentials(), base_url=f"http://127.0.0.1:{port}", retry=RetryPolicy(max_attempts=3)) as client,
    ):
        with pytest.raises(APIConnectionError) as caught:
            await create_project.asyncio(client=client, body=site())
        assert http_of(client).stats.attempts == 3
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_a_read_timeout_after_a_post_is_an_unknown_outcome_and_not_retried() -> None:
    async with (
        serving(never_answer) as server,
        connect(server.credentials(), base_url=server.base_url, timeout=SHORT) as client,
    ):
        with pytest.raises(OutcomeUnknownError) as caught:
            await create_project.asyncio(client=client, body=site())
    assert isinstance(caught.value, APITimeoutError)  # an unknown outcome, because of a timeout
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert [r.method for r in server.api_requests()] == ["POST"]


async def test_a_read_timeout_on_a_get_is_retried() -> None:
    async with (
        serving(never_answer) as server,
        connect(server.credentials(), base_url=server.base_url, timeout=SHORT, retry=RetryPolicy(max_attempts=3)) as c,
    ):
        with pytest.raises(APITimeoutError) as caught:
            await get_project.asyncio(project_id=1, client=c)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert len(server.api_requests()) == 3


async def test_a_connection_reset_after_a_post_is_an_unknown_outcome() -> None:
    async with (
        serving(reset_after_request) as server,
        connect(server.credentials(), base_url=server.base_url) as client,
    ):
        with pytest.raises(OutcomeUnknownError):
            await create_project.asyncio(client=client, body=site())
    assert len(server.api_requests()) == 1


async def test_a_truncated_answer_to_a_post_is_an_unknown_outcome() -> None:
    async with serving(truncated_body) as server, connect(server.credentials(), base_url=server.base_url) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await create_project.asyncio(client=client, body=site())
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)
    assert len(server.api_requests()) == 1


async def test_a_truncated_answer_to_a_get_is_retried() -> None:
    async with (
        serving(truncated_body) as server,
        connect(server.credentials(), base_url=server.base_url, retry=RetryPolicy(max_attempts=2)) as client,
    ):
        with pytest.raises(APIConnectionError):
            await get_project.asyncio(project_id=1, client=client)
    assert len(server.api_requests()) == 2


async def test_a_stalled_upload_hits_the_write_timeout_as_an_unknown_outcome() -> None:
    """aiohttp has no write timeout of its own (its read timeout starts after the body is written):
    the transport's holds a server that stops reading a large body to it. Part of the body left,
    so a POST's outcome is unknown."""
    async with (
        serving(never_answer, read_body=False) as server,
        connect(server.credentials(), base_url=server.base_url, timeout=SHORT) as client,
    ):
        big = complete(Project.from_dict({"name": "x" * 16_000_000, "latitude": 1.0, "longitude": 2.0}))
        with pytest.raises(OutcomeUnknownError) as caught:
            await create_project.asyncio(client=client, body=big)
    assert isinstance(caught.value.__cause__, httpx.WriteTimeout)


async def test_waiting_longer_than_the_pool_timeout_for_a_connection_is_never_sent() -> None:
    release = asyncio.Event()

    async def slow(request: Request, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        await ok_project(request, writer)

    async def slow_and_seen(request: Request, writer: asyncio.StreamWriter) -> None:
        arrived.set()
        await slow(request, writer)

    arrived = asyncio.Event()
    async with serving(slow_and_seen) as server:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        timeout = httpx.Timeout(5.0, pool=0.3)
        async with PlantPredictAsyncClient(
            base_url=server.base_url, limits=limits, timeout=timeout, max_concurrency=2, retry=RetryPolicy.none()
        ) as http:
            first = asyncio.create_task(http.get("/Project/1"))
            await arrived.wait()  # the first request holds the only connection
            with pytest.raises(APIConnectionError) as caught:
                await http.post("/Project", json={"name": "waits for the pool"})
            release.set()
            assert (await first).status_code == 200
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert isinstance(caught.value.__cause__, httpx.PoolTimeout)
    assert [r.method for r in server.api_requests()] == ["GET"]


async def test_a_401_replay_resends_the_same_body_on_the_same_transport() -> None:
    async def refuse_once(request: Request, writer: asyncio.StreamWriter) -> None:
        if len(server.api_requests()) == 1:
            writer.write(response_bytes(401))
        else:
            writer.write(json_answer(200, {"id": 7}))
        await writer.drain()

    async with serving(refuse_once) as server, connect(server.credentials(), base_url=server.base_url) as client:
        created = await create_project.asyncio(client=client, body=site())
    assert isinstance(created, CreateEntityInfo)
    assert created.id == 7
    first, second = server.api_requests()
    assert first.body == second.body
    assert b'"name":"Loopback"' in first.body
    assert server.token_requests == 2  # the refused token was replaced before the replay


async def test_a_streamed_download_arrives_before_the_server_has_sent_all_of_it() -> None:
    first_chunk_seen = asyncio.Event()

    async def in_two_parts(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n")
        writer.write(b"6\r\nfirst\n\r\n")
        await writer.drain()
        await first_chunk_seen.wait()  # the second part exists only once the first was received
        writer.write(b"7\r\nsecond\n\r\n0\r\n\r\n")
        await writer.drain()

    async with serving(in_two_parts) as server, connect(server.credentials(), base_url=server.base_url) as client:
        received = []
        async with asyncio.timeout(10), http_of(client).stream("GET", "/Weather/1/Download") as response:
            async for chunk in response.aiter_bytes():
                received.append(chunk)
                first_chunk_seen.set()
    assert b"".join(received) == b"first\nsecond\n"
    assert received[0] == b"first\n"


@pytest.fixture
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_tls(certificate_authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


async def test_an_unknown_certificate_is_refused_and_never_sent(server_tls: ssl.SSLContext) -> None:
    retry = RetryPolicy(max_attempts=2)
    async with (
        serving(ok_project) as tokens,
        serving(ok_project, tls=server_tls) as server,
        connect(tokens.credentials(), base_url=server.base_url, retry=retry) as client,
    ):
        with pytest.raises(APIConnectionError) as caught:
            await create_project.asyncio(client=client, body=site())
        assert http_of(client).stats.attempts == 2  # a failed TLS handshake is "never sent": retried
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert server.api_requests() == []


async def test_verify_reaches_the_api_and_the_token_requests(
    server_tls: ssl.SSLContext, certificate_authority: trustme.CA
) -> None:
    trusted = ssl.create_default_context()
    certificate_authority.configure_trust(trusted)
    async with (
        serving(ok_project, tls=server_tls) as server,
        connect(server.credentials(), base_url=server.base_url, verify=trusted) as client,
    ):
        project = await get_project.asyncio(project_id=1, client=client)
    assert isinstance(project, Project)
    assert server.token_requests == 1


async def test_proxies_from_the_environment_are_used_as_httpx_uses_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The proxy answers everything itself; the API's host does not resolve, so only a request that
    went through the proxy can succeed."""
    async with serving(ok_project) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        credentials = proxy.credentials()
        async with connect(credentials, base_url="http://api.plantpredict.invalid") as client:
            project = await get_project.asyncio(project_id=1, client=client)
        assert isinstance(project, Project)
        assert "GET http://api.plantpredict.invalid/Project/1" in [f"{r.method} {r.target}" for r in proxy.requests]

        monkeypatch.setenv("NO_PROXY", "api.plantpredict.invalid")
        async with connect(credentials, base_url="http://api.plantpredict.invalid", retry=RetryPolicy.none()) as c:
            with pytest.raises(APIConnectionError):  # direct: the name does not resolve
                await get_project.asyncio(project_id=1, client=c)

        monkeypatch.delenv("NO_PROXY")
        seen = len(proxy.requests)
        async with connect(
            credentials, base_url="http://api.plantpredict.invalid", trust_env=False, retry=RetryPolicy.none()
        ) as c:
            with pytest.raises(APIConnectionError):
                await get_project.asyncio(project_id=1, client=c)
        assert all("invalid" not in r.target for r in proxy.requests[seen:])


@pytest.fixture
async def finished_client() -> AsyncIterator[PlantPredictAsyncClient]:
    async with serving(ok_project) as server:
        async with connect(server.credentials(), base_url=server.base_url) as client:
            await get_project.asyncio(project_id=1, client=client)
            http = http_of(client)
        yield http


async def test_a_closed_client_leaves_no_session_or_socket_behind(finished_client: PlantPredictAsyncClient) -> None:
    transport = finished_client._transport
    assert isinstance(transport, AiohttpTransport)
    assert transport._session is None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


@pytest.fixture(scope="module")
def served_simulator() -> Iterator[str]:
    with launched("--admin") as url:
        yield url


async def test_dropped_answers_to_creates_over_loopback_are_never_duplicated(served_simulator: str) -> None:
    """The simulator (uvicorn, a real socket) stores every create, then drops one answer in five
    without completing it: each lost answer is an OutcomeUnknownError, none is sent twice."""
    base = served_simulator
    credentials = ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, token_url=f"{base}/oauth2/token")
    async with httpx.AsyncClient(base_url=f"{base}/_sim/") as admin:
        await admin.put("faults", json={"routes": {"projects": {"drop_rate": 0.2}}})
        try:
            async with connect(credentials, base_url=base, retry=RetryPolicy.batch(), max_concurrency=16) as client:

                async def create(i: int) -> str:
                    body = Project.from_dict(site().to_dict() | {"name": f"Drill {i:03d}"})
                    try:
                        await create_project.asyncio(client=client, body=body)
                    except OutcomeUnknownError:
                        return "outcome unknown"
                    return "confirmed"

                outcomes = Counter(await asyncio.gather(*(create(i) for i in range(100))))
                attempts = http_of(client).stats.attempts
        finally:
            await admin.put("faults", json={"routes": {}})
        stored = Counter(p["name"] for p in (await admin.get("objects/projects")).json())
    drill = {name: n for name, n in stored.items() if name.startswith("Drill ")}
    assert outcomes["outcome unknown"] > 0
    assert outcomes["confirmed"] + outcomes["outcome unknown"] == 100
    assert len(drill) == 100  # the simulator stored each create before dropping its answer
    assert max(drill.values()) == 1  # 0 duplicates
    assert attempts == 100  # no POST was sent twice
    print(f"\n100 creates over loopback, 20% of answers dropped: {dict(outcomes)}; stored 100, duplicates 0")
