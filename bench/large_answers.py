"""Large answers: what decoding and parsing cost, and whether the event loop keeps turning meanwhile.

    python -m bench.large_answers [--plants 4] [--blocks 32]

1. Milliseconds per MB to decode (``json``, ``orjson``, and in slices as the parse thread does) and
   to build the models (``from_dict``) of a utility-scale power plant (the recorded inverter,
   25 x 4 x 5 and more), a result summary of 500 blocks and a year of hourly weather detail.
2. Four such plants fetched at once through ``connect()`` from the simulator (uvicorn, loopback),
   while a ticker task asks to run every 5 ms: the longest the ticker was held off (the event
   loop's longest stall) and the time until all four were parsed, with the parse on the event loop
   (``parse_in_thread_above=None``, what the client did before), on the parse thread (the
   default: a body above 1 MiB decoded in slices there), on the parse thread with orjson's one call
   (what the parse thread did before the slices), and with the standard library's one call.

Compare within one run; machines here are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson

import plantpredict_auth._decisions as decisions
import plantpredict_auth._decode as decode
from bench._plants import result_summary, utility_plant, weather_detail
from bench._support import client_credentials, seed_project, service_token
from plantpredict_auth import connect
from plantpredict_client.models import PowerPlant, PredictionResultSummary, WeatherDetail
from plantpredict_simulator import launched

TICK = 0.005


def _best(work: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def per_megabyte(blocks: int) -> list[dict[str, Any]]:
    cases: list[tuple[str, Any, Callable[[Any], object]]] = [
        ("PowerPlant", utility_plant(blocks), PowerPlant.from_dict),
        ("PredictionResultSummary", result_summary(500), PredictionResultSummary.from_dict),
        ("WeatherDetail x 8760", weather_detail(), lambda rows: [WeatherDetail.from_dict(r) for r in rows]),
    ]
    rows = []
    for name, value, parse in cases:
        raw = json.dumps(value).encode()
        megabytes = len(raw) / 1e6
        decoded = json.loads(raw)
        rows.append(
            {
                "answer": name,
                "MB": megabytes,
                "json ms/MB": _best(functools.partial(json.loads, raw)) / megabytes,
                "orjson ms/MB": _best(functools.partial(orjson.loads, raw)) / megabytes,
                "sliced ms/MB": _best(functools.partial(decode.loads_in_slices, raw)) / megabytes,
                "from_dict ms/MB": _best(functools.partial(parse, decoded), 2) / megabytes,
            }
        )
    return rows


class Ticker:
    """A task that wants to run every ``TICK`` seconds and records how late it was."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.ticks = 0

    async def run(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(TICK)
            self.longest = max(self.longest, time.perf_counter() - asked - TICK)
            self.ticks += 1


@contextlib.contextmanager
def decoding(how: str) -> Iterator[None]:
    """``sliced`` as the runtime decodes (the default), ``orjson`` in one call whatever the size,
    ``json``: the standard library's one call."""
    original, sliced_above = decisions.loads, decode.SLICED_ABOVE
    if how == "orjson":
        decode.SLICED_ABOVE = 1 << 62
    elif how == "json":
        decisions.loads = lambda content, content_type="": json.loads(content)
    try:
        yield
    finally:
        decisions.loads, decode.SLICED_ABOVE = original, sliced_above


async def fetch_plants(base_url: str, ids: list[tuple[int, int]], threshold: int | None) -> dict[str, float]:
    async with connect(
        client_credentials(base_url), base_url=base_url, max_concurrency=16, parse_in_thread_above=threshold
    ) as client:
        await client.projects.get(ids[0][0])  # the token and a connection, outside the measurement
        ticker = Ticker()
        ticking = asyncio.create_task(ticker.run())
        await asyncio.sleep(TICK * 4)
        ticker.longest = 0.0
        started = time.perf_counter()
        plants = await asyncio.gather(*(client.power_plants.get(p, q) for p, q in ids))
        elapsed = time.perf_counter() - started
        await asyncio.sleep(TICK * 4)  # the ticker's last wake-up records the last stall
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
    if not all(isinstance(plant, PowerPlant) and plant.blocks for plant in plants):
        raise RuntimeError("a plant did not come back")
    return {"longest stall ms": ticker.longest * 1000, "all parsed s": elapsed}


def serve_plants(base_url: str, count: int, blocks: int) -> tuple[list[tuple[int, int]], float]:
    """Store ``count`` predictions with a large plant each on the simulator; their ids, and the
    size of the plant as the simulator answers it (MB)."""
    token = service_token(base_url)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as http:
        module = http.get("/Module").json()[0]["id"]
        inverter = http.get("/Inverter").json()[0]["id"]
        near = {"latitude": 34.85, "longitude": -116.79, "searchRadius": 500}
        weather = http.get("/Weather/Search", params=near).json()[0]["id"]
        project = seed_project(base_url, token)
        plant = utility_plant(blocks, inverter_id=inverter, module_id=module)
        ids = []
        for index in range(count):
            created = http.post(f"/Project/{project}/Prediction", json={"name": f"big {index}", "weatherId": weather})
            prediction = int(created.raise_for_status().json()["id"])
            http.post(f"/Project/{project}/Prediction/{prediction}/PowerPlant", json=plant).raise_for_status()
            ids.append((project, prediction))
        size = len(http.get(f"/Project/{project}/Prediction/{ids[0][1]}/PowerPlant").content) / 1e6
    return ids, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plants", type=int, default=4)
    parser.add_argument("--blocks", type=int, default=32, help="blocks per plant (32: about 4.6 MB as answered)")
    args = parser.parse_args()
    print("decode and parse, milliseconds per MB (best of a few):")
    for row in per_megabyte(25):
        print(
            f"  {row['answer']:26} {row['MB']:5.2f} MB   json {row['json ms/MB']:6.1f}   "
            f"orjson {row['orjson ms/MB']:6.1f}   sliced {row['sliced ms/MB']:6.1f}   "
            f"from_dict {row['from_dict ms/MB']:6.1f}"
        )
    with launched() as base_url:
        ids, size = serve_plants(base_url, args.plants, args.blocks)
        print(f"\n{args.plants} power plants of {size:.1f} MB fetched at once; a ticker asks to run every 5 ms:")
        variants: list[tuple[str, int | None, str]] = [
            ("parsed on the event loop (before)", None, "sliced"),
            ("parse thread, sliced decode (default)", 64 * 1024, "sliced"),
            ("parse thread, orjson in one call", 64 * 1024, "orjson"),
            ("parse thread, standard library json", 64 * 1024, "json"),
        ]
        for label, threshold, how in variants:
            results = []
            for _ in range(3):
                with decoding(how):
                    results.append(asyncio.run(fetch_plants(base_url, ids, threshold)))
            stall = max(r["longest stall ms"] for r in results)
            total = min(r["all parsed s"] for r in results)
            print(f"  {label:38} longest stall {stall:6.0f} ms (worst of 3)   all parsed in {total:5.2f} s (best)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
