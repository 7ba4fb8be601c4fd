"""Driving the official SDK (``plantpredict`` 1.0.24, the incumbent), for the benchmarks and for the
test that runs it against the simulator. It is untyped and prints as it goes; it is imported by
name so it stays out of the runtime's dependencies."""

from __future__ import annotations

import importlib
from typing import Any

from bench._support import PROJECT
from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET


def official_sdk(base_url: str) -> Any:
    """``plantpredict.Api`` against the simulator, with its service credentials."""
    plantpredict = importlib.import_module("plantpredict")
    return plantpredict.Api(
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        base_url=base_url,
        auth_url=f"{base_url}/oauth2/token",
    )


def sdk_get(api: Any, project_id: int) -> None:
    project = api.project(id=project_id)
    project.get()
    if project.name != PROJECT["name"]:
        raise RuntimeError("the SDK did not read the project")


def sdk_workflow(
    api: Any,
    module_id: int,
    inverter_id: int,
    weather_id: int,
    *,
    steps: list[str] | None = None,
    facts: dict[str, Any] | None = None,
) -> float:
    """What an SDK user writes for one prediction: create a project, read it, create a prediction,
    read it, attach a power plant, run, read the results summary. Returns the first year's energy;
    ``steps`` and ``facts`` record how far it got and what it saw (the SDK quietly returns failed
    answers, so each step checks what it got)."""
    steps = [] if steps is None else steps
    facts = {} if facts is None else facts
    tracking = importlib.import_module("plantpredict.enumerations").TrackingTypeEnum
    if not api.access_token:
        raise RuntimeError("no access token")
    steps.append("token")
    project = api.project(name=PROJECT["name"], latitude=PROJECT["latitude"], longitude=PROJECT["longitude"])
    project.elevation = PROJECT["elevation"]
    project.standard_offset_from_utc = PROJECT["standardOffsetFromUTC"]
    project.country = "United States"
    project.country_code = "US"
    response = project.create()  # its decorators turn a 2xx into the body and return anything else
    if not isinstance(response, dict) or not getattr(project, "id", None):
        raise RuntimeError(f"create project: {response!r}")
    steps.append("create project")
    fetched = api.project(id=project.id)
    fetched.get()
    facts["project_name"] = fetched.name
    steps.append("get project")
    prediction = api.prediction(project_id=project.id, name="SDK prediction")
    prediction.weather_id = weather_id
    response = prediction.create()
    if not isinstance(response, dict) or not getattr(prediction, "id", None):
        raise RuntimeError(f"create prediction: {response!r}")
    steps.append("create prediction")
    again = api.prediction(id=prediction.id, project_id=project.id)
    again.get()
    facts["ashrae_station"] = again.ashrae_station
    steps.append("get prediction")
    plant = api.powerplant(project_id=project.id, prediction_id=prediction.id)
    block = plant.add_block()
    array = plant.add_array(block_name=block)
    inverter = plant.add_inverter(block_name=block, array_name=array, inverter_id=inverter_id, setpoint_kw=2500)
    plant.add_dc_field(
        block_name=block,
        array_name=array,
        inverter_name=inverter,
        module_id=module_id,
        tracking_type=tracking.FIXED_TILT,
        modules_high=2,
        modules_wired_in_series=26,
        post_to_post_spacing=8.0,
        number_of_rows=20,
        number_of_series_strings_wired_in_parallel=220,
        module_tilt=25,
    )
    response = plant.create()
    if response != {"is_successful": True}:
        raise RuntimeError(f"create power plant: {response!r}")
    steps.append("attach power plant")
    prediction.run()  # the SDK's own wait: a loop without sleep until status 3
    facts["processing_status"] = prediction.processing_status
    steps.append("run")
    summary = prediction.get_results_summary()
    year = summary["years"][0]
    facts["total_energy_kwh"] = year["total_energy"]
    facts["specific_yield"] = year["summary_factors"][0]["specific_yield_dc"]
    steps.append("results summary")
    return float(year["total_energy"])
