"""The simulator's stored objects and the run lifecycle, for the life of the process.

Objects are kept as the camelCase JSON the API answers with (already round-tripped through the
generated model), so GET is a dictionary lookup. Run status is derived from the clock on every read
instead of being advanced by a background task: nothing runs between requests, and a test that moves
an injected clock forward sees the run finish without sleeping.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from plantpredict_client import models
from plantpredict_simulator import _library
from plantpredict_simulator._config import SimulatorConfig
from plantpredict_simulator._models import normalize
from plantpredict_simulator._results import RunSnapshot

COMPANY_ID = 1042
USER_ID = 8903
SYSTEM_USER_ID = 742

QUEUED, RUNNING, SUCCESS, ERROR, CANCELLED = 1, 2, 3, 4, 5
# Share of run_seconds spent queued before running.
QUEUED_SHARE = 0.25

OBJECT_KINDS = ("projects", "predictions", "powerplants", "modules", "inverters", "weather")


@dataclass
class Run:
    started: float
    duration: float
    fails: bool
    snapshot: RunSnapshot
    cancelled_at: float | None = None
    final_status: int | None = None

    def status(self, now: float) -> int:
        if self.cancelled_at is not None:
            return CANCELLED
        elapsed = now - self.started
        if elapsed >= self.duration:
            return ERROR if self.fails else SUCCESS
        return QUEUED if elapsed < self.duration * QUEUED_SHARE else RUNNING

    def percent(self, now: float) -> float:
        if self.duration <= 0:
            return 100.0
        return max(0.0, min(100.0, (now - self.started) / self.duration * 100.0))


@dataclass
class PredictionRecord:
    data: dict[str, Any]
    run: Run | None = None


class Store:
    def __init__(self, config: SimulatorConfig, on_run_finished: Callable[[int], None]) -> None:
        self._config = config
        self._on_run_finished = on_run_finished
        self.projects: dict[int, dict[str, Any]] = {}
        self.predictions: dict[int, PredictionRecord] = {}
        self.plants: dict[int, dict[str, Any]] = {}  # keyed by prediction id
        self.modules: dict[int, dict[str, Any]] = {}
        self.inverters: dict[int, dict[str, Any]] = {}
        self.weather: dict[int, dict[str, Any]] = {}
        # Distinct ranges per kind, so an id used with the wrong kind of route is a 404, not a silent hit.
        self._project_ids = itertools.count(190001)
        self._prediction_ids = itertools.count(955001)
        self._plant_ids = itertools.count(1185001)
        self._module_ids = itertools.count(42001)
        self._inverter_ids = itertools.count(10001)
        self._weather_ids = itertools.count(68001)
        self._child_ids = itertools.count(3000001)
        # Serialized GET /Project/{id} bodies: the benchmarked route should not re-encode JSON each time.
        self.project_json: dict[int, bytes] = {}
        if config.seed_library:
            self._seed_library()

    # -- helpers -------------------------------------------------------------------------------------

    def now(self) -> float:
        return self._config.clock()

    def timestamp(self) -> str:
        return _iso(self.now())

    def next_child_id(self) -> int:
        return next(self._child_ids)

    def stamp_new(self, data: dict[str, Any], object_id: int, owner: int = USER_ID) -> dict[str, Any]:
        now = self.timestamp()
        data.update(
            {
                "id": object_id,
                "companyId": COMPANY_ID,
                "ownerId": owner,
                "createdDate": now,
                "lastModified": now,
                "lastModifiedById": owner,
            }
        )
        return data

    def stamp_update(self, data: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
        for key in ("id", "companyId", "ownerId", "createdDate"):
            if key in previous:
                data[key] = previous[key]
        data["lastModified"] = self.timestamp()
        data["lastModifiedById"] = USER_ID
        return data

    def object_counts(self) -> dict[str, int]:
        return {kind: len(self.objects(kind)) for kind in OBJECT_KINDS}

    def objects(self, kind: str) -> list[dict[str, Any]]:
        if kind == "projects":
            return [copy.deepcopy(p) for p in self.projects.values()]
        if kind == "predictions":
            return [self.prediction_json(pid) for pid in self.predictions]
        if kind == "powerplants":
            return [copy.deepcopy(p) for p in self.plants.values()]
        if kind == "modules":
            return [copy.deepcopy(m) for m in self.modules.values()]
        if kind == "inverters":
            return [copy.deepcopy(i) for i in self.inverters.values()]
        if kind == "weather":
            return [copy.deepcopy(w) for w in self.weather.values()]
        raise KeyError(kind)

    # -- library ---------------------------------------------------------------------------------------

    def _seed_library(self) -> None:
        module_id = next(self._module_ids)
        self.modules[module_id] = normalize(
            models.Module, self.stamp_new(copy.deepcopy(_library.MODULE), module_id, SYSTEM_USER_ID)
        )
        inverter_id = next(self._inverter_ids)
        self.inverters[inverter_id] = normalize(
            models.Inverter, self.stamp_new(copy.deepcopy(_library.INVERTER), inverter_id, SYSTEM_USER_ID)
        )
        for weather in _library.WEATHER:
            weather_id = next(self._weather_ids)
            self.weather[weather_id] = normalize(
                models.Weather, self.stamp_new(copy.deepcopy(weather), weather_id, SYSTEM_USER_ID)
            )

    def library(self, kind: str) -> dict[int, dict[str, Any]]:
        return {"modules": self.modules, "inverters": self.inverters, "weather": self.weather}[kind]

    def new_library_id(self, kind: str) -> int:
        counter = {"modules": self._module_ids, "inverters": self._inverter_ids, "weather": self._weather_ids}[kind]
        return next(counter)

    # -- projects --------------------------------------------------------------------------------------

    def put_project(self, data: dict[str, Any]) -> None:
        self.projects[data["id"]] = data
        self.project_json.pop(data["id"], None)

    def new_project_id(self) -> int:
        return next(self._project_ids)

    def delete_project(self, project_id: int) -> None:
        del self.projects[project_id]
        self.project_json.pop(project_id, None)
        for prediction_id in [pid for pid, rec in self.predictions.items() if rec.data.get("projectId") == project_id]:
            self.delete_prediction(prediction_id)

    def project_name_taken(self, name: str | None, except_id: int | None = None) -> bool:
        wanted = (name or "").strip().lower()
        return any(
            (p.get("name") or "").strip().lower() == wanted and pid != except_id for pid, p in self.projects.items()
        )

    # -- predictions -----------------------------------------------------------------------------------

    def new_prediction_id(self) -> int:
        return next(self._prediction_ids)

    def predictions_of(self, project_id: int) -> Iterator[int]:
        return (pid for pid, rec in self.predictions.items() if rec.data.get("projectId") == project_id)

    def delete_prediction(self, prediction_id: int) -> None:
        self.predictions.pop(prediction_id, None)
        self.plants.pop(prediction_id, None)

    def prediction_json(self, prediction_id: int) -> dict[str, Any]:
        record = self.predictions[prediction_id]
        data = copy.deepcopy(record.data)
        project = self.projects.get(data.get("projectId", -1))
        data["project"] = dict(copy.deepcopy(project), predictions=[]) if project else None
        plant = self.plants.get(prediction_id)
        data["powerPlantId"] = plant["id"] if plant else None
        data["numOfBlocks"] = len(plant.get("blocks") or []) if plant else 0
        data.update(self.run_fields(record))
        return data

    def run_fields(self, record: PredictionRecord) -> dict[str, Any]:
        run = record.run
        if run is None:
            return {
                "processingStatus": 0,
                "percentComplete": 0,
                "processingStep": 1,
                "processingMessage": "None",
                "resultSummaryId": None,
                "runCompletedDateTimeUTC": None,
            }
        now = self.now()
        status = self.settle(run, now)
        step, message = {
            QUEUED: (4, "Queued"),
            RUNNING: (15, "Running"),
            SUCCESS: (38, "Completed"),
            ERROR: (15, "Error: the engine stopped with a simulated failure."),
            CANCELLED: (15, "Cancelled"),
        }[status]
        finished = status in (SUCCESS, ERROR)
        return {
            "processingStatus": status,
            "percentComplete": 100.0 if status == SUCCESS else run.percent(now) if status != CANCELLED else 0.0,
            "processingStep": step,
            "processingMessage": message,
            "lastPublishedDateToQueue": _iso(run.started),
            "resultSummaryId": run.snapshot.summary_id if status == SUCCESS else None,
            "runCompletedDateTimeUTC": _iso(run.started + run.duration) if finished else None,
        }

    def settle(self, run: Run, now: float) -> int:
        """The run's status now; the first time it is final, it is counted."""
        status = run.status(now)
        if status in (SUCCESS, ERROR, CANCELLED) and run.final_status is None:
            run.final_status = status
            self._on_run_finished(status)
        return status

    def settle_all(self) -> None:
        now = self.now()
        for record in self.predictions.values():
            if record.run is not None:
                self.settle(record.run, now)

    def run_fails(self, prediction_id: int) -> bool:
        rate = self._config.faults.failed_run_rate
        return rate > 0 and random.Random(f"{self._config.seed}:run:{prediction_id}").random() < rate


def _iso(epoch: float) -> str:
    """A server instant in UTC, with its offset (PlantPredict leaves it out; the document wants it)."""
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).isoformat()
