from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openapi import NameLock, Overrides, Result, normalize
from tests.conftest import REPO


@pytest.fixture(scope="session")
def overrides() -> Overrides:
    """names.yml, with the SDK's enumerations beside it."""
    return Overrides.read(REPO / "openapi" / "names.yml")


@pytest.fixture(scope="session")
def lock_names() -> NameLock:
    data = json.loads((REPO / "openapi" / "spec.lock.json").read_text(encoding="utf-8"))
    return NameLock.from_json(data["names"])


@pytest.fixture(scope="session")
def normalized(
    live_document: dict[str, Any], reference_document: dict[str, Any], lock_names: NameLock, overrides: Overrides
) -> Result:
    return normalize(live_document, reference_document, lock_names, overrides)


@pytest.fixture(scope="session")
def api_surface() -> dict[str, Any]:
    return json.loads((REPO / "openapi" / "api-surface.json").read_text(encoding="utf-8"))


def repo_path(*parts: str) -> Path:
    return REPO.joinpath(*parts)
