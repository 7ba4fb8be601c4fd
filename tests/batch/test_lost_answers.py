"""Creates and runs whose answer was lost are looked up and adopted, never sent blindly again.
In process, on the runtime's virtual clock (the grace period before sending again costs nothing)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from plantpredict_auth import SqliteJournal, _time
from tests.batch.env import environment
from tests.batch.lossy import FirstOf, LossyTransport
from tests.batch.sweep import jobs, runner

pytestmark = pytest.mark.usefixtures("virtual_time")


async def test_a_sweep_losing_a_tenth_of_its_create_answers_makes_no_duplicate(tmp_path: Path) -> None:
    lossy: LossyTransport | None = None

    def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        nonlocal lossy
        lossy = LossyTransport(inner, rate=0.1, seed=13)
        return lossy

    async with environment(wrap, run_seconds=5.0) as env:
        assert lossy is not None
        journal = SqliteJournal(tmp_path / "j.sqlite")
        report = await runner(env.client, journal, concurrency=20).run(jobs(100, env.ids, own_projects=True))
        await journal.aclose()
        projects, predictions = await env.marked("projects"), await env.marked("predictions")
        counters = await env.sim.counters()
    lost = sum(lossy.lost.values())
    assert len(report.succeeded) == 100
    assert len(report.summaries) == 100
    assert lost >= 25  # about a tenth of 400 creates and runs
    assert report.reconciled == lost  # every lost answer was found and adopted
    assert report.resent == 0
    assert (len(projects), max(projects.values())) == (100, 1)  # 0 duplicate projects
    assert (len(predictions), max(predictions.values())) == (100, 1)  # 0 duplicate predictions
    assert counters["objects"]["powerplants"] == 100
    assert sum(counters["runs"].values()) == 100  # no run started twice
    assert counters["api_requests"].get("400", 0) == 0
    reconciled = sum(len(r.reconciled) for r in report.records)
    print(f"\n100 jobs, answers lost {dict(lossy.lost)} of {dict(lossy.sent)}: reconciled {reconciled}, duplicates 0")


async def test_the_simulators_drop_switch_costs_no_duplicate_either(tmp_path: Path) -> None:
    """``drop_rate`` cuts the connection after any request of the route groups: GETs are retried,
    POSTs are looked up."""
    async with environment(run_seconds=5.0) as env:
        dropped = {"drop_rate": 0.1}
        await env.sim.put("faults", {"routes": {"projects": dropped, "predictions": dropped, "powerplant": dropped}})
        journal = SqliteJournal(tmp_path / "j.sqlite")
        report = await runner(env.client, journal, concurrency=20).run(jobs(40, env.ids, own_projects=True))
        await journal.aclose()
        projects, predictions = await env.marked("projects"), await env.marked("predictions")
        counters = await env.sim.counters()
    assert len(report.succeeded) == 40
    assert report.reconciled > 0
    assert counters["api_requests"]["dropped"] > report.reconciled  # GETs were dropped too
    assert (len(projects), max(projects.values())) == (40, 1)
    assert (len(predictions), max(predictions.values())) == (40, 1)
    assert sum(counters["runs"].values()) == 40


async def test_a_create_that_never_happened_is_sent_again_after_the_grace_period(tmp_path: Path) -> None:
    async with environment(lambda inner: LossyTransport(inner, before=FirstOf("prediction"))) as env:
        journal = SqliteJournal(tmp_path / "j.sqlite")
        started = _time.now()
        report = await runner(env.client, journal, reconcile_grace=30.0).run(jobs(3, env.ids))
        waited = _time.now() - started
        await journal.aclose()
        predictions = await env.marked("predictions")
    assert len(report.succeeded) == 3
    assert (report.reconciled, report.resent) == (0, 1)
    assert waited >= 30.0  # looked up again after the grace period (virtual time) before sending again
    assert sorted(predictions.values()) == [1, 1, 1]


async def test_extra_objects_carrying_a_jobs_mark_are_reported_as_orphans(tmp_path: Path) -> None:
    first = FirstOf("prediction")  # made twice (someone else's duplicate), and its answer lost
    async with environment(lambda inner: LossyTransport(inner, twice=first, after=first)) as env:
        journal = SqliteJournal(tmp_path / "j.sqlite")
        report = await runner(env.client, journal).run(jobs(3, env.ids))
        await journal.aclose()
        predictions = await env.marked("predictions")
    assert len(report.succeeded) == 3
    assert report.reconciled == 1
    assert len(report.orphans) == 1
    assert report.orphans[0].startswith("'tilt=0': prediction ")
    assert report.records[0].orphans == (report.orphans[0].split(": ", 1)[1],)
    assert predictions['"tilt=0"'] == 2  # left in place, reported


async def test_a_lost_create_that_cannot_be_looked_up_is_reported_and_nothing_is_created_again(
    tmp_path: Path,
) -> None:
    listing_fails = True

    def listing(request: httpx.Request) -> bool:
        return listing_fails and request.method == "GET" and request.url.path.endswith("/Prediction")

    lose = FirstOf("prediction")
    async with environment(lambda inner: LossyTransport(inner, after=lose, failing=listing)) as env:
        journal = SqliteJournal(tmp_path / "j.sqlite")
        report = await runner(env.client, journal).run(jobs(3, env.ids))
        stuck = await env.marked("predictions")
        listing_fails = False
        retried = await runner(env.client, journal, retry_failed=True).run(jobs(3, env.ids))
        await journal.aclose()
        predictions = await env.marked("predictions")
    assert report.failed == ["tilt=0"]
    error = report.records[0].error
    assert error is not None
    assert "could not be looked up" in error
    assert "never created blindly" in error
    assert report.records[0].step == "prediction"  # still to be looked up
    assert stuck['"tilt=0"'] == 1  # the lost create happened; nothing was created again
    assert len(retried.succeeded) == 3
    assert retried.reconciled == 1
    assert sorted(predictions.values()) == [1, 1, 1]
