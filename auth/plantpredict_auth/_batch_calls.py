"""Every PlantPredict call the batch runner makes, in one place.

The runner speaks to PlantPredict only through ``PlantPredictCalls``: creates, the look-ups that
reconcile a create whose answer was lost, the run and its status, the result summary. They use
the generated functions today; moving them onto the resource client (``client.projects...``)
changes this module alone.

A look-up finds what the runner made by its mark, a line the runner adds to the object's
description ("notes"): PlantPredict has no idempotency key and no search by name, but it lists a
user's projects and a project's predictions with their descriptions.
"""

from __future__ import annotations

from plantpredict_client import Client
from plantpredict_client.api.power_plant import create_power_plant, get_power_plant
from plantpredict_client.api.predictions import (
    cancel_prediction,
    create_prediction,
    get_prediction,
    list_predictions,
    run_prediction,
)
from plantpredict_client.api.projects import create_project, get_my_projects
from plantpredict_client.api.results import get_result_summary
from plantpredict_client.models import (
    CreateEntityInfo,
    ExportOptions,
    PowerPlant,
    Prediction,
    PredictionResultSummary,
    ProcessingStatusEnum,
    Project,
)
from plantpredict_client.types import UNSET, Unset

from ._errors import APIResponseError
from ._predictions import status_of, wait_for_prediction


def marked(description: object, mark: str) -> bool:
    """Whether an object's description carries ``mark`` as one of its lines."""
    return isinstance(description, str) and mark in description.splitlines()


def with_mark(description: object, mark: str) -> str:
    """The description with the runner's mark as its last line."""
    text = description if isinstance(description, str) else ""
    return f"{text}\n{mark}" if text else mark


def _created_id(created: CreateEntityInfo | None, what: str, path: str) -> int:
    if created is None or not isinstance(created.id, int):
        raise APIResponseError(
            f"POST {path}: creating the {what} answered no id",
            status_code=200,
            body="",
            request_method="POST",
            request_path=path,
        )
    return created.id


class PlantPredictCalls:
    """The runner's view of PlantPredict."""

    def __init__(self, client: Client) -> None:
        self.client = client

    async def create_project(self, project: Project) -> int:
        created = await create_project.asyncio(client=self.client, body=project)
        return _created_id(created, "project", "/Project")

    async def projects_marked(self, mark: str) -> list[int]:
        projects = await get_my_projects.asyncio(client=self.client) or []
        return sorted(p.id for p in projects if isinstance(p.id, int) and marked(p.description, mark))

    async def create_prediction(self, project_id: int, prediction: Prediction) -> int:
        created = await create_prediction.asyncio(project_id=project_id, client=self.client, body=prediction)
        return _created_id(created, "prediction", f"/Project/{project_id}/Prediction")

    async def predictions_marked(self, project_id: int, mark: str) -> list[int]:
        predictions = await list_predictions.asyncio(project_id=project_id, client=self.client) or []
        return sorted(p.id for p in predictions if isinstance(p.id, int) and marked(p.description, mark))

    async def create_power_plant(self, project_id: int, prediction_id: int, plant: PowerPlant) -> None:
        await create_power_plant.asyncio_detailed(
            project_id=project_id, prediction_id=prediction_id, client=self.client, body=plant
        )

    async def has_power_plant(self, project_id: int, prediction_id: int) -> bool:
        # 204 (no body) when the prediction has none yet.
        plant = await get_power_plant.asyncio(project_id=project_id, prediction_id=prediction_id, client=self.client)
        return isinstance(plant, PowerPlant)

    async def start_run(self, project_id: int, prediction_id: int, options: ExportOptions | None) -> None:
        body: ExportOptions | Unset = options if options is not None else UNSET
        await run_prediction.asyncio_detailed(
            project_id=project_id, prediction_id=prediction_id, client=self.client, body=body
        )

    async def run_status(self, project_id: int, prediction_id: int) -> ProcessingStatusEnum | None:
        prediction = await get_prediction.asyncio(
            project_id=project_id, prediction_id=prediction_id, client=self.client
        )
        return None if prediction is None else status_of(prediction)

    async def wait(
        self, project_id: int, prediction_id: int, *, deadline: float, poll_initial: float, poll_max: float
    ) -> Prediction:
        return await wait_for_prediction(
            self.client, project_id, prediction_id, deadline=deadline, poll_initial=poll_initial, poll_max=poll_max
        )

    async def result_summary(self, project_id: int, prediction_id: int) -> PredictionResultSummary | None:
        summary = await get_result_summary.asyncio(
            project_id=project_id, prediction_id=prediction_id, client=self.client
        )
        return summary if isinstance(summary, PredictionResultSummary) else None

    async def cancel_run(self, project_id: int, prediction_id: int) -> None:
        await cancel_prediction.asyncio_detailed(project_id=project_id, prediction_id=prediction_id, client=self.client)
