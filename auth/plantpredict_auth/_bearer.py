"""``BearerAuth``: attach the token; after an empty 401, refresh (unless another task already did) and replay once."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Generator

import httpx

from . import _time
from ._errors import UnauthorizedError
from ._token_manager import TokenManager

log = logging.getLogger("plantpredict_auth.auth")

#: After the API refused a fresh token too, further 401s fail at once for this long instead of
#: costing a token request each: a wrong base URL or deployment does not fix itself in seconds.
REFUSAL_MEMORY = 30.0


def _origin(url: httpx.URL) -> tuple[bytes, bytes, int | None]:
    return url.raw_scheme, url.raw_host, url.port


class BearerAuth(httpx.Auth):
    """An ``httpx.Auth`` that sends ``Authorization: Bearer <token>`` from a ``TokenManager``.

    PlantPredict answers a missing or expired token with an empty 401, before doing anything, so
    such a request is replayed once, whatever its method, with its buffered body. A 401 with a body
    is not replayed (the API said more than "no token": it is returned, and the client raises it).
    A second 401 raises ``UnauthorizedError`` (an ``APIStatusError`` and an ``AuthenticationError``)
    naming the request. When ``origin`` is given, the
    token is only ever sent to that scheme, host and port.
    """

    requires_request_body = True  # buffered, so a POST can be replayed byte for byte

    def __init__(self, token_manager: TokenManager, *, origin: str | httpx.URL | None = None) -> None:
        self.token_manager = token_manager
        self._origin = _origin(httpx.URL(origin)) if origin is not None else None
        self._refused_until = 0.0

    def __repr__(self) -> str:
        return f"BearerAuth({self.token_manager!r})"

    def _allowed(self, request: httpx.Request) -> bool:
        return self._origin is None or _origin(request.url) == self._origin

    def _refused(self, request: httpx.Request, response: httpx.Response, *, again: bool) -> UnauthorizedError:
        if not again:
            self._refused_until = _time.now() + REFUSAL_MEMORY
        return UnauthorizedError(
            f"{request.method} {request.url.path} was refused with 401"
            + (" (as the last request, moments ago)" if again else " twice, the second time with a new token")
            + ": the token server accepts these credentials but this API does not (wrong deployment or base URL?)",
            status_code=401,
            body=response.content.decode("utf-8", errors="replace"),
            request_method=request.method,
            request_path=request.url.path,
            headers=response.headers,
        )

    def _replayable(self, response: httpx.Response) -> bool:
        return response.status_code == 401 and not response.content.strip()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self._allowed(request):
            yield request
            return
        token = await self.token_manager.get_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        if not self._replayable(response):
            return
        if _time.now() < self._refused_until:
            raise self._refused(request, response, again=True)
        await self.token_manager.token_rejected(token)
        fresh = await self.token_manager.get_token()
        self.token_manager.stats.replayed += 1
        log.debug("401 on %s %s: replaying once with another token", request.method, request.url.path)
        request.headers["Authorization"] = f"Bearer {fresh}"
        response = yield request
        if response.status_code == 401:
            # The fresh token is kept: the API, not the token, is what refuses.
            await response.aread()
            raise self._refused(request, response, again=False)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not self._allowed(request):
            yield request
            return
        token = self.token_manager.get_token_sync()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        response.read()
        if not self._replayable(response):
            return
        if _time.now() < self._refused_until:
            raise self._refused(request, response, again=True)
        self.token_manager.token_rejected_sync(token)
        fresh = self.token_manager.get_token_sync()
        self.token_manager.stats.replayed += 1
        log.debug("401 on %s %s: replaying once with another token", request.method, request.url.path)
        request.headers["Authorization"] = f"Bearer {fresh}"
        response = yield request
        if response.status_code == 401:
            response.read()
            raise self._refused(request, response, again=False)
