"""`make demo`: start the simulator under uvicorn on a free loopback port, run the batch sweep
against it, stop the server, and say where the outputs are and what the run cost.

The simulator gets a short run time, a little latency and a few 429s, so the retries and the
shared cool-down have something to do. The sweep is interrupted once a third of it has finished
(Ctrl-C, as a user would) and the same command is run again: it resumes from its journal, its
progress bars starting where the first run stopped, and nothing is created twice. Everything it
needs is started here and stopped here.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))  # run as a script from a checkout: `simulator` sits beside `examples`

from plantpredict_auth import JournalError, SqliteJournal, progress_of  # noqa: E402  # after the path, like the next line
from plantpredict_simulator import launched  # noqa: E402  # importable only once the checkout is on the path


def counters(base_url: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{base_url}/_sim/counters", timeout=10) as response:  # loopback admin endpoint
        data: dict[str, object] = json.load(response)
    return data


def finished(journal: Path) -> int:
    """How many predictions the sweep's journal records as finished (0 before it exists)."""

    async def read() -> int:
        opened = SqliteJournal(journal)
        try:
            await opened.open()
            records = await opened.records()
            return progress_of(records, [key for key in records if key]).finished
        except JournalError:  # the batch is still creating it
            return 0
        finally:
            await opened.aclose()

    return asyncio.run(read()) if journal.exists() else 0


def interrupted(command: list[str], env: dict[str, str], journal: Path, after: int) -> int:
    """Run the batch and press Ctrl-C once ``after`` predictions are finished; its exit code."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started as a background job (`make demo &`, a CI runner): a child inherits an ignored
        # SIGINT and the Ctrl-C below would be lost. A handler, unlike SIG_IGN, is not inherited.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    process = subprocess.Popen(command, cwd=REPO, env=env)
    while process.poll() is None and finished(journal) < after:
        time.sleep(0.2)  # a demo watching a file, not a test
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    return process.wait()


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
    parser.add_argument(
        "--interrupt-after",
        type=int,
        default=None,
        help="finished predictions before Ctrl-C (default: a third; 0: none)",
    )
    args = parser.parse_args()
    output = args.output or REPO / "output" / f"demo-{dt.datetime.now():%Y%m%d-%H%M%S}"
    interrupt_after = args.count // 3 if args.interrupt_after is None else args.interrupt_after
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
        batch += ["--output", str(output)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANTPREDICT_")}
        if interrupt_after > 0:
            code = interrupted(batch, env, output / "journal.sqlite", interrupt_after)
            print(f"\ndemo: pressed Ctrl-C (exit code {code}); the same command again resumes from the journal\n")
        code = subprocess.call(batch, cwd=REPO, env=env)
        seen = counters(base_url)
    api = seen["api_requests"]
    tokens = seen["token_requests"]
    assert isinstance(api, dict)
    assert isinstance(tokens, dict)
    token_total = sum(sum(outcomes.values()) for outcomes in tokens.values())
    objects, finished_runs = seen["objects"], seen["runs"]
    assert isinstance(objects, dict)
    assert isinstance(finished_runs, dict)
    runs = sum(finished_runs.values())
    print(
        f"\ndemo finished in {time.monotonic() - started:.1f}s: {sum(api.values())} API requests "
        f"({api.get('429', 0)} answered 429 and retried), {token_total} token request(s), "
        f"peak {seen['peak_in_flight']} in flight; the simulator holds {objects['predictions']} predictions "
        f"in {objects['projects']} project(s), and ran {runs} runs"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
