"""The HTTP stack under ``connect()``: httpx's API on aiohttp's connection pool.

Why not httpcore (httpx's own pool): above a dozen requests in flight it spends its time managing
itself. Measured on this machine (docs/runtime.md, "The transport"), three causes compound:

- its pool hands a freed connection to a queued request without reserving it; by the time that
  request's task runs, another task has often taken the connection, and the loser is queued again
  (about 3.5 extra passes per request at 16 in flight, 4.7 at 128);
- each pass over the pool is O(connections^2 + connections * requests) and asks every idle
  connection whether it is readable, through anyio's socket attributes (a fresh dict, a
  ``getpeername`` and a ``poll`` per connection per pass);
- every request sets up a handful of anyio locks and events, and each setup tries ``import
  sniffio``, which recent anyio no longer installs: a failed import, and a scan of ``sys.path``,
  about a dozen times per request.

aiohttp's connector hands a released connection straight to one waiter, notices a connection the
server closed from the event loop (no per-request syscalls), and parses HTTP in C.

Why not ``httpx-aiohttp`` (the package openai-python offers): version 0.2.0 maps every
``aiohttp.ClientConnectionError`` it does not know more precisely, a dropped connection after the
request was sent included, to ``httpx.ConnectTimeout``, which means "never left". The retry boundary
would then resend a POST whose create may have happened: a duplicate project. It also ignores
``trust_env`` for proxies and lets aiohttp add headers httpx did not send. The transport below is
small, and every mapping in it is decided by when the failure happened.

What this transport guarantees, each with a test (tests/runtime/test_transport.py):

- timeouts: ``connect`` (aiohttp's ``sock_connect``), ``read`` (``sock_read``: no byte for that
  long, which also covers a body write the server stopped reading: aiohttp has no write timeout),
  ``pool`` (waiting for one of ``max_connections``, enforced here so it is told apart from connect);
- failures keep httpx's types, chosen by phase: refused, unreachable, DNS and connect timeouts are
  ``ConnectError`` / ``ConnectTimeout`` / ``PoolTimeout`` (never sent); anything after the
  connection was handed the request is a ``ReadError``, ``ReadTimeout`` or ``RemoteProtocolError``
  (sent, answer lost);
- headers go out exactly as httpx built them (aiohttp adds none), cookies stay httpx's business,
  bodies are not decompressed here (httpx decodes them), and a response body is streamed to httpx
  as it arrives: a streamed download is never held whole in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import httpx
from multidict import CIMultiDict
from yarl import URL

__all__ = ["BUFFER_EXTENSION", "AiohttpAsyncClient", "AiohttpTransport"]

#: A request extension: the caller will read the whole answer at once (httpx's ``stream=False``),
#: so the transport reads it in one call and hands httpx bytes instead of a stream to iterate.
BUFFER_EXTENSION = "plantpredict.buffer"

#: Headers aiohttp would otherwise add when httpx did not send them: what goes on the wire is
#: what httpx built (and what the caller removed stays removed).
_SKIP_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")

#: aiohttp's read buffer per connection. Large answers (power plants, results, weather) arrive in
#: fewer, larger chunks; 256 KiB keeps a thousand idle connections far below 150 MB.
_READ_BUFSIZE = 256 * 1024

#: A body this small fits in a fresh connection's socket buffer (Linux starts at 16 KiB), so it
#: cannot stall; larger ones are written in ``_SLICE``-sized slices under the write timeout.
_SMALL_BODY = 16 * 1024
_SLICE = 64 * 1024


def _http_error(exc: BaseException) -> httpx.TransportError:
    """The httpx exception for an aiohttp failure. aiohttp raises the connector's errors (refused,
    DNS, TLS, proxy, connect timeout) before the request is written; every other failure happens
    on an open connection that had been handed the request: its answer, not it, may be lost."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        return httpx.ProxyError(message)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, unreachable, DNS, TLS handshake
        return httpx.ConnectError(message)
    if isinstance(exc, aiohttp.ServerTimeoutError | TimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        # A closed connection before a complete answer, a truncated body, an unparseable status line.
        return httpx.RemoteProtocolError(message)
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return httpx.UnsupportedProtocol(message)
    return httpx.ReadError(message)  # a reset or another OSError on the open connection


@contextlib.contextmanager
def _mapped() -> Iterator[None]:
    try:
        yield
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise _http_error(exc) from exc


def _client_timeout(timeouts: dict[str, float | None]) -> aiohttp.ClientTimeout:
    # The pool wait is measured before aiohttp sees the request, so its own ``connect`` (pool wait
    # plus connecting) is only the connect timeout; ``total`` stays unset: a long download is fine
    # as long as bytes keep coming.
    connect = timeouts.get("connect")
    return aiohttp.ClientTimeout(total=None, connect=connect, sock_connect=connect, sock_read=timeouts.get("read"))


class _Slots:
    """At most ``limit`` requests hold a connection; the rest wait, at most ``pool`` seconds.

    aiohttp's own limit folds this wait into its connect timeout, and the retry boundary needs to
    know which of the two ran out; both mean "never sent", but the error should say which."""

    def __init__(self, limit: int | None) -> None:
        self._semaphore = asyncio.Semaphore(limit) if limit else None

    async def acquire(self, pool_timeout: float | None) -> None:
        semaphore = self._semaphore
        if semaphore is None:
            return
        if not semaphore.locked():
            await semaphore.acquire()  # free slot: no timer to arm
            return
        try:
            async with asyncio.timeout(pool_timeout):
                await semaphore.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no connection became free within the pool timeout") from None

    def release(self) -> None:
        if self._semaphore is not None:
            self._semaphore.release()


class _ResponseStream(httpx.AsyncByteStream):
    """The body as aiohttp receives it; closing it returns the connection (or drops it, unread)."""

    def __init__(self, response: aiohttp.ClientResponse, slots: _Slots) -> None:
        self._response = response
        self._slots: _Slots | None = slots

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped():
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        slots, self._slots = self._slots, None
        if slots is None:
            return
        try:
            # A body read to the end leaves the connection reusable; otherwise it is closed, since
            # unread bytes would be taken for the next answer.
            self._response.release()
        finally:
            slots.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncBaseTransport`` on one ``aiohttp.ClientSession``, created on first use in
    the running event loop and closed by ``aclose()``."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),  # noqa: B008  # immutable
        proxy: httpx.Proxy | None = None,
    ) -> None:
        self._ssl: ssl.SSLContext = httpx.create_ssl_context(verify=verify, cert=cert, trust_env=trust_env)
        self._limits = limits
        self._proxy = proxy
        self._proxy_url = str(proxy.url) if proxy is not None else None
        self._proxy_auth = _proxy_auth(proxy)
        self._session: aiohttp.ClientSession | None = None
        self._slots: _Slots | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"AiohttpTransport(max_connections={self._limits.max_connections})"

    def _open(self) -> tuple[aiohttp.ClientSession, _Slots]:
        if self._closed:
            raise RuntimeError("this transport has been closed")
        if self._session is None or self._slots is None:
            keepalive = self._limits.keepalive_expiry
            connector = aiohttp.TCPConnector(
                limit=0,  # the slots above are the limit, with their own pool timeout
                ssl=self._ssl,
                keepalive_timeout=keepalive if keepalive is not None else 3600.0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies
                auto_decompress=False,  # httpx decodes Content-Encoding itself
                skip_auto_headers=_SKIP_AUTO_HEADERS,
                trust_env=False,  # httpx chose the proxy, if any, from the environment already
                read_bufsize=_READ_BUFSIZE,
            )
            self._slots = _Slots(self._limits.max_connections)
        return self._session, self._slots

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session, slots = self._open()
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        await slots.acquire(timeouts.get("pool"))
        try:
            return await self._send(session, slots, request, timeouts)
        except BaseException:
            slots.release()
            raise

    async def _send(
        self, session: aiohttp.ClientSession, slots: _Slots, request: httpx.Request, timeouts: dict[str, float | None]
    ) -> httpx.Response:
        headers = CIMultiDict(request.headers.multi_items())
        # aiohttp starts its read timeout once the body is written and has no write timeout of its
        # own: a server that stops reading an upload would hold the request forever. A body that
        # might not fit in the socket's buffers is handed over in slices, each of which must be
        # taken within the write timeout.
        watchdog = asyncio.timeout(None)
        write_timeout = timeouts.get("write")
        data = _request_body(request, watchdog, write_timeout)
        if not isinstance(data, bytes | None):
            headers.popall("Transfer-Encoding", None)  # aiohttp frames a body of unknown length itself
        try:
            async with watchdog:
                with _mapped():
                    response = await session.request(
                        request.method,
                        URL(str(request.url), encoded=True),  # httpx has already encoded it
                        headers=headers,
                        data=data,
                        allow_redirects=False,
                        timeout=_client_timeout(timeouts),
                        proxy=self._proxy_url,
                        proxy_auth=self._proxy_auth,
                        proxy_headers=self._proxy.headers if self._proxy is not None else None,
                        server_hostname=request.extensions.get("sni_hostname"),
                    )
        except TimeoutError as exc:
            if watchdog.expired():
                raise httpx.WriteTimeout("the server stopped taking the request's body") from exc
            raise
        version = response.version or aiohttp.HttpVersion11
        extensions: dict[str, Any] = {"http_version": f"HTTP/{version.major}.{version.minor}".encode()}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("ascii", errors="replace")
        answer_headers = list(response.raw_headers)
        if request.extensions.get(BUFFER_EXTENSION):
            try:
                with _mapped():
                    body = await _read_whole(response)
            except BaseException:
                response.close()  # the slot is released by handle_async_request
                raise
            response.release()
            slots.release()
            return httpx.Response(
                response.status, headers=answer_headers, content=body, request=request, extensions=extensions
            )
        return httpx.Response(
            response.status,
            headers=headers,
            stream=_ResponseStream(response, slots),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()


#: Above this many bytes, an answer's pieces are joined on a worker thread (asyncio's default
#: executor), not on the event loop.
JOIN_OFF_LOOP_ABOVE = 1 << 20


async def _read_whole(response: aiohttp.ClientResponse) -> bytes:
    """The whole body, as ``response.read()`` gives it, except that a large one is joined off the
    loop. Joining 4.6 MB (a power plant) into fresh memory took 3 to 5 ms of the loop's CPU
    (cProfile: ``bytes.join`` in aiohttp's ``StreamReader.read``, page faults included), and
    ``bytes.join`` lets go of the GIL for a copy above 1 MB, so with the parse thread busy the loop
    then waited up to a switch interval (5 ms) more to get it back: together the largest callback
    of the loop in bench/large_answers.py's longest stalls (docs/build-step.md#large-answers)."""
    length = response.content_length
    if length is not None and length <= JOIN_OFF_LOOP_ABOVE:
        return await response.read()  # the common case: one call, no chunk loop
    pieces: list[bytes] = []
    size = 0
    async for piece in response.content.iter_any():
        pieces.append(piece)
        size += len(piece)
    if size <= JOIN_OFF_LOOP_ABOVE or len(pieces) == 1:
        return b"".join(pieces)
    return await asyncio.get_running_loop().run_in_executor(None, b"".join, pieces)


def _proxy_auth(proxy: httpx.Proxy | None) -> aiohttp.BasicAuth | None:
    if proxy is None or proxy.raw_auth is None:
        return None
    username, password = proxy.raw_auth
    return aiohttp.BasicAuth(username.decode(), password.decode())


def _request_body(
    request: httpx.Request, watchdog: asyncio.Timeout, write_timeout: float | None
) -> bytes | AsyncIterator[bytes] | None:
    try:
        content = request.content
    except httpx.RequestNotRead:  # a streamed upload
        return _paced(_stream(request), watchdog, write_timeout)
    if len(content) <= _SMALL_BODY:
        return content or None
    return _paced(_slices(content), watchdog, write_timeout)


async def _slices(content: bytes) -> AsyncIterator[bytes]:
    view = memoryview(content)
    for start in range(0, len(view), _SLICE):
        yield view[start : start + _SLICE].tobytes()


async def _stream(request: httpx.Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream:  # type: ignore[union-attr]  # an unread body is an async stream here
        yield chunk


async def _paced(body: AsyncIterator[bytes], watchdog: asyncio.Timeout, seconds: float | None) -> AsyncIterator[bytes]:
    """``body``, arming ``watchdog`` for ``seconds`` each time a slice is handed over: aiohttp asks
    for the next one only once the previous one is written."""
    loop = asyncio.get_running_loop()
    async for chunk in body:
        if seconds is not None:
            watchdog.reschedule(loop.time() + seconds)
        yield chunk
    watchdog.reschedule(None)  # all written: from here on the read timeout applies


class AiohttpAsyncClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` whose connections are ``AiohttpTransport``'s, for the base URL and for
    every proxy httpx picks (``proxy=``, or ``HTTP(S)_PROXY``/``NO_PROXY`` with ``trust_env``).

    HTTP/2 and SOCKS proxies, which aiohttp does not speak, keep httpx's own transport."""

    def _init_transport(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),  # noqa: B008  # immutable
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> httpx.AsyncBaseTransport:
        if transport is not None or http2:
            return super()._init_transport(verify, cert, trust_env, http1, http2, limits, transport)
        return AiohttpTransport(verify=verify, cert=cert, trust_env=trust_env, limits=limits)

    def _init_proxy_transport(
        self,
        proxy: httpx.Proxy,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),  # noqa: B008  # immutable
    ) -> httpx.AsyncBaseTransport:
        if http2 or proxy.url.scheme not in ("http", "https"):
            return super()._init_proxy_transport(proxy, verify, cert, trust_env, http1, http2, limits)
        return AiohttpTransport(verify=verify, cert=cert, trust_env=trust_env, limits=limits, proxy=proxy)
