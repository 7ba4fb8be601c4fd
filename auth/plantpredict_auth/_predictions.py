"""Waiting for a prediction run: poll with backoff, stop at any end state, honour a deadline.

The official SDK's wait is a busy loop without sleep or timeout that only exits on Success, so a
failed or cancelled run hangs it forever. Here the end states are Success (3), Error (4) and
Cancelled (5); each returns the prediction, and the caller decides what a failure means.
"""

from __future__ import annotations

from collections.abc import Callable

from plantpredict_client import Client
from plantpredict_client.models import ExportOptions, Prediction, ProcessingStatusEnum
from plantpredict_client.types import UNSET, Unset

from . import _time
from ._errors import PredictionFailedError, PredictionTimeoutError

FINISHED = frozenset({ProcessingStatusEnum.SUCCESS, ProcessingStatusEnum.ERROR, ProcessingStatusEnum.CANCELLED})


def status_of(prediction: Prediction) -> ProcessingStatusEnum | None:
    status = prediction.processing_status
    return None if isinstance(status, Unset) or status is None else ProcessingStatusEnum(status)


def _status_name(status: ProcessingStatusEnum | None) -> str:
    return "unknown" if status is None else status.name.lower()


async def wait_for_prediction(
    client: Client,
    project_id: int,
    prediction_id: int,
    *,
    deadline: float = 3600.0,
    poll_initial: float = 2.0,
    poll_max: float = 30.0,
    backoff: float = 1.5,
    on_poll: Callable[[Prediction], None] | None = None,
) -> Prediction:
    """Poll the prediction until its ``processingStatus`` is 3, 4 or 5, and return it.

    The interval starts at ``poll_initial`` seconds and grows by ``backoff`` up to ``poll_max``.
    Raises ``PredictionTimeoutError`` if the run has not ended ``deadline`` seconds after the call.
    """
    started = _time.now()
    interval = poll_initial
    while True:
        prediction = await client.predictions.get(project_id, prediction_id)
        if on_poll is not None:
            on_poll(prediction)
        status = status_of(prediction)
        if status in FINISHED:
            return prediction
        remaining = started + deadline - _time.now()
        if remaining <= 0:
            raise PredictionTimeoutError(
                f"prediction {prediction_id} of project {project_id} is still {_status_name(status)} "
                f"after {deadline:.0f}s",
                project_id=project_id,
                prediction_id=prediction_id,
                processing_status=None if status is None else int(status),
            )
        await _time.sleep(min(interval, remaining))
        interval = min(poll_max, interval * backoff)


async def run_and_wait(
    client: Client,
    project_id: int,
    prediction_id: int,
    *,
    export_options: ExportOptions | None = None,
    raise_on_failure: bool = True,
    deadline: float = 3600.0,
    poll_initial: float = 2.0,
    poll_max: float = 30.0,
    on_poll: Callable[[Prediction], None] | None = None,
) -> Prediction:
    """Start a run and wait for it; with ``raise_on_failure``, Error or Cancelled raise
    ``PredictionFailedError`` (carrying the status) instead of returning. A run still going at the
    deadline raises ``PredictionTimeoutError``; both are ``PredictionRunError``."""
    await client.predictions.run(project_id, prediction_id, export_options or UNSET)
    prediction = await wait_for_prediction(
        client,
        project_id,
        prediction_id,
        deadline=deadline,
        poll_initial=poll_initial,
        poll_max=poll_max,
        on_poll=on_poll,
    )
    status = status_of(prediction)
    if raise_on_failure and status is not ProcessingStatusEnum.SUCCESS:
        raise PredictionFailedError(
            f"prediction {prediction_id} of project {project_id} ended {_status_name(status)}",
            project_id=project_id,
            prediction_id=prediction_id,
            processing_status=None if status is None else int(status),
        )
    return prediction
