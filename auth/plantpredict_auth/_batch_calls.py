"""Every PlantPredict call the batch runner makes, in one place.

The runner speaks to PlantPredict only through ``PlantPredictCalls``: creates, the look-ups that
reconcile a create whose answer was lost, the run and its status, the result summary, all on the
resource client (``client.projects...``).

A look-up finds what the runner made by its mark, a line the runner adds to the object's
description ("notes"): PlantPredict has no idempotency key and no search by name, but it lists a
user's projects and a project's predictions with their descriptions.
"""

from __future__ import annotations

from plantpredict_client import Client
from plantpredict_client.models import (
    ExportOptions,
    PowerPlant,
    Prediction,
    PredictionResultSummary,
    ProcessingStatusEnum,
    Project,
)
from plantpredict_client.types import UNSET, Unset

from ._predictions import status_of, wait_for_prediction


def marked(description: object, mark: str) -> bool:
    """Whether an object's description carries ``mark`` as one of its lines."""
    return isinstance(description, str) and mark in description.splitlines()


def with_mark(description: object, mark: str) -> str:
    """The description with the runner's mark as its last line."""
    text = description if isinstance(description, str) else ""
    return f"{text}\n{mark}" if text else mark


class PlantPredictCalls:
    """The runner's view of PlantPredict."""

    def __init__(self, client: Client) -> None:
        self.client = client

    async def create_project(self, project: Project) -> int:
        return (await self.client.projects.create(project)).id

    async def projects_marked(self, mark: str) -> list[int]:
        projects = await self.client.projects.list_mine()
        return sorted(p.id for p in projects if isinstance(p.id, int) and marked(p.description, mark))

    async def create_prediction(self, project_id: int, prediction: Prediction) -> int:
        return (await self.client.predictions.create(project_id, prediction)).id

    async def predictions_marked(self, project_id: int, mark: str) -> list[int]:
        predictions = await self.client.predictions.list(project_id)
        return sorted(p.id for p in predictions if isinstance(p.id, int) and marked(p.description, mark))

    async def create_power_plant(self, project_id: int, prediction_id: int, plant: PowerPlant) -> None:
        await self.client.power_plants.create(project_id, prediction_id, plant)

    async def has_power_plant(self, project_id: int, prediction_id: int) -> bool:
        # None (204, no body) when the prediction has none yet.
        return await self.client.power_plants.get(project_id, prediction_id) is not None

    async def start_run(self, project_id: int, prediction_id: int, options: ExportOptions | None) -> None:
        body: ExportOptions | Unset = options if options is not None else UNSET
        await self.client.predictions.run(project_id, prediction_id, body)

    async def run_status(self, project_id: int, prediction_id: int) -> ProcessingStatusEnum | None:
        return status_of(await self.client.predictions.get(project_id, prediction_id))

    async def wait(
        self, project_id: int, prediction_id: int, *, deadline: float, poll_initial: float, poll_max: float
    ) -> Prediction:
        return await wait_for_prediction(
            self.client, project_id, prediction_id, deadline=deadline, poll_initial=poll_initial, poll_max=poll_max
        )

    async def result_summary(self, project_id: int, prediction_id: int) -> PredictionResultSummary | None:
        return await self.client.results.summary(project_id, prediction_id)  # None: not ready yet (204)

    async def cancel_run(self, project_id: int, prediction_id: int) -> None:
        await self.client.predictions.cancel(project_id, prediction_id)
