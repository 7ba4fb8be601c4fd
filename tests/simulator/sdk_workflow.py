"""Drives the official SDK (plantpredict 1.0.24) against a running simulator; run as a subprocess.

    python tests/simulator/sdk_workflow.py BASE_URL WEATHER_ID MODULE_ID INVERTER_ID

Prints one JSON object: the steps completed in order, and what the last step answered. Run by
test_official_sdk.py with a timeout, because the SDK's run() busy-waits without one.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import sys
from typing import Any


def main() -> int:
    base_url, weather_id, module_id, inverter_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    # Imported by name: the SDK ships no type information, and this file is type-checked with the tests.
    plantpredict = importlib.import_module("plantpredict")
    tracking_types = importlib.import_module("plantpredict.enumerations").TrackingTypeEnum

    steps: list[str] = []
    facts: dict[str, Any] = {}
    noise = io.StringIO()
    try:
        with contextlib.redirect_stdout(noise):
            api = plantpredict.Api(
                client_id="demo-client",
                client_secret="demo-secret",
                base_url=base_url,
                auth_url=f"{base_url}/oauth2/token",
            )
            if not api.access_token:
                raise RuntimeError("no access token")
            steps.append("token")

            project = api.project(name="SDK Project", latitude=35.0, longitude=-117.0)
            project.elevation = 600
            project.standard_offset_from_utc = -8
            project.country = "United States"
            project.country_code = "US"
            # The SDK's decorators turn a 2xx into the parsed body and quietly return anything else.
            response = project.create()
            if not isinstance(response, dict) or not getattr(project, "id", None):
                raise RuntimeError(f"create project: {response!r}")
            steps.append("create project")

            fetched = api.project(id=project.id)
            fetched.get()
            facts["project_name"] = fetched.name
            steps.append("get project")

            prediction = api.prediction(project_id=project.id, name="SDK Prediction")
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
                tracking_type=tracking_types.FIXED_TILT,
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

            prediction.run()
            facts["processing_status"] = prediction.processing_status
            steps.append("run")

            summary = prediction.get_results_summary()
            year = summary["years"][0]
            facts["total_energy_kwh"] = year["total_energy"]
            facts["specific_yield"] = year["summary_factors"][0]["specific_yield_dc"]
            steps.append("results summary")
    except Exception as exc:  # the SDK raises anything; report it instead of a traceback
        facts["error"] = f"{type(exc).__name__}: {exc}"
    facts["sdk_output"] = noise.getvalue()[-2000:]
    print(json.dumps({"steps": steps, "facts": facts}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
