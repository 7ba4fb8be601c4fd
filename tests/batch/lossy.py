"""A test-local transport around the in-process simulator that loses answers to POSTs only.

The simulator's own ``drop_rate`` cuts the connection after any request of a route group (GETs
too, which the client simply retries). To lose exactly a share of the creates and runs, this
wrapper lets the simulator process the POST and then raises what a dropped connection raises:
the request took effect, its answer never arrived.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable

import httpx

# What a POST creates or starts, by path.
KINDS = [
    (re.compile(r"^/Project$", re.I), "project"),
    (re.compile(r"^/Project/\d+/Prediction$", re.I), "prediction"),
    (re.compile(r"^/Project/\d+/Prediction/\d+/PowerPlant$", re.I), "plant"),
    (re.compile(r"^/Project/\d+/Prediction/\d+/Run$", re.I), "run"),
]


def kind_of(request: httpx.Request) -> str | None:
    if request.method != "POST":
        return None
    return next((kind for pattern, kind in KINDS if pattern.match(request.url.path)), None)


class FirstOf:
    """Picks the first POST of one kind (and that same request when asked again)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.request: httpx.Request | None = None

    def __call__(self, request: httpx.Request) -> bool:
        if self.request is None and kind_of(request) == self.kind:
            self.request = request
        return request is self.request


Pick = Callable[[httpx.Request], bool]


def never(request: httpx.Request) -> bool:
    return False


class LossyTransport(httpx.AsyncBaseTransport):
    """Loses the answer to ``rate`` of the POSTs ``kind_of`` knows, after the simulator stored them.

    For single requests: ``after`` loses the answer after the simulator processed it, ``before``
    loses it without letting it reach the simulator (nothing happened), ``twice`` lets the
    simulator process it twice (a duplicate someone else made), ``failing`` answers 500 to any
    request without passing it on."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        rate: float = 0.0,
        seed: int = 0,
        after: Pick = never,
        before: Pick = never,
        twice: Pick = never,
        failing: Pick = never,
    ) -> None:
        self.inner = inner
        self.rate = rate
        self.rng = random.Random(seed)
        self.after = after
        self.before = before
        self.twice = twice
        self.failing = failing
        self.lost: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()

    def _lose(self, request: httpx.Request, kind: str) -> None:
        self.lost[kind] += 1
        raise httpx.RemoteProtocolError("Server disconnected without sending a complete response.", request=request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failing(request):
            return httpx.Response(500, text="An error has occurred.", request=request)
        kind = kind_of(request)
        if kind is None:
            return await self.inner.handle_async_request(request)
        self.sent[kind] += 1
        if self.before(request):
            self._lose(request, kind)
        response = await self.inner.handle_async_request(request)
        if self.twice(request):
            await response.aread()
            await response.aclose()
            response = await self.inner.handle_async_request(request)
        if self.rng.random() < self.rate or self.after(request):
            await response.aread()
            await response.aclose()
            self._lose(request, kind)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
