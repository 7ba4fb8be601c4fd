"""Shared fixtures: where the offline mirrors of the upstream documents are, and their parsed forms."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
# Beside the checkout, as CI lays them out; PLANTPREDICT_SPEC_MIRROR names another folder.
MIRROR_CANDIDATES = [REPO.parent / "shared" / "openapi"]
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


# --------------------------------------------------------------------------------------------
# No secret in the logs: every DEBUG record of the runtime, the simulator and httpx during the
# whole run is kept, and at the end none may contain a token, password or client secret that any
# test registered with ``watch_for_leaks`` (the simulators register every value they issue).

WATCHED_LOGGERS = ("plantpredict_auth", "plantpredict_simulator", "httpx", "httpcore", "uvicorn", "examples")
LEAK_WATCH: set[str] = set()


def watch_for_leaks(*values: str | None) -> None:
    LEAK_WATCH.update(v for v in values if v and len(v) >= 6)


class LogRecorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="session", autouse=True)
def debug_log_recorder() -> Iterator[LogRecorder]:
    recorder = LogRecorder()
    previous: dict[str, int] = {}
    for name in WATCHED_LOGGERS:
        logger = logging.getLogger(name)
        previous[name] = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(recorder)
    yield recorder
    for name in WATCHED_LOGGERS:
        logger = logging.getLogger(name)
        logger.removeHandler(recorder)
        logger.setLevel(previous[name])
    leaked = sum(1 for secret in LEAK_WATCH if any(secret in line for line in recorder.lines))
    # The values themselves are never printed: that would be the leak.
    assert leaked == 0, f"{leaked} of {len(LEAK_WATCH)} watched secret values appeared in DEBUG logs"
