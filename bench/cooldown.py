"""The 429 cool-down shared across processes, measured: 429s the simulator served to one sweep.

    python -m bench.cooldown [--runs 3]

Runs the same 24-job sweep under the same 429 bursts (every API request answered 429 for 2 s,
three times, 3 s apart) as: one process with 12 jobs at once; three worker processes of 4 sharing
the cool-down through Redis; three that do not share it. Needs ``redis-server`` (``make test``
installs it). Prints the 429s served per run and their medians: the counts race with where each
request is when a burst begins (whether a probe after a cool-down falls between two bursts, which
clears the limit and lets the next burst meet requests in flight), so compare medians and means
over runs, never one run.
"""

from __future__ import annotations

import argparse
import statistics

import redis

from tests.batch.test_workers import sweep_under_bursts
from tests.servers import redis_server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    served: dict[str, list[int]] = {"one process": [], "three, shared": [], "three, not shared": []}
    with redis_server() as url:
        for run in range(args.runs):
            redis.Redis.from_url(url).flushdb()
            served["one process"].append(sweep_under_bursts(url, f"alone{run}", 1, 12)["served_429"])
            shared = sweep_under_bursts(url, f"shared{run}", 3, 4, "--cooldown", url)
            served["three, shared"].append(shared["served_429"])
            served["three, not shared"].append(sweep_under_bursts(url, f"own{run}", 3, 4)["served_429"])
    print(f"\n429s served to a 24-job sweep under three 2 s bursts ({args.runs} runs):")
    for label, counts in served.items():
        print(f"  {label:18} {counts}  median {statistics.median(counts):g}  mean {statistics.fmean(counts):.1f}")
    paired = zip(served["three, shared"], served["one process"], strict=True)
    at_most = sum(shared <= alone for shared, alone in paired)
    print(f"  three sharing were served at most what one process alone was in {at_most} of {args.runs} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
