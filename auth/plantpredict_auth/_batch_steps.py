"""One job of a sweep, step by step: create (project), prediction, power plant, run, wait, results.

Every step is recorded in the journal before the runner moves on, and a create or a run is
announced (``record.step``) before it is sent. A step found announced but not confirmed, because
its answer was lost (``OutcomeUnknownError``, or a 5xx after a POST) or because the worker died, is
looked up on PlantPredict by the mark the runner put on what it creates, and adopted if found.
Only when the look-up finds nothing, also after a grace period that covers a request the server
may still be working on, is the step sent again. More than one object carrying the mark (made by
someone else, since the runner never sends a create the journal has not ruled out) are orphans:
the lowest id is adopted, the others are reported, never deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from attrs import define, evolve, field, frozen

from plantpredict_client.models import ExportOptions, PowerPlant, Prediction, PredictionResultSummary, Project
from plantpredict_client.models import ProcessingStatusEnum as Status

from . import _time
from ._batch_calls import PlantPredictCalls, with_mark
from ._batch_records import ORDER, JobRecord, JobState, Journal, JournalError
from ._errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    OutcomeUnknownError,
    PlantPredictError,
    PredictionRunError,
    ServerError,
    TokenEndpointError,
    TokenStoreError,
)

log = logging.getLogger("plantpredict_auth.batch")

#: Errors that stop the whole sweep rather than one job: every other job would meet them too.
FATAL = (AuthenticationError, ConfigurationError, TokenEndpointError, TokenStoreError)
#: Sends of one step in one run when the earlier ones are known not to have happened.
MAX_SENDS = 3
KEY_LIMIT = 200


def _check_key(_: object, __: object, key: str) -> None:
    if not isinstance(key, str) or not key.strip():
        raise ValueError("a job key must be a non-empty string")
    if len(key) > KEY_LIMIT or any(ch in key for ch in "\r\n\x00"):
        raise ValueError(f"job key {key[:40]!r}...: at most {KEY_LIMIT} characters on one line")


@frozen
class BatchJob:
    """One job of a sweep: what to create and run, under a key that stays the same between runs
    of the sweep (the swept value, a site name). ``project`` is the job's own project; without
    one, the prediction goes into the sweep's project (``BatchRunner(project=...)``)."""

    key: str = field(validator=_check_key)
    prediction: Prediction
    power_plant: PowerPlant
    project: Project | None = None
    export_options: ExportOptions | None = None

    def digest(self) -> str:
        """A digest of what the job creates, so a rerun that changed a job is refused."""
        parts = {
            "prediction": self.prediction.to_dict(),
            "power_plant": self.power_plant.to_dict(),
            "project": None if self.project is None else self.project.to_dict(),
            "export_options": None if self.export_options is None else self.export_options.to_dict(),
        }
        text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def job_mark(sweep_id: str, key: str) -> str:
    """The line the runner adds to the description of what it creates for a job."""
    return f"[plantpredict-batch {sweep_id} {json.dumps(key)}]"


def sweep_mark(sweep_id: str) -> str:
    return f"[plantpredict-batch {sweep_id}]"


@define
class RunStats:
    """What one ``BatchRunner.run()`` did beyond the journal's states."""

    reconciled: int = 0
    resent: int = 0
    resumed_runs: int = 0
    orphans: list[str] = field(factory=list)


@define
class StepContext:
    calls: PlantPredictCalls
    journal: Journal
    owner: str
    sweep_id: str
    deadline: float
    poll_initial: float
    poll_max: float
    grace: float
    summarize: Callable[[PredictionResultSummary], Mapping[str, Any]]
    stats: RunStats
    on_record: Callable[[JobRecord], None] | None = None
    #: Runs this worker started or waits for, by job key: (project id, prediction id).
    running: dict[str, tuple[int, int]] = field(factory=dict)


class GaveUp(Exception):
    """The job cannot go on in this run; the message goes into its record."""


class Unfinished(Exception):
    """The job's run is still going past the deadline: left as it is, to be waited for next time."""


class Steps:
    """Moves one record forward; the caller holds the job's lease."""

    def __init__(self, ctx: StepContext, record: JobRecord) -> None:
        self.ctx = ctx
        self.record = record

    async def save(self, summary: Mapping[str, Any] | None = None, **changes: Any) -> None:
        record = evolve(self.record, worker=self.ctx.owner, updated_at=time.time(), **changes)
        await self.ctx.journal.save(record, self.ctx.owner, summary)
        self.record = record
        if self.ctx.on_record is not None:
            self.ctx.on_record(record)

    def _at_least(self, state: JobState) -> bool:
        return ORDER[self.record.state] >= ORDER[state]

    # -- creating once ---------------------------------------------------------------------------

    async def _look_up(self, step: str, find: Callable[[], Awaitable[list[int]]]) -> int | None:
        """What an unconfirmed step made, if anything: found by its mark, after the grace period."""
        try:
            found = await find()
            wait = (self.record.step_at or 0.0) + self.ctx.grace - _time.now()
            if not found and wait > 0:
                # The server may still be working on the request whose answer was lost.
                await _time.sleep(wait)
                found = await find()
        except FATAL:
            raise
        except PlantPredictError as exc:
            raise GaveUp(
                f"its {step} may have been created (the answer was lost) but could not be looked up "
                f"({type(exc).__name__}: {exc}); it will be looked up again on the next run, never created blindly"
            ) from exc
        if not found:
            return None
        keep, extra = found[0], found[1:]
        if extra:
            orphans = tuple(f"{step} {object_id}" for object_id in extra)
            self.ctx.stats.orphans.extend(f"{self.record.key!r}: {o}" for o in orphans)
            log.warning("job %r: %d more %s(s) carry its mark: left in place", self.record.key, len(extra), step)
            await self.save(orphans=(*self.record.orphans, *orphans))
        self.ctx.stats.reconciled += 1
        log.info("job %r: the %s whose answer was lost exists (%d): adopted", self.record.key, step, keep)
        await self.save(reconciled=(*self.record.reconciled, step))
        return keep

    async def once(
        self, step: str, send: Callable[[], Awaitable[int]], find: Callable[[], Awaitable[list[int]]]
    ) -> int:
        """Do ``step`` exactly once: announced before it is sent, looked up when its outcome is unknown."""
        if self.record.step == step:
            found = await self._look_up(step, find)
            if found is not None:
                return found
            self.ctx.stats.resent += 1
        for attempt in range(1, MAX_SENDS + 1):
            await self.save(step=step, step_at=_time.now())
            try:
                return await send()
            except (OutcomeUnknownError, ServerError) as exc:
                log.info("job %r: the answer to its %s was lost (%s): looking it up", self.record.key, step, exc)
                found = await self._look_up(step, find)
                if found is not None:
                    return found
                if attempt == MAX_SENDS:
                    raise
                self.ctx.stats.resent += 1
        raise AssertionError("unreachable")  # the loop returns or raises

    async def project(self, project: Project, mark: str) -> int:
        marked = evolve(project, description=with_mark(project.description, mark))
        project_id = await self.once(
            "project", lambda: self.ctx.calls.create_project(marked), lambda: self.ctx.calls.projects_marked(mark)
        )
        await self.save(project_id=project_id, step=None, step_at=None)
        return project_id


class JobSteps(Steps):
    """The steps of one job of the sweep."""

    def __init__(self, ctx: StepContext, record: JobRecord, job: BatchJob, sweep_project: int | None) -> None:
        super().__init__(ctx, record)
        self.job = job
        self.sweep_project = sweep_project
        self.mark = job_mark(ctx.sweep_id, job.key)

    async def run(self) -> None:
        try:
            await self._run()
        except (*FATAL, JournalError):
            raise  # the sweep stops (a lost lease stops this job): nothing to record here
        except Unfinished as exc:
            log.warning("job %r: %s", self.job.key, exc)
        except (GaveUp, PlantPredictError) as exc:
            reason = str(exc) if isinstance(exc, GaveUp) else f"{type(exc).__name__}: {exc}"
            log.warning("job %r: gave up: %s", self.job.key, reason)
            await self.save(error=reason)
        finally:
            if self.record.finished:
                self.ctx.running.pop(self.job.key, None)

    async def _run(self) -> None:
        record = self.record
        if not record.digest:
            await self.save(digest=self.job.digest(), started_at=time.time())
        if record.error is not None:
            await self.save(error=None)  # asked to retry
        project_id = record.project_id
        if project_id is None:
            if self.job.project is not None:
                project_id = await self.project(self.job.project, self.mark)
            else:
                assert self.sweep_project is not None  # the runner checked
                project_id = self.sweep_project
                await self.save(project_id=project_id)
        if self.record.prediction_id is None:
            await self._prediction(project_id)
        if not self._at_least(JobState.READY):
            await self._plant()
        if self.record.state is JobState.RUN_FAILED or not self._at_least(JobState.RUNNING):
            await self._start_run()
        elif self.record.state is JobState.RUNNING:
            self.ctx.stats.resumed_runs += 1
        if self.record.state is JobState.RUNNING:
            await self._wait()

    @property
    def _ids(self) -> tuple[int, int]:
        assert self.record.project_id is not None
        assert self.record.prediction_id is not None
        return self.record.project_id, self.record.prediction_id

    async def _prediction(self, project_id: int) -> None:
        description = with_mark(self.job.prediction.description, self.mark)
        prediction = evolve(self.job.prediction, project_id=project_id, description=description)
        calls = self.ctx.calls
        prediction_id = await self.once(
            "prediction",
            lambda: calls.create_prediction(project_id, prediction),
            lambda: calls.predictions_marked(project_id, self.mark),
        )
        await self.save(prediction_id=prediction_id, state=JobState.CREATED, step=None, step_at=None)

    async def _plant(self) -> None:
        project_id, prediction_id = self._ids
        calls = self.ctx.calls

        async def send() -> int:
            await calls.create_power_plant(project_id, prediction_id, self.job.power_plant)
            return prediction_id

        async def find() -> list[int]:
            return [prediction_id] if await calls.has_power_plant(project_id, prediction_id) else []

        await self.once("plant", send, find)
        await self.save(state=JobState.READY, step=None, step_at=None)

    async def _start_run(self) -> None:
        project_id, prediction_id = self._ids
        calls = self.ctx.calls
        first = self.record.runs == 0

        async def started() -> list[int]:
            status = await calls.run_status(project_id, prediction_id)
            # A first run shows any status but None; a rerun only shows Queued or Running.
            begun = status in (Status.QUEUED, Status.RUNNING) or (first and status not in (None, Status.NONE))
            return [prediction_id] if begun else []

        async def send() -> int:
            try:
                await calls.start_run(project_id, prediction_id, self.job.export_options)
            except BadRequestError:
                if await started():  # "already queued or running": an earlier Run did get through
                    return prediction_id
                raise
            return prediction_id

        await self.once("run", send, started)
        self.ctx.running[self.job.key] = (project_id, prediction_id)
        await self.save(state=JobState.RUNNING, runs=self.record.runs + 1, run_status=None, step=None, step_at=None)

    async def _wait(self) -> None:
        project_id, prediction_id = self._ids
        self.ctx.running[self.job.key] = (project_id, prediction_id)
        try:
            prediction = await self.ctx.calls.wait(
                project_id,
                prediction_id,
                deadline=self.ctx.deadline,
                poll_initial=self.ctx.poll_initial,
                poll_max=self.ctx.poll_max,
            )
        except NotFoundError as exc:
            raise GaveUp(
                f"its run was started, but prediction {prediction_id} of project {project_id} can no longer be "
                "read (deleted?); it is not created again"
            ) from exc
        except PredictionRunError as exc:
            raise Unfinished(str(exc)) from exc
        status = prediction.processing_status
        if status == Status.SUCCESS:
            summary = await self.ctx.calls.result_summary(project_id, prediction_id)
            if summary is None:
                raise GaveUp(f"prediction {prediction_id} succeeded but answered no result summary")
            await self.save(summary=dict(self.ctx.summarize(summary)), state=JobState.SUCCEEDED, run_status="success")
        else:
            name = "cancelled" if status == Status.CANCELLED else "error"
            await self.save(state=JobState.RUN_FAILED, run_status=name)
