"""Servers the runtime's integration tests start for themselves: a real redis-server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import redis_server


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A private redis-server (no persistence) for the session; `make test` installs it if missing."""
    with redis_server() as url:
        yield url
