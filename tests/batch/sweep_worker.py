"""One worker process of the batch drills: runs (or resumes) the test sweep against a served
simulator with a SQLite or Redis journal. Prints one JSON line per journal write (the kill drills
count them to pick their moment) and a last line with the report.

    python -m tests.batch.sweep_worker BASE_URL --journal sqlite:/path/j.sqlite --count 60
    python -m tests.batch.sweep_worker BASE_URL --journal redis:redis://127.0.0.1:6379/0#sweep --cooldown
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from attrs import evolve

from plantpredict_auth import (
    JobRecord,
    Journal,
    PasswordCredentials,
    RedisCooldownStore,
    RedisJournal,
    RetryPolicy,
    SqliteJournal,
    connect,
    share_cooldown,
)
from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.batch.sweep import jobs, library, runner


def journal_for(spec: str) -> Journal:
    kind, _, where = spec.partition(":")
    if kind == "sqlite":
        return SqliteJournal(where)
    url, _, sweep = where.partition("#")
    return RedisJournal(url, sweep)


def emit(data: dict[str, object]) -> None:
    print(json.dumps(data), flush=True)


def on_record(record: JobRecord) -> None:
    emit({"event": "record", "key": record.key, "state": record.state.value, "step": record.step})


async def main(args: argparse.Namespace) -> None:
    credentials = PasswordCredentials(
        DEFAULT_USERNAME,
        DEFAULT_PASSWORD,
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        token_url=f"{args.base_url}/oauth2/v1/token",
    )
    policy = evolve(
        RetryPolicy.batch(), rate_limit_initial=args.rate_limit_wait, rate_limit_max=4 * args.rate_limit_wait
    )
    journal = journal_for(args.journal)
    store = RedisCooldownStore(args.cooldown, credentials) if args.cooldown else None
    await asyncio.sleep(max(0.0, args.start_at - time.time()))  # workers of one drill start together
    async with connect(
        credentials, base_url=args.base_url, retry=policy, max_concurrency=args.concurrency, seed=args.seed
    ) as client:
        share_cooldown(client, store)
        ids = await library(client)
        batch = runner(
            client,
            journal,
            concurrency=args.concurrency,
            lease_seconds=args.lease,
            reconcile_grace=args.grace,
            poll_initial=0.1,
            poll_max=0.3,
            on_record=on_record,
        )
        report = await batch.run(jobs(args.count, ids))
        stats = client.get_async_httpx_client().stats  # type: ignore[attr-defined]  # PlantPredictAsyncClient
    await journal.aclose()
    if store is not None:
        store.close()
    emit(
        {
            "event": "report",
            "worker": report.worker,
            "succeeded": len(report.succeeded),
            "failed": len(report.failed),
            "run_failed": len(report.run_failed),
            "unfinished": len(report.unfinished),
            "processed": report.processed,
            "finished_before": report.finished_before,
            "resumed_runs": report.resumed_runs,
            "reconciled": report.reconciled,
            "resent": report.resent,
            "by_worker": sorted({r.worker or "" for r in report.records}),
            "mine": sorted(r.key for r in report.records if r.worker == report.worker),
            "rate_limited": stats.rate_limited,
            "cooldowns": stats.cooldowns,
        }
    )


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("--journal", required=True, help="sqlite:PATH or redis:URL#SWEEP")
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--grace", type=float, default=0.5)
    parser.add_argument("--rate-limit-wait", type=float, default=0.5)
    parser.add_argument("--cooldown", default=None, help="share the 429 cool-down through this Redis")
    parser.add_argument("--start-at", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
