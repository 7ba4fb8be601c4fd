"""The concurrency sweep: this client against raw aiohttp, raw httpx and the official SDK, in one run.

    python -m bench.concurrency [--levels 16,64,128,256,512] [--gets 1000] [--latency-ms 20]

Starts the simulator (uvicorn, loopback) with 20 ms of latency per request, then, at each level of
requests in flight, times the same project GET made ``--gets`` times (400 at 16 in flight):

- plantpredict-client: ``connect(max_concurrency=level)`` and the generated ``get_project.asyncio``
  (token, retry boundary, typed parse: what a user runs);
- raw aiohttp: one ``ClientSession`` and a semaphore, ``await response.json()`` (what a Python client
  can reach on this machine);
- raw httpx: ``httpx.AsyncClient`` as a new user makes it (default pool), and with its pool sized to
  the level (tuned);
- the candidates evaluated for the transport: httpx over ``httpx-aiohttp``'s ``AiohttpTransport``,
  and ``httpx2`` (pydantic's fork of httpx, on httpcore2), pool sized to the level;
- the official SDK from 16 and 64 threads (its users' way to parallelize it).

Every asynchronous row first sends ``level`` requests to open its connections, then is timed. Wall
seconds and the client process's CPU seconds are reported; ``wrk`` on the same endpoint at 512
connections shows what the server alone sustains. Then: the sync client from thread pools against
the SDK's, CPU microseconds per request through an in-process transport, and the peak RSS of a
process holding 1,000 requests in flight (``python -m bench.concurrency rss ...`` in a subprocess).

Machines here are noisy: compare ratios within one run, never seconds across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from bench._sdk import official_sdk, sdk_get
from bench._support import PROJECT, client_credentials, rss_mb, seed_project, service_token, wrk
from plantpredict_auth import connect, connect_sync
from plantpredict_client.api.projects import get_project
from plantpredict_client.models import Project
from plantpredict_simulator import launched

Row = dict[str, Any]


async def _gathered(count: int, level: int, one: Callable[[], Awaitable[None]]) -> list[BaseException]:
    """Run ``one`` ``count`` times, ``level`` at a time; the failures (a row reports them, and
    a candidate that fails under load has told us something)."""
    slots = asyncio.Semaphore(level)

    async def bounded() -> None:
        async with slots:
            await one()

    results = await asyncio.gather(*(bounded() for _ in range(count)), return_exceptions=True)
    return [r for r in results if isinstance(r, BaseException)]


async def _timed(label: str, level: int, count: int, one: Callable[[], Awaitable[None]]) -> Row:
    await _gathered(level, level, one)  # open the connections: measure the steady state
    cpu, wall = time.process_time(), time.perf_counter()
    failures = await _gathered(count, level, one)
    return {
        "label": label,
        "level": level,
        "count": count,
        "seconds": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "failed": len(failures),
        "error": f"{type(failures[0]).__name__}: {failures[0]}"[:160] if failures else None,
    }


async def ours(base_url: str, project_id: int, level: int, count: int) -> Row:
    async with connect(client_credentials(base_url), base_url=base_url, max_concurrency=level) as client:

        async def one() -> None:
            if not isinstance(await get_project.asyncio(project_id=project_id, client=client), Project):
                raise RuntimeError("the GET did not answer a project")

        return await _timed("plantpredict-client", level, count, one)


async def raw_aiohttp(base_url: str, token: str, project_id: int, level: int, count: int) -> Row:
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=level)
    async with aiohttp.ClientSession(base_url=base_url, headers=headers, connector=connector) as session:

        async def one() -> None:
            async with session.get(f"/Project/{project_id}") as response:
                response.raise_for_status()
                await response.json()

        return await _timed("raw aiohttp", level, count, one)


async def _httpx_row(label: str, http: httpx.AsyncClient, project_id: int, level: int, count: int) -> Row:
    async with http:

        async def one() -> None:
            response = await http.get(f"/Project/{project_id}")
            response.raise_for_status()
            response.json()

        return await _timed(label, level, count, one)


def _sized(level: int) -> httpx.Limits:
    return httpx.Limits(max_connections=level, max_keepalive_connections=level)


async def raw_httpx(base_url: str, token: str, project_id: int, level: int, count: int, *, tuned: bool) -> Row:
    headers = {"Authorization": f"Bearer {token}"}
    limits = _sized(level) if tuned else httpx.Limits(max_connections=100, max_keepalive_connections=20)
    label = "raw httpx, pool sized to the level" if tuned else "raw httpx, default pool"
    # A generous pool timeout: the default pool queues 400 requests behind 100 connections.
    timeout = httpx.Timeout(60.0)
    http = httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=timeout)
    return await _httpx_row(label, http, project_id, level, count)


async def httpx_over_httpx_aiohttp(base_url: str, token: str, project_id: int, level: int, count: int) -> Row:
    from httpx_aiohttp import AiohttpTransport  # the bench extra: evaluated, not used by the runtime

    transport = AiohttpTransport(limits=_sized(level))
    http = httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, transport=transport)
    return await _httpx_row("httpx + httpx-aiohttp", http, project_id, level, count)


async def httpx2_row(base_url: str, token: str, project_id: int, level: int, count: int) -> Row:
    import httpx2  # the bench extra: evaluated, not used by the runtime

    limits = httpx2.Limits(max_connections=level, max_keepalive_connections=level)
    async with httpx2.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60.0
    ) as http:

        async def one() -> None:
            response = await http.get(f"/Project/{project_id}")
            response.raise_for_status()
            response.json()

        return await _timed("httpx2", level, count, one)


def sdk_threads(base_url: str, project_id: int, threads: int, count: int) -> Row:
    api = official_sdk(base_url)
    cpu, wall = time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(sdk_get, api, project_id) for _ in range(count)]:
            future.result()
    return {
        "label": f"official SDK, {threads} threads",
        "level": threads,
        "count": count,
        "seconds": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "failed": 0,
    }


def ours_sync_threads(base_url: str, project_id: int, threads: int, count: int) -> Row:
    with connect_sync(client_credentials(base_url), base_url=base_url, max_concurrency=threads) as client:

        def one() -> None:
            if not isinstance(get_project.sync(project_id=project_id, client=client), Project):
                raise RuntimeError("the GET did not answer a project")

        with ThreadPoolExecutor(max_workers=threads) as pool:
            for future in [pool.submit(one) for _ in range(threads)]:  # open the connections
                future.result()
            cpu, wall = time.process_time(), time.perf_counter()
            for future in [pool.submit(one) for _ in range(count)]:
                future.result()
    return {
        "label": f"plantpredict-client sync, {threads} threads",
        "level": threads,
        "count": count,
        "seconds": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "failed": 0,
    }


async def sweep_level(base_url: str, token: str, project_id: int, level: int, count: int) -> list[Row]:
    return [
        await ours(base_url, project_id, level, count),
        await raw_aiohttp(base_url, token, project_id, level, count),
        await raw_httpx(base_url, token, project_id, level, count, tuned=False),
        await raw_httpx(base_url, token, project_id, level, count, tuned=True),
        await httpx_over_httpx_aiohttp(base_url, token, project_id, level, count),
        await httpx2_row(base_url, token, project_id, level, count),
    ]


# -- CPU per request, in process --------------------------------------------------------------------


class _Canned(httpx.AsyncBaseTransport):
    """Answers every request at once with a recorded-size project, or a token: no network, no server."""

    def __init__(self) -> None:
        self._body = json.dumps(PROJECT | {"id": 1}).encode()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "canned", "expires_in": 3600, "token_type": "Bearer"})
        return httpx.Response(200, headers={"content-type": "application/json; charset=utf-8"}, content=self._body)


async def cpu_per_request(count: int) -> dict[str, float]:
    """Microseconds of CPU per GET, both through the same in-process transport."""
    transport = _Canned()
    base = "https://api.plantpredict.test"
    credentials = client_credentials("https://auth.plantpredict.test")
    async with connect(credentials, base_url=base, transport=transport, max_concurrency=16) as client:
        http = client.get_async_httpx_client()
        await http.get("/Project/1")
        cpu = time.process_time()
        for _ in range(count):
            response = await http.get("/Project/1")
            response.json()
        boundary = (time.process_time() - cpu) / count * 1e6
        cpu = time.process_time()
        for _ in range(count):
            await get_project.asyncio(project_id=1, client=client)
        generated = (time.process_time() - cpu) / count * 1e6
    async with httpx.AsyncClient(base_url=base, transport=transport, headers={"Authorization": "Bearer x"}) as raw:
        await raw.get("/Project/1")
        cpu = time.process_time()
        for _ in range(count):
            response = await raw.get("/Project/1")
            response.json()
        plain = (time.process_time() - cpu) / count * 1e6
    return {"raw httpx, get + json": plain, "connect() client, get + json": boundary, "get_project.asyncio": generated}


# -- peak RSS with 1,000 in flight (run in its own process) ---------------------------------------------


async def _hold(base_url: str, project_id: int, count: int) -> dict[str, Any]:
    async with connect(client_credentials(base_url), base_url=base_url, max_concurrency=count) as client:
        results = await asyncio.gather(
            *(get_project.asyncio(project_id=project_id, client=client) for _ in range(count))
        )
        stats = client.get_async_httpx_client().stats  # type: ignore[attr-defined]  # PlantPredictAsyncClient
    if not all(isinstance(r, Project) for r in results):
        raise RuntimeError("a GET failed")
    return {"in_flight_peak": stats.peak_in_flight, "rss_mb": rss_mb()}


def rss_probe(base_url: str, project_id: int, count: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.concurrency", "rss", base_url, str(project_id), str(count)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


# ------------------------------------------------------------------------------------------------------


def print_sweep(rows: list[Row], sdk: list[Row], latency: float) -> None:
    print(f"\nproject GETs, {latency * 1000:.0f} ms latency per request; wall seconds (client CPU seconds)")
    levels = sorted({r["level"] for r in rows})
    labels = list(dict.fromkeys(r["label"] for r in rows))
    print(f"  {'in flight':>9} {'floor':>6}  " + "  ".join(f"{label[:26]:>26}" for label in labels))
    for level in levels:
        at = {r["label"]: r for r in rows if r["level"] == level}
        count = at[labels[0]]["count"]
        cells = [f"{at[label]['seconds']:6.2f} ({at[label]['cpu']:5.2f})" for label in labels]
        print(f"  {level:9d} {count / level * latency:6.2f}  " + "  ".join(f"{c:>26}" for c in cells))
    print("\n  ratios to raw aiohttp (wall):")
    for level in levels:
        at = {r["label"]: r for r in rows if r["level"] == level}
        base = at["raw aiohttp"]["seconds"]
        print(f"  {level:9d}        " + "  ".join(f"{at[label]['seconds'] / base:26.2f}" for label in labels))
    for row in rows:
        if row["failed"]:
            print(f"  {row['label']} at {row['level']}: {row['failed']} of {row['count']} failed ({row['error']})")
    for row in sdk:
        print(f"  {row['label']}: {row['count']} GETs in {row['seconds']:.2f} s (CPU {row['cpu']:.2f} s)")
    at128 = {r["label"]: r for r in rows if r["level"] == 128}
    if "plantpredict-client" in at128 and sdk:
        best = min(row["seconds"] / row["count"] for row in sdk)
        ours_per = at128["plantpredict-client"]["seconds"] / at128["plantpredict-client"]["count"]
        print(f"  at 128 in flight this client is {best / ours_per:.1f}x faster than the SDK's best thread count")


def measure(args: argparse.Namespace) -> dict[str, Any]:
    latency = args.latency_ms / 1000
    result: dict[str, Any] = {"args": vars(args)}
    with launched("--latency-ms", str(args.latency_ms)) as base_url:
        token = service_token(base_url)
        project_id = seed_project(base_url, token)
        result["wrk"] = [wrk(base_url, token, f"/Project/{project_id}", connections=c) for c in (128, 512)]
        rows: list[Row] = []
        for level in args.levels:
            count = min(args.gets, 400) if level <= 16 else args.gets
            rows += asyncio.run(sweep_level(base_url, token, project_id, level, count))
            print(f"  level {level} done", file=sys.stderr, flush=True)
        with contextlib.redirect_stdout(io.StringIO()):  # the SDK prints as it goes
            sdk = [sdk_threads(base_url, project_id, threads, args.gets) for threads in (16, 64)]
            sync = []
            for threads in (16, 64, 128):
                sync.append(ours_sync_threads(base_url, project_id, threads, args.sync_gets))
                sync.append(sdk_threads(base_url, project_id, threads, args.sync_gets))
        result.update(rows=rows, sdk=sdk, sync=sync)
    with launched("--latency-ms", str(args.rss_latency_ms)) as base_url:
        project_id = seed_project(base_url, service_token(base_url))
        result["rss"] = rss_probe(base_url, project_id, 1000)
    result["cpu_us"] = asyncio.run(cpu_per_request(args.cpu_requests))
    print_sweep(result["rows"], result["sdk"], latency)
    for w in result["wrk"]:
        print(f"  wrk -c{w['connections']}: {w['requests_per_second']:.0f} requests/s (server alone)")
    print("\nsync client from a thread pool (wall seconds, CPU seconds):")
    for row in result["sync"]:
        print(f"  {row['label']:42} {row['count']} GETs {row['seconds']:6.2f} s ({row['cpu']:.2f})")
    cpu = result["cpu_us"]
    base = cpu["raw httpx, get + json"]
    print("\nCPU per request, in-process transport (microseconds; x raw httpx):")
    for label, value in cpu.items():
        print(f"  {label:32} {value:8.1f}  {value / base:5.2f}")
    rss = result["rss"]
    print(f"\npeak RSS with {rss['in_flight_peak']} requests in flight: {rss['rss_mb']:.0f} MB")
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["rss"]:
        print(json.dumps(asyncio.run(_hold(argv[1], int(argv[2]), int(argv[3])))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")], default=[16, 64, 128, 256, 512])
    parser.add_argument("--gets", type=int, default=1000)
    parser.add_argument("--sync-gets", type=int, default=400)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--rss-latency-ms", type=float, default=500.0)
    parser.add_argument("--cpu-requests", type=int, default=5000)
    parser.add_argument("--output", type=Path, default=Path("output"))
    args = parser.parse_args(argv)
    result = measure(args)
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / f"bench-concurrency-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
