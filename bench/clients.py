"""This client against the official SDK and raw httpx, side by side in one run, on one simulator.

    python -m bench.clients [--gets 200] [--workflows 20] [--latency-ms 20] [--threads 16]

Starts `python -m plantpredict_simulator` on a free loopback port with injected latency (every request costs
what a real round trip would), then times, in the same process and run:

- 200 project GETs: the official SDK one after another and from a 16-thread pool (how its users
  parallelize it), this client with 16 requests in flight, and raw httpx with a fixed token (the
  floor: what the network and server allow);
- 20 workflows (create project, create prediction, attach a power plant, run, wait, result
  summary): the SDK sequentially and from 16 threads, this client 16 at a time.

Reports seconds, requests the simulator saw, and ratios. Machines here are noisy: compare the
ratios within one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import json
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench._sdk import official_sdk, sdk_get, sdk_workflow
from bench._support import PROJECT, client_credentials, seed_project, service_token
from plantpredict_auth import RetryPolicy, connect, run_and_wait
from plantpredict_client import Client
from plantpredict_client.api.power_plant import create_power_plant
from plantpredict_client.api.predictions import create_prediction
from plantpredict_client.api.projects import create_project, get_project
from plantpredict_client.api.results import get_result_summary
from plantpredict_client.models import PowerPlant, Project
from plantpredict_simulator import launched

# The example's bodies (every field the API requires), from the module beside the example's script.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
from plant_design import dc_field, power_plant  # importable once examples/ is on the path
from plant_design import prediction as new_prediction  # the same


class Sim:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.admin = httpx.Client(base_url=base_url, timeout=30)

    def reset(self) -> None:
        self.admin.post("/_sim/counters/reset").raise_for_status()

    def requests(self) -> int:
        counters = self.admin.get("/_sim/counters").json()
        return int(sum(counters["api_requests"].values()))

    def library(self) -> tuple[int, int, int]:
        module = self.admin.get("/_sim/objects/modules").json()[0]["id"]
        inverter = self.admin.get("/_sim/objects/inverters").json()[0]["id"]
        weather = next(w["id"] for w in self.admin.get("/_sim/objects/weather").json() if "Daggett" in w["name"])
        return int(module), int(inverter), int(weather)


def timed(label: str, sim: Sim, work: Callable[[], Any]) -> dict[str, Any]:
    sim.reset()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    return {"label": label, "seconds": seconds, "requests": sim.requests()}


# -- the official SDK ---------------------------------------------------------------------------


def sequentially(count: int, job: Callable[[], Any]) -> None:
    for _ in range(count):
        job()


def in_threads(threads: int, count: int, job: Callable[[], Any]) -> None:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(job) for _ in range(count)]:
            future.result()


# -- this client ------------------------------------------------------------------------------------


def plant(module_id: int, inverter_id: int) -> PowerPlant:
    # The example's design (every field the API requires): one 2.5 MW inverter, 220 strings of 26.
    return power_plant(dc_field(module_id, 550.0, 26, 220, 25.0), inverter_id, 2500.0, 1)


async def our_workflow(client: Client, module_id: int, inverter_id: int, weather_id: int) -> float:
    # A name per workflow: a repeated name earns an X-Message warning (a duplicate project).
    body = Project.from_dict({**PROJECT, "name": f"Bench {uuid.uuid4().hex[:8]}"})
    created = await create_project.asyncio(client=client, body=body)
    assert created is not None
    assert isinstance(created.id, int)
    prediction = await create_prediction.asyncio(
        project_id=created.id, client=client, body=new_prediction("Bench prediction", weather_id)
    )
    assert prediction is not None
    assert isinstance(prediction.id, int)
    await create_power_plant.asyncio_detailed(
        project_id=created.id, prediction_id=prediction.id, client=client, body=plant(module_id, inverter_id)
    )
    await run_and_wait(client, created.id, prediction.id, poll_initial=0.25, poll_max=1.0)
    summary = await get_result_summary.asyncio(project_id=created.id, prediction_id=prediction.id, client=client)
    assert summary is not None
    assert isinstance(summary.years, list)
    return float(summary.years[0].total_energy or 0.0)


def ours_gets(base_url: str, project_id: int, count: int, concurrency: int) -> None:
    async def main() -> None:
        async with connect(client_credentials(base_url), base_url=base_url, max_concurrency=concurrency) as client:
            results = await asyncio.gather(
                *(get_project.asyncio(project_id=project_id, client=client) for _ in range(count))
            )
        if not all(isinstance(r, Project) for r in results):
            raise RuntimeError("a GET failed")

    asyncio.run(main())


def ours_workflows(base_url: str, count: int, concurrency: int, library: tuple[int, int, int]) -> None:
    async def main() -> None:
        async with connect(
            client_credentials(base_url), base_url=base_url, max_concurrency=concurrency, retry=RetryPolicy.batch()
        ) as client:
            await asyncio.gather(*(our_workflow(client, *library) for _ in range(count)))

    asyncio.run(main())


def raw_httpx_gets(base_url: str, project_id: int, count: int, concurrency: int) -> None:
    token = service_token(base_url)

    async def main() -> None:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(
            base_url=base_url, limits=limits, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            slots = asyncio.Semaphore(concurrency)

            async def one() -> None:
                async with slots:
                    (await http.get(f"/Project/{project_id}")).raise_for_status()

            await asyncio.gather(*(one() for _ in range(count)))

    asyncio.run(main())


# ------------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace, base_url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    sim = Sim(base_url)
    library = sim.library()
    api = official_sdk(base_url)
    project_id = seed_project(base_url, service_token(base_url))
    n, t = args.gets, args.threads
    gets = [
        timed("official SDK, sequential", sim, lambda: sequentially(n, lambda: sdk_get(api, project_id))),
        timed(f"official SDK, {t} threads", sim, lambda: in_threads(t, n, lambda: sdk_get(api, project_id))),
        timed(f"plantpredict-client, {t} in flight", sim, lambda: ours_gets(base_url, project_id, n, t)),
        timed(f"raw httpx, {t} in flight", sim, lambda: raw_httpx_gets(base_url, project_id, n, t)),
    ]
    w = args.workflows
    workflows = [
        timed("official SDK, sequential", sim, lambda: sequentially(w, lambda: sdk_workflow(api, *library))),
        timed(f"official SDK, {t} threads", sim, lambda: in_threads(t, w, lambda: sdk_workflow(api, *library))),
        timed(f"plantpredict-client, {t} in flight", sim, lambda: ours_workflows(base_url, w, t, library)),
    ]
    return gets, workflows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gets", type=int, default=200)
    parser.add_argument("--workflows", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--run-seconds", type=float, default=1.0)
    parser.add_argument("--output", type=Path, default=Path("output"))
    args = parser.parse_args()
    simulator_args = ("--admin", "--latency-ms", str(args.latency_ms), "--run-seconds", str(args.run_seconds))
    # The SDK prints as it goes; its output is swallowed once, around the whole measurement, not
    # per call: redirect_stdout swaps the process-wide sys.stdout, which threads would scramble.
    with launched(*simulator_args) as base_url, contextlib.redirect_stdout(io.StringIO()):
        gets, workflows = measure(args, base_url)
    n, w = args.gets, args.workflows
    print(f"\n{n} project GETs, {args.latency_ms:.0f} ms latency per request (simulator on loopback)")
    report(gets, reference="plantpredict-client")
    print(f"\n{w} workflows: create project, prediction, power plant; run ({args.run_seconds:.1f} s); wait; summary")
    report(workflows, reference="plantpredict-client")
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / f"bench-clients-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({"gets": gets, "workflows": workflows, "args": vars(args)}, indent=2, default=str))
    print(f"\nwrote {path}")
    return 0


def report(rows: list[dict[str, Any]], *, reference: str) -> None:
    ours = next(r for r in rows if r["label"].startswith(reference))
    print(f"  {'':38} {'seconds':>8} {'requests':>9} {'x ours':>7}")
    for row in rows:
        print(f"  {row['label']:38} {row['seconds']:8.2f} {row['requests']:9d} {row['seconds'] / ours['seconds']:7.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
