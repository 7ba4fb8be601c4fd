"""One OS process of the shared-token test: GETs a project until a deadline, its token shared
through Redis with the other processes.

Protocol with the test: once imported and connected, print ``ready``; then read one line from
stdin, the deadline (epoch seconds) the test gives every worker at once, and run until it; print
one JSON line with what was done. Starting on the test's word, not at a fixed time, keeps a slow
start (a loaded machine importing four interpreters at once) from eating the measured lifetimes."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from plantpredict_auth import PasswordCredentials, RedisTokenStore, TokenManager, connect
from plantpredict_client.api.projects import get_project
from plantpredict_client.models import Project


async def main(base_url: str, redis_url: str, project_id: int) -> None:
    from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_USERNAME

    credentials = PasswordCredentials(
        DEFAULT_USERNAME,
        DEFAULT_PASSWORD,
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        token_url=f"{base_url}/oauth2/v1/token",
    )
    store = RedisTokenStore(redis_url, lock_timeout=5.0, lock_wait=20.0)
    manager = TokenManager(credentials, store=store)
    ok = failed = 0
    async with connect(credentials, base_url=base_url, token_manager=manager, max_concurrency=4) as client:
        print("ready", flush=True)
        until = float(await asyncio.to_thread(sys.stdin.readline))
        while time.time() < until:
            results = await asyncio.gather(
                *(get_project.asyncio(project_id=project_id, client=client) for _ in range(4)), return_exceptions=True
            )
            ok += sum(isinstance(r, Project) for r in results)
            failed += sum(not isinstance(r, Project) for r in results)
            await asyncio.sleep(0.02)
    await manager.aclose()
    await store.aclose()
    stats = manager.stats
    print(
        json.dumps({"ok": ok, "failed": failed, "token_requests": stats.total_token_requests, "waited": stats.waited})
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
