"""``BatchRunner``: a sweep of predictions that survives a crash and splits across workers.

Each job (``BatchJob``: a stable key and what to create and run) goes create -> power plant -> run
-> wait -> result summary, with at most ``concurrency`` jobs in progress per worker, and every
step is recorded in the journal before the runner moves on. Rerun the same sweep with the same
journal and it resumes: finished jobs are not touched, runs already started are waited for (never
started again), failed runs and jobs the runner gave up on are reported, and rerun only with
``retry_failed=True``.

Several workers (processes, machines) split one sweep by running the same jobs against one
``RedisJournal``: a worker takes a job by its lease, renews it while it works, and releases it
when done; the lease of a worker that dies times out and another worker takes the job over from
what the journal says. Each worker returns once every job is finished or given up, so any of them
can report the whole sweep.

Why leases on the journal rather than a job queue such as arq: the journal has to exist anyway
(resume, reconcile, results), and leases over it make it the one source of truth. A queue adds
a second one (what is enqueued against what is done), recovers a dead worker's job only when the
job's whole timeout has passed (arq keeps no heartbeat, and a prediction run takes hours), and
cannot fence a stalled worker's writes. Leases renewed every third of their time free a dead
worker's jobs within one lease time and make every journal write check its lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from attrs import frozen

from plantpredict_client import Client
from plantpredict_client.models import PredictionResultSummary, Project

from ._batch_calls import PlantPredictCalls
from ._batch_records import SWEEP_PROJECT, JobRecord, JobState, Journal, JournalError, LeaseLostError
from ._batch_steps import BatchJob, JobSteps, RunStats, StepContext, Steps, sweep_mark
from ._errors import ConfigurationError, PlantPredictError

log = logging.getLogger("plantpredict_auth.batch")


@frozen
class BatchProgress:
    """Where a sweep stands, from its journal."""

    total: int
    created: int  # predictions created
    ready: int  # power plants attached
    started: int  # runs started
    succeeded: int
    run_failed: int  # runs that ended in Error or Cancelled
    failed: int  # jobs the runner gave up on (see their records' errors)

    @property
    def finished(self) -> int:
        return self.succeeded + self.run_failed + self.failed


def progress_of(records: Mapping[str, JobRecord], keys: Iterable[str]) -> BatchProgress:
    """The progress of the jobs ``keys`` in a journal's ``records()``."""
    counts = dict.fromkeys(("total", "created", "ready", "started", "succeeded", "run_failed", "failed"), 0)
    for key in keys:
        counts["total"] += 1
        record = records.get(key)
        if record is None:
            continue
        state = record.state
        counts["created"] += state is not JobState.PENDING
        counts["ready"] += state not in (JobState.PENDING, JobState.CREATED)
        counts["started"] += state in (JobState.RUNNING, JobState.SUCCEEDED, JobState.RUN_FAILED)
        counts["succeeded"] += state is JobState.SUCCEEDED
        counts["run_failed"] += state is JobState.RUN_FAILED
        counts["failed"] += record.error is not None and state not in (JobState.SUCCEEDED, JobState.RUN_FAILED)
    return BatchProgress(**counts)


@frozen
class BatchReport:
    """What a sweep came to (every job, from the journal) and what this worker's run did."""

    worker: str
    records: tuple[JobRecord, ...]
    summaries: Mapping[str, Mapping[str, Any]]
    #: Jobs already finished when this run began (not touched).
    finished_before: int
    #: Jobs this worker took in this run.
    processed: int
    #: Runs started before this run began that it waited for.
    resumed_runs: int
    #: Steps whose answer was lost (or whose worker died) found on PlantPredict and adopted.
    reconciled: int
    #: Steps looked up, not found, and sent again.
    resent: int
    #: Objects carrying a job's mark beyond the one adopted (left in place).
    orphans: tuple[str, ...]

    def _keys(self, test: Callable[[JobRecord], bool]) -> list[str]:
        return [r.key for r in self.records if test(r)]

    @property
    def succeeded(self) -> list[str]:
        return self._keys(lambda r: r.state is JobState.SUCCEEDED)

    @property
    def run_failed(self) -> list[str]:
        return self._keys(lambda r: r.state is JobState.RUN_FAILED)

    @property
    def failed(self) -> list[str]:
        """Jobs the runner gave up on; each record's ``error`` says why."""
        return self._keys(lambda r: r.error is not None and r.state not in (JobState.SUCCEEDED, JobState.RUN_FAILED))

    @property
    def unfinished(self) -> list[str]:
        """Jobs neither finished nor given up (a run past its deadline): the next run waits for them."""
        return self._keys(lambda r: not r.finished)

    def progress(self) -> BatchProgress:
        return progress_of({r.key: r for r in self.records}, [r.key for r in self.records])


def _default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _summary_dict(summary: PredictionResultSummary) -> Mapping[str, Any]:
    return summary.to_dict()


class BatchRunner:
    """Runs a sweep of ``BatchJob`` s on PlantPredict with a journal (``SqliteJournal``,
    ``RedisJournal``). See the module documentation for what a rerun does."""

    def __init__(
        self,
        client: Client,
        journal: Journal,
        *,
        project: Project | None = None,
        concurrency: int = 8,
        retry_failed: bool = False,
        deadline: float = 3600.0,
        poll_initial: float = 2.0,
        poll_max: float = 30.0,
        lease_seconds: float = 30.0,
        reconcile_grace: float = 60.0,
        summarize: Callable[[PredictionResultSummary], Mapping[str, Any]] | None = None,
        worker: str | None = None,
        on_record: Callable[[JobRecord], None] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ConfigurationError("concurrency must be at least 1")
        if lease_seconds <= 0 or reconcile_grace < 0:
            raise ConfigurationError("lease_seconds must be positive and reconcile_grace not negative")
        self.client = client
        self.journal = journal
        self.project = project
        self.concurrency = concurrency
        self.retry_failed = retry_failed
        self.lease_seconds = lease_seconds
        self.worker = worker or _default_worker()
        self.stats = RunStats()
        self._context = StepContext(
            calls=PlantPredictCalls(client),
            journal=journal,
            owner=self.worker,
            sweep_id="",
            deadline=deadline,
            poll_initial=poll_initial,
            poll_max=poll_max,
            grace=reconcile_grace,
            summarize=summarize or _summary_dict,
            stats=self.stats,
            on_record=on_record,
        )
        self._held: dict[str, asyncio.Task[None] | None] = {}

    # -- the sweep --------------------------------------------------------------------------------

    async def run(self, jobs: Sequence[BatchJob]) -> BatchReport:
        """Run (or resume) the sweep until every job is finished or given up; return the report."""
        jobs = list(jobs)
        keys = [job.key for job in jobs]
        if len(set(keys)) != len(keys):
            raise ConfigurationError("job keys must be unique within a sweep")
        if self.project is None and any(job.project is None for job in jobs):
            raise ConfigurationError("jobs without their own project need the sweep's: BatchRunner(project=...)")
        began = time.time()
        self.stats.reconciled = self.stats.resent = self.stats.resumed_runs = 0
        self.stats.orphans.clear()
        self._context.sweep_id = await self.journal.open()
        records = await self.journal.records()
        changed = [job.key for job in jobs if job.key in records and records[job.key].digest not in ("", job.digest())]
        if changed:
            shown = ", ".join(repr(k) for k in changed[:5]) + (" ..." if len(changed) > 5 else "")
            raise JournalError(
                f"{len(changed)} job(s) differ from what the journal recorded for them ({shown}): a journal "
                "belongs to one sweep; use a new journal for a changed sweep. Nothing was done."
            )
        finished_before = sum(1 for job in jobs if job.key in records and records[job.key].finished)
        processed = 0
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            shared = None
            if any(job.project is None for job in jobs):
                shared = await self._sweep_project()
            processed = await self._work(jobs, shared, began)
        finally:
            heartbeat.cancel()
            # gather, not suppress(CancelledError): a cancellation of this task arriving meanwhile
            # (Ctrl-C) must propagate, only the heartbeat's own is collected.
            await asyncio.gather(heartbeat, return_exceptions=True)
        records = await self.journal.records()
        summaries = await self.journal.summaries(keys)
        report = BatchReport(
            worker=self.worker,
            records=tuple(records.get(k) or JobRecord(k) for k in keys),
            summaries=summaries,
            finished_before=finished_before,
            processed=processed,
            resumed_runs=self.stats.resumed_runs,
            reconciled=self.stats.reconciled,
            resent=self.stats.resent,
            orphans=tuple(self.stats.orphans),
        )
        log.info(
            "sweep: %d succeeded, %d runs failed, %d given up, %d unfinished; this worker took %d, "
            "reconciled %d lost answers",
            len(report.succeeded),
            len(report.run_failed),
            len(report.failed),
            len(report.unfinished),
            processed,
            report.reconciled,
        )
        return report

    async def progress(self, keys: Collection[str]) -> BatchProgress:
        await self.journal.open()
        return progress_of(await self.journal.records(), keys)

    def _wanted(self, record: JobRecord | None, began: float) -> bool:
        if record is None or not record.finished:
            return True
        # A failure from before this run began is retried when asked; one from this run is not.
        return self.retry_failed and record.failed and (record.updated_at or 0.0) < began

    async def _work(self, jobs: list[BatchJob], shared: int | None, began: float) -> int:
        attempted: set[str] = set()
        slots = asyncio.Semaphore(self.concurrency)
        while True:
            records = await self.journal.records()
            todo = [j for j in jobs if j.key not in attempted and self._wanted(records.get(j.key), began)]
            if not todo:
                return len(attempted)
            try:
                async with asyncio.TaskGroup() as group:
                    for job in todo:
                        await slots.acquire()
                        record = await self._claim(job, began)
                        if record is None:
                            slots.release()
                            continue
                        attempted.add(job.key)
                        task = group.create_task(self._one(job, record, shared, slots), name=f"job {job.key}")
                        self._held[job.key] = task
            except BaseExceptionGroup as failed:
                raise failed.exceptions[0] from None  # the first error as it is, not wrapped
            if any(j.key not in attempted for j in todo):
                # Jobs other workers hold: wait for them to finish, or for their leases to time out.
                await asyncio.sleep(self._recheck)  # real time: other processes, not this one's clock

    @property
    def _recheck(self) -> float:
        return min(2.0, self.lease_seconds / 3)

    async def _claim(self, job: BatchJob, began: float) -> JobRecord | None:
        """The job's record, leased to this worker, if the job still wants doing."""
        if not await self.journal.claim(job.key, self.worker, self.lease_seconds):
            return None  # another worker has it
        record = await self.journal.record(job.key) or JobRecord(job.key)
        if not self._wanted(record, began):  # finished by another worker since the last look
            await self._release(job.key)
            return None
        return record

    async def _one(self, job: BatchJob, record: JobRecord, shared: int | None, slots: asyncio.Semaphore) -> None:
        try:
            await JobSteps(self._context, record, job, shared).run()
        except LeaseLostError as exc:
            log.warning("job %r: %s; left to the worker that took it over", job.key, exc)
        finally:
            self._held.pop(job.key, None)
            slots.release()
            await asyncio.shield(self._release(job.key))

    async def _release(self, key: str) -> None:
        with contextlib.suppress(JournalError):
            await self.journal.release(key, self.worker)

    async def _sweep_project(self) -> int:
        """The sweep's shared project: created once, by whichever worker gets there first."""
        assert self.project is not None
        while True:
            record = await self.journal.record(SWEEP_PROJECT) or JobRecord(SWEEP_PROJECT)
            if record.project_id is not None:
                return record.project_id
            if await self.journal.claim(SWEEP_PROJECT, self.worker, self.lease_seconds):
                self._held[SWEEP_PROJECT] = None  # renewed while it is created, nothing to stop
                try:
                    record = await self.journal.record(SWEEP_PROJECT) or record
                    if record.project_id is not None:
                        return record.project_id
                    return await Steps(self._context, record).project(self.project, sweep_mark(self._context.sweep_id))
                finally:
                    self._held.pop(SWEEP_PROJECT, None)
                    await asyncio.shield(self._release(SWEEP_PROJECT))
            await asyncio.sleep(self._recheck)

    async def _heartbeat(self) -> None:
        """Renew every held lease each third of the lease time; a job whose lease was lost stops."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)  # real time, like the leases
            held = dict(self._held)
            if not held:
                continue
            try:
                kept = await self.journal.renew(held, self.worker, self.lease_seconds)
            except JournalError as exc:
                # The next tick tries again; a lease that lapses meanwhile is checked by every write.
                log.warning("could not renew %d lease(s): %s", len(held), exc)
                continue
            for key in set(held) - kept:
                log.warning("job %r: its lease was taken over by another worker: stopping it here", key)
                task = held[key]
                if task is not None:
                    task.cancel()

    # -- Ctrl-C -----------------------------------------------------------------------------------

    async def cancel_runs(self) -> int:
        """Cancel the runs this runner started or waited for that have not finished (on Ctrl-C,
        when asked); returns how many were cancelled. The journal sees them end on the next run."""
        running = dict(self._context.running)

        async def cancel(project_id: int, prediction_id: int) -> bool:
            try:
                await self._context.calls.cancel_run(project_id, prediction_id)
            except PlantPredictError as exc:
                log.warning("could not cancel prediction %d: %s", prediction_id, exc)
                return False
            return True

        done = await asyncio.gather(*(cancel(*ids) for ids in running.values()))
        return sum(done)
