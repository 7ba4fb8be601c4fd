"""The batch tests' servers: a private redis-server (the runtime tests' fixture), virtual time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plantpredict_auth import set_testing
from tests.runtime.conftest import redis_url

__all__ = ["redis_url"]


@pytest.fixture
def virtual_time() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)
