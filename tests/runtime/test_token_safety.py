"""Token safety and the typed-error boundary in the corners an independent review probed: refresh
tokens never presented twice, rejected credentials never retried, every failure typed.

Each test is small, uses virtual time (``set_testing``) and at most a fraction of a second of real
waiting. They began as the review's probes, each failing on the code it reviewed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs

import httpx
import pytest

from plantpredict_auth import (
    APIConnectionError,
    APIResponseError,
    AuthenticationError,
    MemoryTokenStore,
    PasswordCredentials,
    PlantPredictClient,
    PlantPredictError,
    RedisTokenStore,
    Token,
    TokenManager,
    TokenStoreError,
    _time,
    connect,
    set_testing,
)
from plantpredict_client.api.projects import get_project
from tests.runtime.fakes import BASE_URL, CREDENTIALS, FakePlantPredict

OKTA_URL = "http://127.0.0.1:9/oauth2/v1/token"
OKTA = PasswordCredentials("ada", "pw-ada-123", "cid-1", "csecret-1", token_url=OKTA_URL)


@pytest.fixture(autouse=True)
def virtual_time() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


class FakeOkta:
    """Password + refresh grants with rotation; records every refresh token presented.

    ``refresh_answer`` lets a test replace the answer to a refresh *after* the server rotated it
    (what a gateway 502/504 in front of the token server looks like to the client).
    """

    def __init__(self, *, lifetime: int = 3600, password_ok: bool = True, refresh_ok: bool = True) -> None:
        self.lifetime = lifetime
        self.password_ok = password_ok
        self.refresh_ok = refresh_ok
        self.active: set[str] = set()
        self.rotated: set[str] = set()
        self.presented: list[str] = []
        self.reused: list[str] = []
        self.password_attempts = 0
        self.refresh_answer: httpx.Response | None = None
        self.delay = 0.0  # real seconds before answering a refresh (async transport only)
        # Set once a refresh has rotated at the server; while ``hold`` is set, its answer waits
        # for ``hold`` (the answer in flight).
        self.rotated_one = asyncio.Event()
        self.hold: asyncio.Event | None = None
        self._n = itertools.count(1)

    def _grant(self) -> httpx.Response:
        n = next(self._n)
        rt = f"RT-{n}"
        self.active.add(rt)
        return httpx.Response(
            200,
            json={"access_token": f"AT-{n}", "refresh_token": rt, "expires_in": self.lifetime, "token_type": "Bearer"},
        )

    def handle(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form["grant_type"] == "password":
            self.password_attempts += 1
            if not self.password_ok:
                return httpx.Response(400, json={"error": "invalid_grant", "error_description": "bad password"})
            return self._grant()
        rt = form["refresh_token"]
        self.presented.append(rt)
        if rt in self.rotated:
            self.reused.append(rt)
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "reused"})
        if rt not in self.active or not self.refresh_ok:
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "unknown"})
        self.active.discard(rt)
        self.rotated.add(rt)
        answer = self._grant()
        if self.refresh_answer is not None:
            lost, self.refresh_answer = self.refresh_answer, None
            return lost  # the server rotated, the client never sees the new token
        return answer

    @property
    def transport(self) -> httpx.AsyncBaseTransport:
        okta = self

        class T(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                await request.aread()
                if okta.delay and b"refresh_token" in request.content:
                    await asyncio.sleep(okta.delay)  # real time: Redis lock timeouts are real
                response = okta.handle(request)
                if b"refresh_token" in request.content and okta.rotated:
                    okta.rotated_one.set()
                    if okta.hold is not None:
                        await okta.hold.wait()
                return response

        return T()


def stored_token(rt: str, *, age: float, lifetime: float = 100.0) -> Token:
    now = _time.now()
    return Token(access_token=f"AT-for-{rt}", expires_at=now - age + lifetime, issued_at=now - age, refresh_token=rt)


# ---------------------------------------------------------------------------------------------
# 1. Refresh-token safety


async def test_a_refresh_answered_by_a_gateway_504_is_not_presented_again() -> None:
    """A 504 to a refresh may come after the server rotated the token: log in instead of re-presenting it.

    What went wrong before: a 5xx on the refresh grant is retried with the SAME refresh token.

    A 502/504 from a gateway (or a 500 after the server committed) may come after Okta rotated
    the token; re-presenting it is a reuse, and Okta then revokes the whole family. The flow
    already treats a lost transport answer this way (_RefreshAnswerLost); a 5xx is no different.
    """
    okta = FakeOkta()
    manager = TokenManager(OKTA, transport=okta.transport)
    await manager.get_token()  # password login: AT-1 / RT-1
    assert manager._current is not None
    await manager.token_rejected(manager._current.access_token)  # a 401, as BearerAuth reports it
    okta.refresh_answer = httpx.Response(504, text="Gateway Timeout")
    await manager.get_token()
    await manager.aclose()
    assert okta.reused == [], f"refresh token presented again after a 504: presented={okta.presented}"


async def test_a_shared_store_does_not_forget_the_latest_refresh_token() -> None:
    """The store keeps the latest refresh token past its access token's expiry, for every holder.

    What went wrong before: the store drops an entry (and its refresh token)
    when the ACCESS token expires; a holder then falls back to its own, already-rotated refresh
    token. Two managers sharing one store (= two processes sharing Redis) after an idle hour.
    """
    okta = FakeOkta(lifetime=100)
    store = MemoryTokenStore()
    m1 = TokenManager(OKTA, store=store, transport=okta.transport)
    m2 = TokenManager(OKTA, store=store, transport=okta.transport)
    await m1.get_token()  # AT-1 / RT-1, saved
    await m2.get_token()  # adopts AT-1 / RT-1
    _time._advance_to(_time.now() + 80)  # past 75%: m1 refreshes ahead, RT-1 -> RT-2
    await m1.get_token()
    assert m1._flight is not None
    await asyncio.wait([m1._flight])
    assert okta.rotated == {"RT-1"}
    _time._advance_to(_time.now() + 200)  # everyone idle past AT-2's expiry
    await m2.get_token()  # m2 finds the store empty and presents RT-1
    await m1.aclose()
    await m2.aclose()
    assert okta.reused == [], f"a rotated refresh token was presented: {okta.reused}"


async def test_redis_lock_is_not_lost_during_a_slow_refresh(redis_url: str) -> None:
    """A holder extends the Redis lock while it works, so a slow refresh is not taken over midway.

    What went wrong before: the Redis lock times out (lock_timeout) and is never extended, while one
    token acquisition may take minutes (rate-limit waits up to 180 s, 4 x 30 s timeouts). A second
    process then takes the lock, finds the old refresh token and presents it too.
    """
    okta = FakeOkta()
    okta.active.add("RT-0")
    store_a = RedisTokenStore(redis_url, lock_timeout=0.1, lock_wait=2.0)
    store_b = RedisTokenStore(redis_url, lock_timeout=0.1, lock_wait=2.0)
    creds = PasswordCredentials("lock-probe", "pw-lock-123", "cid-1", "csecret-1", token_url=OKTA_URL)
    store_a._sync_client.delete(creds.store_key, f"{creds.store_key}:lock")
    await store_a.save(creds.store_key, stored_token("RT-0", age=80))  # due, still usable
    okta.delay = 0.4  # the token server is slow (a real 0.4 s; lock_timeout is 0.1 s)
    a = TokenManager(creds, store=store_a, transport=okta.transport)
    b = TokenManager(creds, store=store_b, transport=okta.transport)
    try:
        await asyncio.gather(a.get_token(), b.get_token())
    finally:
        await a.aclose()
        await b.aclose()
        await store_a.aclose()
        await store_b.aclose()
    assert okta.presented.count("RT-0") == 1, f"RT-0 presented {okta.presented.count('RT-0')} times"


# ---------------------------------------------------------------------------------------------
# 2. Lockout: a rejected password is retried every 5 s from the refresh-ahead path


async def test_rejected_credentials_are_not_retried_every_five_seconds_by_refresh_ahead() -> None:
    """A background refresh refused for bad credentials is not retried (Okta would lock the account).

    What went wrong before: when a refresh-ahead flight fails with AuthenticationError
    (refresh refused, then password invalid_grant), _after_ahead CLEARS the remembered failure
    and retries 5 s later. Between 75% and 98% of an hour-long token that is ~170 password
    attempts with a wrong password: Okta locks the account long before.
    """
    okta = FakeOkta()
    manager = TokenManager(OKTA, transport=okta.transport)
    await manager.get_token()  # a good login: AT-1 / RT-1
    okta.password_ok = False  # the admin regenerated the password...
    okta.refresh_ok = False  # ...and the refresh token was revoked
    _time._advance_to(_time.now() + 2700)  # 75% of the hour: refresh ahead is due
    for _ in range(900):  # a request every second for 15 minutes
        _time._advance_to(_time.now() + 1.0)
        with contextlib.suppress(AuthenticationError):
            await manager.get_token()
        if manager._flight is not None:
            await asyncio.wait([manager._flight])
    await manager.aclose()
    assert okta.password_attempts - 1 <= 3, f"{okta.password_attempts - 1} password attempts with a rejected password"


# ---------------------------------------------------------------------------------------------
# 3. Shared exception objects


async def test_a_remembered_failure_does_not_grow_its_traceback_on_every_raise() -> None:
    """Each caller gets its own copy of a remembered failure, not one object whose traceback grows.

    What went wrong before: the remembered exception object is re-raised as is to every
    caller for up to 60 s; each ``raise`` appends the caller's frames to the SAME __traceback__,
    so memory grows with the number of callers (and every caller's frames are kept alive).
    """
    okta = FakeOkta(password_ok=False)
    manager = TokenManager(OKTA, transport=okta.transport)
    caught: list[BaseException] = []
    for _ in range(200):
        try:
            await manager.get_token()
        except AuthenticationError as exc:
            caught.append(exc)
    await manager.aclose()
    depth = 0
    tb = caught[-1].__traceback__
    while tb is not None:
        depth += 1
        tb = tb.tb_next
    assert depth < 50, f"one shared exception, traceback now {depth} frames deep after 200 callers"


# ---------------------------------------------------------------------------------------------
# 4. The typed-error boundary


def _project_fake(response: httpx.Response) -> FakePlantPredict:
    return FakePlantPredict(lambda request: response)


async def test_a_redis_outage_is_a_typed_error_not_a_raw_redis_exception() -> None:
    """Redis being down is a TokenStoreError, not a raw redis exception.

    What went wrong before: store errors cross the boundary untranslated.
    """
    fake = _project_fake(httpx.Response(200, json={"id": 12, "name": "x"}))
    store = RedisTokenStore("redis://127.0.0.1:9/0")  # nothing listens there
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport, token_store=store) as client:
        with pytest.raises(TokenStoreError):
            await get_project.asyncio(project_id=12, client=client)
    await store.aclose()


async def test_a_corrupt_gzip_body_is_a_typed_error_not_httpx_decoding_error() -> None:
    """An undecodable body is an APIResponseError, not httpx.DecodingError.

    What went wrong before: only httpx.TransportError is caught; httpx.DecodingError (a RequestError,
    not a TransportError) raised while reading the body escapes raw.
    """
    fake = FakePlantPredict(
        lambda request: httpx.Response(
            200,
            stream=httpx.ByteStream(b"this is not gzip data"),  # decoded only when the client reads it
            headers={"content-encoding": "gzip", "content-type": "application/json"},
        )
    )
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        with pytest.raises(APIResponseError, match="could not be decoded"):
            await get_project.asyncio(project_id=12, client=client)


async def test_a_200_whose_json_is_not_an_object_is_a_typed_error() -> None:
    """Valid JSON of the wrong shape is an APIResponseError, not the generated parser's TypeError.

    What went wrong before: the JSON guard covers only undecodable bodies; valid JSON of the wrong
    shape (null, a list, a string) makes the generated parser raise TypeError/ValueError.
    """
    fake = _project_fake(httpx.Response(200, content=b"null", headers={"content-type": "application/json"}))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        with pytest.raises(APIResponseError, match="does not match the declared type"):
            await get_project.asyncio(project_id=12, client=client)


async def test_a_redirect_is_not_silently_turned_into_none() -> None:
    """An undocumented redirect (a sign-in page) raises instead of reading as "no project".

    What went wrong before: a 3xx is 'OK' and passes _check; with follow_redirects=False
    the generated function returns None (an SSO/login redirect looks like 'no project').
    """
    fake = _project_fake(httpx.Response(302, headers={"location": "https://login.example/"}))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        with pytest.raises(APIResponseError, match=r"redirects to https://login\.example"):
            await get_project.asyncio(project_id=12, client=client)


async def test_a_body_read_failure_on_a_streamed_retryable_answer_is_typed() -> None:
    """A broken error body on a streamed request is a typed error.

    What went wrong before: with stream=True the body of a 5xx/429 answer is read outside the
    TransportError handler, so a connection reset while reading it escapes as raw httpx.ReadError
    (and the idempotent GET is not retried).
    """

    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in self.chunks():
                yield chunk

        def chunks(self) -> Iterator[bytes]:
            raise httpx.ReadError("connection reset")  # before the first byte

    fake = FakePlantPredict(lambda request: httpx.Response(503, stream=Broken()))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        http = client.get_async_httpx_client()
        with pytest.raises(APIConnectionError, match="ReadError"):
            async with http.stream("GET", "/Project/12"):
                pytest.fail("a broken 503 was handed over as a stream")


# ---------------------------------------------------------------------------------------------
# 5. Sync client


def test_the_sync_client_rejects_a_zero_concurrency_limit_instead_of_hanging() -> None:
    """max_concurrency=0 is refused at once by the sync client too.

    What went wrong before: PlantPredictAsyncClient validates max_concurrency >= 1, the sync twin
    does not, and threading.BoundedSemaphore(0) blocks every request forever.
    """
    fake = _project_fake(httpx.Response(200, json={"id": 12}))
    with pytest.raises(ValueError, match="max_concurrency must be at least 1"):
        PlantPredictClient(base_url=BASE_URL, transport=fake.transport, max_concurrency=0)


# ---------------------------------------------------------------------------------------------
# 6. Cancellation of the flight, second event loop, token churn


async def test_closing_a_manager_mid_refresh_does_not_strand_a_rotated_refresh_token() -> None:
    """Closing while a refresh is at the server waits for it, so its rotated token is kept.

    What went wrong before: aclose() (connect()'s exit) cancels a refresh-ahead flight whose
    request is already at the token server. The server rotated RT-0 -> RT-1, the answer is thrown
    away, the store still holds RT-0, and the next holder sharing the store presents RT-0 again.
    """
    okta = FakeOkta()
    okta.active.add("RT-0")
    store = MemoryTokenStore()
    await store.save(OKTA.store_key, stored_token("RT-0", age=80))  # due: refresh ahead
    okta.hold = asyncio.Event()
    leaving = TokenManager(OKTA, store=store, transport=okta.transport)
    leaving._current = await store.load(OKTA.store_key)  # it has been using that token
    await leaving.get_token()  # served at once; the background refresh starts
    await okta.rotated_one.wait()  # the server rotated RT-0; its answer is on the way
    # The service shuts down (the `async with connect()` block ends) while the answer is in flight.
    closing = asyncio.create_task(leaving.aclose())
    await asyncio.sleep(0)  # aclose() is now waiting for the flight
    assert not closing.done()
    okta.hold.set()
    await closing
    assert okta.rotated == {"RT-0"}
    _time._advance_to(_time.now() + 15)  # past the leeway
    other = TokenManager(OKTA, store=store, transport=okta.transport)
    await other.get_token()
    await other.aclose()
    assert okta.reused == [], f"rotated refresh token presented again: {okta.reused}"


@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_manager_with_redis_works_on_a_second_event_loop(redis_url: str) -> None:
    """A Redis-backed manager keeps working when asyncio.run is called a second time.

    What went wrong before: the manager starts loop-bound resources over on a new loop (asyncio.run called
    again), but RedisTokenStore's redis.asyncio client stays bound to the first, closed loop.
    """
    okta = FakeOkta()
    creds = PasswordCredentials("loop-probe", "pw-loop-123", "cid-1", "csecret-1", token_url=OKTA_URL)
    store = RedisTokenStore(redis_url)
    manager = TokenManager(creds, store=store, transport=okta.transport)
    store._sync_client.delete(creds.store_key)
    asyncio.run(manager.get_token())
    _time._advance_to(_time.now() + 3700)  # the token expired between the two runs
    problem = None
    try:
        token = asyncio.run(manager.get_token())
    except Exception as exc:
        problem = f"second event loop: {type(exc).__name__}: {exc}"
    else:
        assert token.startswith("AT-")
    # The first loop's Redis socket can no longer be closed properly: drop every reference and
    # collect it here, so its ResourceWarning is not reported against a later test.
    store._sync_client.close()
    del manager, store
    gc.collect()
    assert problem is None, problem


async def test_an_api_that_always_answers_401_does_not_cost_two_token_requests_per_call() -> None:
    """An API that refuses every token does not cost token requests on every call.

    What went wrong before: after the replay is refused too, the FRESH token is also rejected, so every
    following request starts with a token request and ends with another one (wrong base URL /
    deployment). Nothing remembers the failure: N sequential calls make ~2N token requests.
    """
    fake = FakePlantPredict(lambda request: httpx.Response(401))
    fake.valid = _Everything()  # the fake's own check passes; the API still answers 401
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        for _ in range(10):
            with pytest.raises(AuthenticationError):
                await get_project.asyncio(project_id=12, client=client)
    assert len(fake.issued) <= 3, f"{len(fake.issued)} token requests for 10 API calls"


class _Everything(set):  # type: ignore[type-arg]
    def __contains__(self, item: object) -> bool:
        return True


async def test_a_chained_cause_does_not_carry_the_request_and_its_secrets() -> None:
    """Error trackers serialize exception chains: the httpx cause is a copy without its request."""

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    manager = TokenManager(OKTA, transport=httpx.MockTransport(refused))
    with pytest.raises(PlantPredictError) as caught:
        await manager.get_token()
    await manager.aclose()
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.ConnectError)
    with pytest.raises(RuntimeError):
        cause.request  # noqa: B018  # the copy has no request to give
    fake = FakePlantPredict(refused)
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        with pytest.raises(PlantPredictError) as api_caught:
            await get_project.asyncio(project_id=12, client=client)
    api_cause = api_caught.value.__cause__
    assert isinstance(api_cause, httpx.ConnectError)
    with pytest.raises(RuntimeError):
        api_cause.request  # noqa: B018


async def test_a_401_with_a_body_is_not_replayed() -> None:
    """Only the API's empty 401 means "not processed, no valid token"; anything more is raised."""
    fake = FakePlantPredict(lambda request: httpx.Response(401, json={"message": "Scope transactions/post missing"}))
    fake.valid = _Everything()
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport) as client:
        with pytest.raises(PlantPredictError, match="Scope transactions/post missing"):
            await get_project.asyncio(project_id=12, client=client)
    assert len(fake.api_requests) == 1
    assert fake.issued == ["token-1"]


async def test_the_last_429_still_starts_a_cool_down_for_everyone_else() -> None:
    from plantpredict_auth import RateLimitError, RetryPolicy

    fake = FakePlantPredict(lambda request: httpx.Response(429))
    async with connect(CREDENTIALS, base_url=BASE_URL, transport=fake.transport, retry=RetryPolicy.none()) as client:
        with pytest.raises(RateLimitError):
            await get_project.asyncio(project_id=12, client=client)
        gate = client.get_async_httpx_client().gate  # type: ignore[attr-defined]
        assert gate.remaining() > 25.0  # the others now wait ~30 s instead of piling on
