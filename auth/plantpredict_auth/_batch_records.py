"""What a batch journal holds: one record per job, its lease, and the errors a journal raises.

A record says how far its job got (``state``), the ids it created, and the one step that was sent
but whose answer is not recorded yet (``step``): a create or a run that may or may not have
happened, which the runner looks up before doing anything again. A record holds ids, states,
timestamps and messages, never a token, a password or a secret.

``Journal`` is what the runner needs from a store: ``SqliteJournal`` (a file, the default) and
``RedisJournal`` (many processes and machines). Every write is fenced by the job's lease: a worker
that lost its lease (it stalled past the timeout and another worker took the job over) cannot
overwrite what the new holder records.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from attrs import asdict, field, frozen
from attrs.validators import deep_iterable, ge, in_, instance_of, optional

from ._errors import PlantPredictError

#: Written into every journal; a journal of a later format is refused, not guessed at.
JOURNAL_FORMAT = 1
JOURNAL_KIND = "plantpredict-batch-journal"
#: The key of the sweep's shared project in the journal (job keys are never empty).
SWEEP_PROJECT = ""


class JournalError(PlantPredictError):
    """The journal cannot be used: not a journal (corrupt or another program's file), of a newer
    format, unreachable, or it disagrees with the jobs it is given. Nothing was changed."""


class LeaseLostError(JournalError):
    """This worker no longer holds the job's lease: another worker took the job over after the
    lease timed out. The job is left to that worker; nothing was written."""


class JobState(StrEnum):
    """How far a job got, in order."""

    PENDING = "pending"
    CREATED = "created"  # its prediction exists (in its project)
    READY = "ready"  # its power plant is attached
    RUNNING = "running"  # its run was started
    SUCCEEDED = "succeeded"  # the run ended in Success and its result summary is in the journal
    RUN_FAILED = "run_failed"  # the run ended in Error or Cancelled


ORDER = {state: index for index, state in enumerate(JobState)}

#: The steps a record may have in flight: creates and the run.
STEPS = ("project", "prediction", "plant", "run")


def _ids(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0)


def _check_id(_: object, attribute: Any, value: object) -> None:
    if not _ids(value):
        raise ValueError(f"{attribute.name} must be a positive integer or null")


_strings = deep_iterable(member_validator=instance_of(str), iterable_validator=instance_of(tuple))


def _tuple(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


@frozen
class JobRecord:
    """One job of a sweep as the journal knows it."""

    key: str = field(validator=instance_of(str))
    state: JobState = field(default=JobState.PENDING, converter=JobState)
    #: A digest of the job's definition, so a rerun with a changed definition is refused.
    digest: str = field(default="", validator=instance_of(str))
    project_id: int | None = field(default=None, validator=_check_id)
    prediction_id: int | None = field(default=None, validator=_check_id)
    #: A step sent whose answer is not recorded: it may or may not have happened.
    step: str | None = field(default=None, validator=optional(in_(STEPS)))
    step_at: float | None = field(default=None, validator=optional(instance_of((int, float))))
    #: Runs this runner started for the job (more than one only when failed runs are rerun).
    runs: int = field(default=0, validator=[instance_of(int), ge(0)])
    #: How the last run ended: success, error or cancelled.
    run_status: str | None = field(default=None, validator=optional(instance_of(str)))
    #: Why the runner gave up on the job (it is reported, and retried only when asked).
    error: str | None = field(default=None, validator=optional(instance_of(str)))
    #: Steps whose lost answer was looked up and adopted instead of sent again.
    reconciled: tuple[str, ...] = field(default=(), converter=_tuple, validator=_strings)
    #: Objects found carrying this job's mark beyond the one adopted: left in place, reported.
    orphans: tuple[str, ...] = field(default=(), converter=_tuple, validator=_strings)
    worker: str | None = field(default=None, validator=optional(instance_of(str)))
    started_at: float | None = field(default=None, validator=optional(instance_of((int, float))))
    updated_at: float | None = field(default=None, validator=optional(instance_of((int, float))))

    @property
    def finished(self) -> bool:
        """The run ended (in success or not) or the runner gave up on the job."""
        return self.state in (JobState.SUCCEEDED, JobState.RUN_FAILED) or self.error is not None

    @property
    def failed(self) -> bool:
        return self.state is JobState.RUN_FAILED or (self.error is not None and self.state is not JobState.SUCCEEDED)

    def to_json(self) -> str:
        data = asdict(self, recurse=False)
        data["state"] = self.state.value
        data["reconciled"], data["orphans"] = list(self.reconciled), list(self.orphans)
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, key: str, raw: str | bytes, where: str) -> JobRecord:
        """Parse a stored record; anything unexpected is a ``JournalError`` naming the job."""
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("key") != key:
                raise ValueError("not a record of this job")
            return cls(**data)
        except (ValueError, TypeError) as exc:
            why = f"{where}: the record of job {key!r} is unreadable ({exc}): the journal is corrupt"
            raise JournalError(why) from exc


def meta_document(sweep_id: str, created: float) -> dict[str, Any]:
    return {"kind": JOURNAL_KIND, "format": JOURNAL_FORMAT, "sweep_id": sweep_id, "created": created}


def check_meta(meta: object, where: str) -> str:
    """The sweep id of a journal's metadata, or a ``JournalError`` saying why it is not ours."""
    if not isinstance(meta, Mapping) or meta.get("kind") != JOURNAL_KIND:
        raise JournalError(
            f"{where} is not a plantpredict batch journal (another program's data?); nothing was changed"
        )
    fmt = meta.get("format")
    if fmt != JOURNAL_FORMAT:
        raise JournalError(
            f"{where} is a batch journal of format {fmt!r}; this version reads format {JOURNAL_FORMAT}: "
            "nothing was changed"
        )
    sweep_id = meta.get("sweep_id")
    if not isinstance(sweep_id, str) or not sweep_id:
        raise JournalError(f"{where}: the journal's sweep id is missing: the journal is corrupt")
    return sweep_id


@runtime_checkable
class Journal(Protocol):
    """Where a sweep records its jobs. Leases are real time (they are about processes that die),
    whatever the runtime's testing clock says."""

    async def open(self) -> str:
        """Create the journal, or check an existing one is a journal of this format; returns the
        sweep id (random, made when the journal was created). Raises ``JournalError``."""
        ...

    async def record(self, key: str) -> JobRecord | None:
        """One job's record, if the journal has it."""
        ...

    async def records(self) -> dict[str, JobRecord]:
        """Every job's record (the sweep's project under ``SWEEP_PROJECT``), without summaries."""
        ...

    async def summaries(self, keys: Collection[str]) -> dict[str, dict[str, Any]]:
        """The result summaries recorded for these jobs (absent keys have none)."""
        ...

    async def claim(self, key: str, owner: str, seconds: float) -> bool:
        """Take the job's lease for ``seconds`` (creating its record) unless another live owner holds it."""
        ...

    async def renew(self, keys: Collection[str], owner: str, seconds: float) -> set[str]:
        """Extend these leases; returns the keys still held (a lease another worker took is lost)."""
        ...

    async def release(self, key: str, owner: str) -> None: ...

    async def save(self, record: JobRecord, owner: str, summary: Mapping[str, Any] | None = None) -> None:
        """Write the record (and its summary) if ``owner`` holds its lease, else ``LeaseLostError``."""
        ...

    async def aclose(self) -> None: ...
