"""Load test of the uvicorn-served simulator: simple authenticated GETs with wrk.

    python -m bench.simulator_load [--duration 10] [--connections 100] [--threads 2] [--min-rps 2000]

Starts `python -m plantpredict_simulator` on a free loopback port, gets a token (password grant), creates one
project, and runs `wrk -t2 -c100 -d10s -H "Authorization: Bearer ..." http://127.0.0.1:PORT/Project/<id>`.
Prints requests per second and the simulator's own counters; exits 1 if below --min-rps or if any
response was not a 200. Installs nothing: wrk comes from Debian (`apt-get install -y wrk`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from bench._support import require_wrk, wrk
from plantpredict_simulator import (
    launched,
    password_grant_form,
)

REPO = Path(__file__).resolve().parent.parent


def prepare(base_url: str) -> tuple[str, int]:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        token = http.post(
            "/oauth2/v1/token",
            data=password_grant_form(),
        )
        token.raise_for_status()
        access = str(token.json()["access_token"])
        headers = {"Authorization": f"Bearer {access}"}
        created = http.post(
            "/Project",
            json={"name": "load", "latitude": 41.6, "longitude": -83.5, "elevation": 180, "standardOffsetFromUTC": -5},
            headers=headers,
        )
        created.raise_for_status()
        project_id = int(created.json()["id"])
        http.post("/_sim/counters/reset").raise_for_status()
        return access, project_id


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--min-rps", type=float, default=2000.0)
    args = parser.parse_args(argv)
    require_wrk()
    with launched("--admin", "--log-level", "warning") as base_url:
        token, project_id = prepare(base_url)
        path = f"/Project/{project_id}"
        print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s {base_url}{path}", flush=True)
        result = wrk(base_url, token, path, connections=args.connections, threads=args.threads, duration=args.duration)
        counters = httpx.get(f"{base_url}/_sim/counters", timeout=10).json()
    print(result["raw"])
    print(json.dumps({k: v for k, v in result.items() if k != "raw"}, indent=2))
    print("simulator counters:", json.dumps({k: counters[k] for k in ("api_requests", "peak_in_flight")}))
    ok = result["requests_per_second"] >= args.min_rps and result["non_2xx"] == 0
    verdict = "PASS" if ok else "FAIL"
    rps, non_2xx = result["requests_per_second"], result["non_2xx"]
    print(f"{verdict}: {rps:.0f} requests/s (target {args.min_rps:.0f}), non-2xx responses {non_2xx}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
