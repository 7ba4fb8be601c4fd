"""``connect()``: the generated ``Client``, wired with tokens, retries, limits and typed errors.

Nothing in ``plantpredict_client/`` is changed: the generated ``Client`` accepts ready-made httpx
clients (``set_async_httpx_client`` / ``set_httpx_client``), and those carry everything. What is
yielded is the generated class with the runtime's helpers (``_resources.py``): ``ConnectedClient``
(a ``plantpredict_client.Client``) and ``ConnectedSyncClient`` (a ``plantpredict_client.SyncClient``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import httpx

from plantpredict_client.client import LARGE_ANSWER

from ._bearer import BearerAuth
from ._client import PlantPredictAsyncClient, PlantPredictClient
from ._cooldown import CooldownStore
from ._credentials import Credentials
from ._resources import ConnectedClient, ConnectedSyncClient
from ._retry import RetryPolicy
from ._stores import TokenStore
from ._token_manager import TokenManager
from ._translate import response_error

#: Connect fast, but give PlantPredict time to answer: large power plants and results take seconds
#: to serialize, and a POST that times out on read has an unknown outcome.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0, pool=60.0)
DEFAULT_MAX_CONCURRENCY = 16
DEFAULT_HEADERS = {"Accept": "application/json", "User-Agent": "plantpredict-client (python; httpx)"}
#: The httpx settings that decide how a connection is made (TLS, proxies): the token requests get
#: the same ones as the API requests, so a corporate CA or proxy works for both.
_CONNECTION_SETTINGS = ("verify", "cert", "trust_env", "proxy", "mounts")


def resolve_base_url(credentials: Credentials, base_url: str | None) -> str:
    """``base_url``, else ``PLANTPREDICT_BASE_URL``, else the deployment matching the credentials."""
    return (base_url or os.environ.get("PLANTPREDICT_BASE_URL") or credentials.default_base_url).rstrip("/")


_Connected = TypeVar("_Connected", ConnectedClient, ConnectedSyncClient)


def _generated_client(
    cls: type[_Connected],
    url: str,
    timeout: httpx.Timeout,
    headers: dict[str, str],
    parse_in_thread_above: int | None = LARGE_ANSWER,
) -> _Connected:
    # Undocumented statuses (a redirect to a sign-in page) and bodies of the wrong shape raise the
    # runtime's APIResponseError instead of quietly returning None or a TypeError.
    return cls(
        base_url=url,
        timeout=timeout,
        headers=headers,
        raise_on_unexpected_status=True,
        response_error=response_error,
        parse_in_thread_above=parse_in_thread_above,
    )


def _http_settings(
    url: str,
    manager: TokenManager,
    retry: RetryPolicy | None,
    max_concurrency: int,
    timeout: httpx.Timeout | float,
    httpx_args: dict[str, Any],
) -> dict[str, Any]:
    """What the async and the sync httpx client of ``connect()`` / ``connect_sync()`` share."""
    return {
        **httpx_args,
        "base_url": url,
        "auth": BearerAuth(manager, origin=url),
        "timeout": timeout,
        "headers": {**DEFAULT_HEADERS, **httpx_args.get("headers", {})},
        "follow_redirects": False,
        "retry": retry,
        "max_concurrency": max_concurrency,
    }


def _limits(max_concurrency: int) -> httpx.Limits:
    # Connections beyond the concurrency limit would only ever sit idle.
    return httpx.Limits(
        max_connections=max_concurrency, max_keepalive_connections=max_concurrency, keepalive_expiry=30.0
    )


def _connection_settings(httpx_args: dict[str, Any]) -> dict[str, Any]:
    return {name: httpx_args[name] for name in _CONNECTION_SETTINGS if name in httpx_args}


@asynccontextmanager
async def connect(
    credentials: Credentials,
    *,
    base_url: str | None = None,
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    retry: RetryPolicy | None = None,
    token_store: TokenStore | None = None,
    cooldown_store: CooldownStore | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    token_manager: TokenManager | None = None,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,  # noqa: ASYNC109  # configures httpx; does not bound this call
    parse_in_thread_above: int | None = LARGE_ANSWER,
    **httpx_args: Any,
) -> AsyncIterator[ConnectedClient]:
    """Yield a ``plantpredict_client.Client`` (a ``ConnectedClient``): resource methods
    (``await client.projects.get(project_id)``), the generated ``asyncio`` functions, and
    ``client.stats``, ``client.with_options(...)``, ``client.predictions.run_and_wait(...)``.

    ``transport`` carries API and token requests alike (tests pass the simulator in-process).
    Pass ``token_manager`` to share one token between several clients of the same identity, and
    ``cooldown_store`` (``RedisCooldownStore``) to share the 429 cool-down between processes.
    Answers larger than ``parse_in_thread_above`` bytes (64 KiB; ``None``: none) are decoded and
    parsed on a worker thread, so a multi-megabyte power plant does not hold the event loop.
    """
    url = resolve_base_url(credentials, base_url)
    manager = token_manager or TokenManager(
        credentials, store=token_store, transport=transport, http_options=_connection_settings(httpx_args)
    )
    settings = _http_settings(url, manager, retry, max_concurrency, timeout, httpx_args)
    # Without a transport the client builds its own on aiohttp (see _transport.py), for the base
    # URL and for any proxy httpx picks.
    settings.setdefault("limits", _limits(max_concurrency))
    http = PlantPredictAsyncClient(transport=transport, **settings)
    http.gate.store = cooldown_store
    client = _generated_client(ConnectedClient, url, http.timeout, settings["headers"], parse_in_thread_above)
    client.set_async_httpx_client(http)
    try:
        yield client
    finally:
        await http.aclose()
        if token_manager is None:
            await manager.aclose()


@contextmanager
def connect_sync(
    credentials: Credentials,
    *,
    base_url: str | None = None,
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    retry: RetryPolicy | None = None,
    token_store: TokenStore | None = None,
    cooldown_store: CooldownStore | None = None,
    transport: httpx.BaseTransport | None = None,
    token_manager: TokenManager | None = None,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    **httpx_args: Any,
) -> Iterator[ConnectedSyncClient]:
    """Like ``connect()``, with plain methods: yields a ``plantpredict_client.SyncClient`` (a
    ``ConnectedSyncClient``) for ``client.projects.get(project_id)`` and the generated ``sync``
    functions (threads share the limit)."""
    url = resolve_base_url(credentials, base_url)
    manager = token_manager or TokenManager(
        credentials, store=token_store, sync_transport=transport, http_options=_connection_settings(httpx_args)
    )
    settings = _http_settings(url, manager, retry, max_concurrency, timeout, httpx_args)
    settings.setdefault("limits", _limits(max_concurrency))
    http = PlantPredictClient(transport=transport, **settings)
    http.gate.store = cooldown_store
    client = _generated_client(ConnectedSyncClient, url, http.timeout, settings["headers"]).set_httpx_client(http)
    try:
        yield client
    finally:
        http.close()
        if token_manager is None:
            manager.close()
