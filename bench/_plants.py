"""Large answers built from the reference document's recorded ones (through the simulator's derived
data, never the documents themselves): what a utility-scale plant, its results and its weather
weigh as JSON."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from functools import cache
from importlib import resources
from typing import Any


@cache
def _recorded(operation: str) -> dict[str, Any]:
    data = json.loads(resources.files("plantpredict_simulator").joinpath("_documents.json").read_text())
    example: dict[str, Any] = next(o["example"] for o in data["operations"] if o["name"] == operation)
    return example


def utility_plant(
    blocks: int = 25,
    arrays: int = 4,
    inverters: int = 5,
    *,
    inverter_id: int | None = None,
    module_id: int | None = None,
) -> dict[str, Any]:
    """A power plant of ``blocks`` x ``arrays`` x ``inverters`` copies of the recorded inverter
    (9 KB each with its DC field): 4.6 MB of JSON at the default 25 x 4 x 5. ``inverter_id`` and
    ``module_id`` replace the recorded library ids (a server checks that they exist)."""
    recorded = _recorded("get_power_plant")
    block = recorded["blocks"][0]
    array = copy.deepcopy(block["arrays"][0])
    inverter = copy.deepcopy(array["inverters"][0])
    if inverter_id is not None:
        inverter["inverterId"] = inverter_id
    if module_id is not None:
        for field in inverter.get("dcFields") or []:
            field["moduleId"] = module_id
    array["inverters"] = [copy.deepcopy(inverter) for _ in range(inverters)]
    one_block = copy.deepcopy(block)
    one_block["arrays"] = [copy.deepcopy(array) for _ in range(arrays)]
    plant = copy.deepcopy(recorded)
    plant["blocks"] = []
    for index in range(blocks):
        copied = copy.deepcopy(one_block)
        copied["name"] = index + 1
        plant["blocks"].append(copied)
    return plant


def result_summary(blocks: int = 100) -> dict[str, Any]:
    """The recorded result summary with ``blocks`` block summaries (copies of the recorded one)."""
    summary = copy.deepcopy(_recorded("get_result_summary"))
    template = summary["blockResultSummaries"][0]
    summary["blockResultSummaries"] = [copy.deepcopy(template) for _ in range(blocks)]
    return summary


def weather_detail(hours: int = 8760, weather_id: int = 1) -> list[dict[str, Any]]:
    """An hourly weather year as ``GET /Weather/{id}/Detail`` answers it (``WeatherDetail`` rows)."""
    start = dt.datetime(2023, 1, 1)
    rows = []
    for hour in range(hours):
        sun = max(0.0, math.sin(math.pi * ((hour % 24) - 6) / 12))
        rows.append(
            {
                "weatherId": weather_id,
                "index": hour,
                "timeStamp": (start + dt.timedelta(hours=hour)).isoformat(),
                "globalHorizontalIrradiance": round(1000 * sun, 2),
                "diffuseHorizontalIrradiance": round(120 * sun, 2),
                "directNormalIrradiance": round(850 * sun, 2),
                "planeOfArrayIrradiance": round(1050 * sun, 2),
                "temperature": round(20 + 10 * sun, 2),
                "dewpoint": 5.0,
                "windspeed": 3.2,
                "relativeHumidity": 35.0,
                "pressure": 1013.0,
                "precipitableWater": 1.2,
                "soilingLoss": 0.0,
            }
        )
    return rows
