"""`make smoke`: does the (regenerated) client still talk to PlantPredict? A read-only check.

With PLANTPREDICT_* credentials in the environment (PLANTPREDICT_CLIENT_ID/SECRET, or USERNAME/PASSWORD/
CLIENT_ID/CLIENT_SECRET; PLANTPREDICT_BASE_URL and PLANTPREDICT_TOKEN_URL to point elsewhere), it reads the
API version, the definitions, your projects, one of them, and the module and inverter libraries through
the generated functions, and prints one line per call. It never creates, changes or deletes anything.
Without credentials it says so in one line and exits 0. Exit 1: a call failed (its typed error is shown).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from plantpredict_auth import ConfigurationError, PlantPredictError, connect, credentials_from_env
from plantpredict_client import Client
from plantpredict_client.api.definitions import get_definitions
from plantpredict_client.api.inverters import list_inverters
from plantpredict_client.api.modules import list_modules
from plantpredict_client.api.projects import get_my_projects, get_project
from plantpredict_client.api.system import get_version

CREDENTIAL_VARIABLES = ("PLANTPREDICT_CLIENT_ID", "PLANTPREDICT_USERNAME")


def _count(value: Any) -> str:
    return f"{len(value)} item(s)" if isinstance(value, list) else type(value).__name__


async def check(client: Client) -> list[tuple[str, str]]:
    """Each read and what it answered; raises the first PlantPredictError."""
    seen: list[tuple[str, str]] = []

    async def step(name: str, call: Callable[[], Awaitable[Any]], describe: Callable[[Any], str]) -> Any:
        answer = await call()
        if answer is None:
            raise PlantPredictError(f"{name} answered no body")
        seen.append((name, describe(answer)))
        return answer

    await step("version", lambda: get_version.asyncio(client=client), lambda v: f"version {v.version}")
    await step("definitions", lambda: get_definitions.asyncio(client=client), _count)
    projects = await step("my projects", lambda: get_my_projects.asyncio(client=client), _count)
    ids = [p.id for p in projects if isinstance(p.id, int)]
    if ids:
        await step("one project", lambda: get_project.asyncio(ids[0], client=client), lambda p: f"{p.id}: {p.name}")
    else:
        seen.append(("one project", "skipped: you have no project"))
    await step("modules", lambda: list_modules.asyncio(client=client), _count)
    await step("inverters", lambda: list_inverters.asyncio(client=client), _count)
    return seen


async def run() -> int:
    credentials = credentials_from_env()
    async with connect(credentials) as client:
        for name, answer in await check(client):
            print(f"ok  {name:<12} {answer}")
    return 0


def main() -> int:
    if not any(os.environ.get(name, "").strip() for name in CREDENTIAL_VARIABLES):
        print("smoke: skipped, no PlantPredict credentials in the environment (set PLANTPREDICT_CLIENT_ID/SECRET)")
        return 0
    try:
        return asyncio.run(run())
    except ConfigurationError as exc:
        print(f"smoke: {exc}", file=sys.stderr)
        return 2
    except PlantPredictError as exc:
        print(f"smoke: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
