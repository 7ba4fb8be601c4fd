"""Prism on both documents for the whole session (started together: the live document takes Prism
about 25 s to load), and the outcomes of calling every generated operation through them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openapi import NameLock, Overrides, normalize
from tests.conftest import REPO
from tests.contract import prism
from tests.contract.arguments import Arguments
from tests.contract.calls import Outcome, call_all
from tests.contract.documents import operations_of, prepared_live_copy

#: Prism's dynamic answers for the live document are drawn from this seed, so a failure reproduces.
SEED = "20260212"


@pytest.fixture(scope="session")
def api_surface() -> dict[str, Any]:
    return json.loads((REPO / "openapi" / "api-surface.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def merged_document(live_document: dict[str, Any], reference_document: dict[str, Any]) -> dict[str, Any]:
    """The document the committed client was generated from (its bounds and attribute names)."""
    lock = NameLock.from_json(json.loads((REPO / "openapi" / "spec.lock.json").read_text(encoding="utf-8"))["names"])
    return normalize(live_document, reference_document, lock, Overrides.read(REPO / "openapi" / "names.yml")).document


@pytest.fixture(scope="session")
def live_copy(live_document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    return prepared_live_copy(live_document, tmp_path_factory.mktemp("prism"))


@pytest.fixture(scope="session")
def prism_servers(live_copy: tuple[Path, list[Any]], reference_path: Path) -> Iterator[dict[str, prism.Prism]]:
    """Prism on the live document (dynamic answers, seeded) and on the reference (its recorded
    examples), on free loopback ports, stopped at the end of the session."""
    started: list[prism.Prism] = []
    try:
        live, live_lines = prism.start(live_copy[0], seed=SEED)
        started.append(live)
        reference, reference_lines = prism.start(reference_path)
        started.append(reference)
        prism.wait_until_listening(live, live_lines)
        prism.wait_until_listening(reference, reference_lines)
        yield {"live": live, "reference": reference}
    finally:
        for server in started:
            prism.stop(server)


def _outcome(
    which: str,
    document: dict[str, Any],
    servers: dict[str, prism.Prism],
    api_surface: dict[str, Any],
    merged: dict[str, Any],
    *,
    only_signature: bool,
) -> Outcome:
    modules = {
        name: f"plantpredict_client.api.{api_surface['operations'][name]['module']}.{name}"
        for name in operations_of(document, api_surface)
    }
    outcome = asyncio.run(call_all(servers[which].url, modules, Arguments(merged), only_signature=only_signature))
    outcome.prism_output = servers[which].tail(40)
    return outcome


@pytest.fixture(scope="session")
def live_outcome(
    live_document: dict[str, Any],
    prism_servers: dict[str, prism.Prism],
    api_surface: dict[str, Any],
    merged_document: dict[str, Any],
) -> Outcome:
    return _outcome("live", live_document, prism_servers, api_surface, merged_document, only_signature=False)


@pytest.fixture(scope="session")
def reference_outcome(
    reference_document: dict[str, Any],
    prism_servers: dict[str, prism.Prism],
    api_surface: dict[str, Any],
    merged_document: dict[str, Any],
) -> Outcome:
    return _outcome("reference", reference_document, prism_servers, api_surface, merged_document, only_signature=False)


@pytest.fixture(scope="session")
def minimal_outcomes(
    live_document: dict[str, Any],
    reference_document: dict[str, Any],
    prism_servers: dict[str, prism.Prism],
    api_surface: dict[str, Any],
    merged_document: dict[str, Any],
) -> dict[str, Outcome]:
    """Both documents called with only what the signatures require (bodies as their constructors
    allow): what a hurried caller sends."""
    return {
        which: _outcome(which, document, prism_servers, api_surface, merged_document, only_signature=True)
        for which, document in (("live", live_document), ("reference", reference_document))
    }
