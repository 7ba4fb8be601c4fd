"""Rerunning a sweep with its journal: finished jobs untouched, started runs waited for, failed
runs reported and rerun only when asked. In process, on the runtime's virtual clock."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import redis

from plantpredict_auth import (
    BatchJob,
    BatchReport,
    JobRecord,
    JobState,
    Journal,
    JournalError,
    RedisJournal,
    SqliteJournal,
)
from plantpredict_client.api.predictions import delete_prediction
from plantpredict_simulator import DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD
from tests.batch.env import Env, environment
from tests.batch.sweep import jobs, power_plant, runner

pytestmark = pytest.mark.usefixtures("virtual_time")


async def interrupted(env: Env, journal: Journal, count: int, stop_when_running: int, **options: Any) -> None:
    """Run the sweep and cancel it (as Ctrl-C does) once that many runs are recorded as started."""
    running: set[str] = set()
    task = asyncio.current_task()
    assert task is not None

    def watch(record: JobRecord) -> None:
        if record.state is JobState.RUNNING:
            running.add(record.key)
            if len(running) == stop_when_running:
                task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await runner(env.client, journal, on_record=watch, **options).run(jobs(count, env.ids))
    task.uncancel()


async def test_a_rerun_touches_no_finished_job(tmp_path: Path) -> None:
    async with environment() as env:
        journal = SqliteJournal(tmp_path / "j.sqlite")
        first = await runner(env.client, journal).run(jobs(12, env.ids))
        await env.sim.post("counters/reset")
        again = await runner(env.client, journal).run(jobs(12, env.ids))
        sent = await env.api_requests()
        await journal.aclose()
    assert len(first.succeeded) == 12
    assert (again.finished_before, again.processed) == (12, 0)
    assert again.records == first.records
    assert again.summaries == first.summaries
    assert sent == {}  # not one request: everything came from the journal


async def test_a_resumed_sweep_waits_for_started_runs_instead_of_starting_them_again(tmp_path: Path) -> None:
    async with environment() as env:
        journal = SqliteJournal(tmp_path / "j.sqlite")
        env.clock.stop()  # no run ends before the sweep is interrupted
        await interrupted(env, journal, 12, stop_when_running=12, concurrency=12)
        assert await env.runs_started() == 12
        before = await env.sim.counters()
        env.clock.go()
        report = await runner(env.client, journal).run(jobs(12, env.ids))
        after = await env.sim.counters()
        await journal.aclose()
    assert len(report.succeeded) == 12
    assert report.resumed_runs == 12
    assert after["objects"] == before["objects"]  # nothing created
    assert sum(after["runs"].values()) == 12  # every run started once
    assert after["api_requests"].get("400", 0) == 0  # and none was asked to start while running
    assert [r.runs for r in report.records] == [1] * 12


async def test_failed_runs_are_reported_and_rerun_only_when_asked(tmp_path: Path) -> None:
    async with environment() as env:
        await env.sim.put("faults", {"failed_run_rate": 0.5})
        journal = SqliteJournal(tmp_path / "j.sqlite")
        first = await runner(env.client, journal).run(jobs(10, env.ids))
        failed = first.run_failed
        assert 0 < len(failed) < 10
        await env.sim.post("counters/reset")
        not_asked = await runner(env.client, journal).run(jobs(10, env.ids))
        assert await env.api_requests() == {}
        await env.sim.put("faults", {"failed_run_rate": 0.0})
        asked = await runner(env.client, journal, retry_failed=True).run(jobs(10, env.ids))
        objects = (await env.sim.counters())["objects"]
        await journal.aclose()
    assert not_asked.run_failed == failed
    assert asked.processed == len(failed)
    assert asked.succeeded == [r.key for r in first.records]
    by_key = {r.key: r for r in first.records}
    for record in asked.records:
        assert record.prediction_id == by_key[record.key].prediction_id  # rerun, not recreated
        assert record.runs == (2 if record.key in failed else 1)
    assert objects["predictions"] == 10


async def test_a_started_run_whose_prediction_was_deleted_is_reported_not_recreated(tmp_path: Path) -> None:
    async with environment() as env:
        journal = SqliteJournal(tmp_path / "j.sqlite")
        env.clock.stop()
        await interrupted(env, journal, 4, stop_when_running=4)
        env.clock.go()
        gone = (await journal.records())["tilt=15"]
        assert gone.state is JobState.RUNNING
        assert gone.project_id is not None
        assert gone.prediction_id is not None
        await delete_prediction.asyncio_detailed(gone.project_id, gone.prediction_id, client=env.client)
        report = await runner(env.client, journal).run(jobs(4, env.ids))
        again = await runner(env.client, journal, retry_failed=True).run(jobs(4, env.ids))
        predictions = (await env.sim.counters())["objects"]["predictions"]
        await journal.aclose()
    assert report.failed == again.failed == ["tilt=15"]
    error = report.records[1].error
    assert error is not None
    assert "can no longer be read" in error
    assert "not created again" in error
    assert predictions == 3


async def test_a_changed_job_is_refused_before_anything_is_done(tmp_path: Path) -> None:
    async with environment() as env:
        journal = SqliteJournal(tmp_path / "j.sqlite")
        sweep = jobs(3, env.ids)
        await runner(env.client, journal).run(sweep)
        await env.sim.post("counters/reset")
        module_id, inverter_id, _ = env.ids
        changed = [*sweep[:2], BatchJob(sweep[2].key, sweep[2].prediction, power_plant(module_id, inverter_id, 5))]
        with pytest.raises(JournalError, match=r"1 job\(s\) differ .*'tilt=45'"):
            await runner(env.client, journal).run(changed)
        assert await env.api_requests() == {}
        await journal.aclose()


async def test_two_workers_on_one_journal_run_each_job_once(tmp_path: Path) -> None:
    async with environment() as env:
        first, second = SqliteJournal(tmp_path / "j.sqlite"), SqliteJournal(tmp_path / "j.sqlite")
        running: set[str | None] = set()

        def watch(record: JobRecord) -> None:
            # No run ends until both workers run one: neither can finish the sweep alone first.
            if record.state is JobState.RUNNING:
                running.add(record.worker)
                if running == {"one", "two"}:
                    env.clock.go()

        env.clock.stop()
        # Leases run on real time, and this simulator runs in this process: computing a run's
        # results (pvlib) holds the loop, and the heartbeat with it, for a few hundred milliseconds.
        # A lease shorter than that (0.6 s failed 4 times in 5) lapses and the other worker takes
        # the job over: correct, but the subject of test_journal.py and test_workers.py, not this test.
        settings: dict[str, Any] = {"concurrency": 4, "lease_seconds": 3.0, "on_record": watch}
        reports: tuple[BatchReport, BatchReport] = await asyncio.gather(
            runner(env.client, first, worker="one", **settings).run(jobs(16, env.ids)),
            runner(env.client, second, worker="two", **settings).run(jobs(16, env.ids)),
        )
        counters = await env.sim.counters()
        await first.aclose()
        await second.aclose()
    assert [len(r.succeeded) for r in reports] == [16, 16]  # each worker reports the whole sweep
    assert reports[0].processed + reports[1].processed == 16
    assert reports[0].processed >= 4
    assert reports[1].processed >= 4
    assert {r.worker for r in reports[0].records} == {"one", "two"}
    assert sum(counters["runs"].values()) == 16
    assert counters["objects"]["predictions"] == 16
    assert counters["objects"]["projects"] == 1


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
async def test_the_journal_never_holds_a_token_or_a_secret(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    async with environment() as env:
        await env.sim.put("faults", {"failed_run_rate": 0.5, "routes": {"predictions": {"rate_5xx": 0.2}}})
        if kind == "sqlite":
            journal: Journal = SqliteJournal(tmp_path / "j.sqlite")
        else:
            redis_url = request.getfixturevalue("redis_url")
            redis.Redis.from_url(redis_url).flushdb()
            journal = RedisJournal(redis_url, "secrets")
        report = await runner(env.client, journal).run(jobs(8, env.ids))
        await journal.aclose()
        issued = (await env.sim.admin.get("/_sim/tokens/issued")).json()
    if kind == "sqlite":
        stored = folder_contents(tmp_path)
    else:
        plain = redis.Redis.from_url(redis_url)
        stored = b"".join(redis_contents(plain, key) for key in plain.keys("*"))
    secrets = [DEFAULT_PASSWORD, DEFAULT_CLIENT_SECRET, *issued["access_tokens"], *issued["refresh_tokens"]]
    assert len(secrets) >= 4
    assert report.run_failed  # error messages and failed runs are in the journal too
    assert len(stored) > 1000
    assert [s for s in secrets if s.encode() in stored] == []


def folder_contents(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir())


def _bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value or "").encode()


def redis_contents(plain: redis.Redis, key: object) -> bytes:
    """Every byte a key holds, read as values (DUMP may compress them)."""
    name = _bytes(key)
    kind = plain.type(name)
    if kind == b"hash":
        return name + b"".join(_bytes(k) + _bytes(v) for k, v in plain.hgetall(name).items())
    return name + (_bytes(plain.get(name)) if kind == b"string" else b"")
