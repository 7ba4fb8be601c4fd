"""A scripted stand-in for the API behind ``connect()`` (the simulator covers the real behaviour;
this covers answers no well-behaved server gives: HTML pages, truncated JSON, ProblemDetails)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx

from plantpredict_auth import ClientCredentials

TOKEN_URL = "http://127.0.0.1:9/oauth2/token"
BASE_URL = "http://127.0.0.1:9"
CREDENTIALS = ClientCredentials("client-9", "secret-9", token_url=TOKEN_URL)

Handler = Callable[[httpx.Request], httpx.Response]


class FakePlantPredict:
    """Token endpoint issuing tokens ``token-1``, ``token-2``...; API answers from ``api``."""

    def __init__(self, api: Handler, *, lifetime: int = 3600) -> None:
        self.api = api
        self.lifetime = lifetime
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.api_requests: list[httpx.Request] = []
        self._counter = itertools.count(1)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            fields = parse_qs(request.content.decode())
            assert fields["grant_type"] == ["client_credentials"]
            token = f"token-{next(self._counter)}"
            self.issued.append(token)
            self.valid.add(token)
            return httpx.Response(
                200, json={"access_token": token, "expires_in": self.lifetime, "token_type": "Bearer"}
            )
        # A snapshot: a replay re-sends the same Request object with a new Authorization header.
        self.api_requests.append(
            httpx.Request(request.method, request.url, headers=request.headers.copy(), content=request.read())
        )
        auth = request.headers.get("authorization", "")
        if auth.removeprefix("Bearer ") not in self.valid:
            return httpx.Response(401)
        return self.api(request)

    def expire_all(self) -> None:
        self.valid.clear()

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)
