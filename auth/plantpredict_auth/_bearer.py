"""``BearerAuth``: attach the token; after a 401, refresh (unless another task already did) and replay once."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Generator

import httpx

from ._errors import AuthenticationError
from ._token_manager import TokenManager

log = logging.getLogger("plantpredict_auth.auth")


def _origin(url: httpx.URL) -> tuple[bytes, bytes, int | None]:
    return url.raw_scheme, url.raw_host, url.port


class BearerAuth(httpx.Auth):
    """An ``httpx.Auth`` that sends ``Authorization: Bearer <token>`` from a ``TokenManager``.

    PlantPredict answers 401 with an empty body when the token is missing or expired, before doing
    anything, so the request is replayed once, whatever its method, with its buffered body. A
    second 401 raises ``AuthenticationError`` naming the request. When ``origin`` is given, the
    token is only ever sent to that scheme, host and port.
    """

    requires_request_body = True  # buffered, so a POST can be replayed byte for byte

    def __init__(self, token_manager: TokenManager, *, origin: str | httpx.URL | None = None) -> None:
        self.token_manager = token_manager
        self._origin = _origin(httpx.URL(origin)) if origin is not None else None

    def __repr__(self) -> str:
        return f"BearerAuth({self.token_manager!r})"

    def _allowed(self, request: httpx.Request) -> bool:
        return self._origin is None or _origin(request.url) == self._origin

    @staticmethod
    def _refused_twice(request: httpx.Request) -> AuthenticationError:
        return AuthenticationError(
            f"{request.method} {request.url.path} was refused with 401 twice, the second time with a new token: "
            "the token server accepts these credentials but this API does not (wrong deployment or base URL?)"
        )

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self._allowed(request):
            yield request
            return
        token = await self.token_manager.get_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        await self.token_manager.token_rejected(token)
        fresh = await self.token_manager.get_token()
        self.token_manager.stats.replayed += 1
        log.debug("401 on %s %s: replaying once with another token", request.method, request.url.path)
        request.headers["Authorization"] = f"Bearer {fresh}"
        response = yield request
        if response.status_code == 401:
            await self.token_manager.token_rejected(fresh)
            raise self._refused_twice(request)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not self._allowed(request):
            yield request
            return
        token = self.token_manager.get_token_sync()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        self.token_manager.token_rejected_sync(token)
        fresh = self.token_manager.get_token_sync()
        self.token_manager.stats.replayed += 1
        log.debug("401 on %s %s: replaying once with another token", request.method, request.url.path)
        request.headers["Authorization"] = f"Bearer {fresh}"
        response = yield request
        if response.status_code == 401:
            self.token_manager.token_rejected_sync(fresh)
            raise self._refused_twice(request)
