"""`make demo`: start the simulator under uvicorn on a free loopback port, run the batch sweep
against it, stop the server, and say where the outputs are and what the run cost.

The simulator gets a short run time, a little latency and a few 429s, so the retries and the
shared cool-down have something to do. Everything it needs is started here and stopped here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))  # run as a script from a checkout: `simulator` sits beside `examples`

from plantpredict_simulator import launched  # noqa: E402  # importable only once the checkout is on the path


def counters(base_url: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{base_url}/_sim/counters", timeout=10) as response:  # loopback admin endpoint
        data: dict[str, object] = json.load(response)
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--sweep", default="tilt", choices=["tilt", "dcac"])
    parser.add_argument("--run-seconds", type=float, default=3.0)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--rate-429", type=float, default=0.03)
    parser.add_argument("--failed-run-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    started = time.monotonic()
    simulator_args = [
        "--admin",
        "--seed",
        str(args.seed),
        "--run-seconds",
        str(args.run_seconds),
        "--latency-ms",
        str(args.latency_ms),
        "--rate-429",
        str(args.rate_429),
        "--failed-run-rate",
        str(args.failed_run_rate),
    ]
    with launched(*simulator_args) as base_url:
        print(
            f"simulator: {base_url} (run time {args.run_seconds}s, latency {args.latency_ms} ms, "
            f"{args.rate_429:.0%} 429s, {args.failed_run_rate:.0%} failed runs)",
            flush=True,
        )
        batch = [
            sys.executable,
            str(HERE / "batch_predictions.py"),
            "--base-url",
            base_url,
            "--count",
            str(args.count),
            "--concurrency",
            str(args.concurrency),
            "--sweep",
            args.sweep,
            # The simulator runs faster than PlantPredict: poll it faster, and wait less after a 429.
            "--poll",
            "0.5",
            "--poll-max",
            "2",
            "--rate-limit-wait",
            "2",
        ]
        if args.output is not None:
            batch += ["--output", str(args.output)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANTPREDICT_")}
        code = subprocess.call(batch, cwd=REPO, env=env)
        seen = counters(base_url)
    api = seen["api_requests"]
    tokens = seen["token_requests"]
    assert isinstance(api, dict)
    assert isinstance(tokens, dict)
    token_total = sum(sum(outcomes.values()) for outcomes in tokens.values())
    print(
        f"\ndemo finished in {time.monotonic() - started:.1f}s: {sum(api.values())} API requests "
        f"({api.get('429', 0)} answered 429 and retried), {token_total} token request(s), "
        f"peak {seen['peak_in_flight']} in flight"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
