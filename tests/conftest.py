"""Shared fixtures: where the offline mirrors of the upstream documents are, and their parsed forms."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
MIRROR_CANDIDATES = [REPO.parent / "shared" / "openapi", Path("/work/shared/openapi")]
SPEC_NAME = "plantpredict-swagger-current.json"
REFERENCE_NAME = "plantpredict-api-docs-12.13.0.yaml"


def _source(env: str, name: str) -> Path:
    if os.environ.get(env):
        return Path(os.environ[env])
    extra = [Path(os.environ["PLANTPREDICT_SPEC_MIRROR"])] if os.environ.get("PLANTPREDICT_SPEC_MIRROR") else []
    for folder in [*extra, *MIRROR_CANDIDATES]:
        if (folder / name).is_file():
            return folder / name
    pytest.fail(f"{name} not found: set {env} (make test does) or PLANTPREDICT_SPEC_MIRROR")


@pytest.fixture(scope="session")
def spec_path() -> Path:
    return _source("SPEC_SOURCE", SPEC_NAME)


@pytest.fixture(scope="session")
def reference_path() -> Path:
    return _source("REFERENCE_SOURCE", REFERENCE_NAME)


@pytest.fixture(scope="session")
def live_document(spec_path: Path) -> dict[str, Any]:
    return json.loads(spec_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def reference_document(reference_path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(reference_path.read_text(encoding="utf-8"), Loader=loader)
