"""A uvicorn-served simulator for the example programs (over loopback, like a user would run them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plantpredict_simulator import launched


@pytest.fixture
def simulator_url(request: pytest.FixtureRequest) -> Iterator[str]:
    extra: list[str] = getattr(request, "param", [])
    with launched("--admin", "--seed", "4", *extra) as url:
        yield url
