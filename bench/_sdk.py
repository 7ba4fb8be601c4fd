"""Driving the official SDK (``plantpredict`` 1.0.24, the incumbent), for the benchmarks and for the
test that runs it against the simulator. It is untyped and prints as it goes; it is imported by
name so it stays out of the runtime's dependencies."""

from __future__ import annotations

import importlib
from typing import Any

from bench._support import PROJECT
from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET


def official_sdk(base_url: str) -> Any:
    """``plantpredict.Api`` against the simulator, with its service credentials."""
    plantpredict = importlib.import_module("plantpredict")
    return plantpredict.Api(
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        base_url=base_url,
        auth_url=f"{base_url}/oauth2/token",
    )


def sdk_get(api: Any, project_id: int) -> None:
    project = api.project(id=project_id)
    project.get()
    if project.name != PROJECT["name"]:
        raise RuntimeError("the SDK did not read the project")
