"""Predictions and their power plants: CRUD, clone, and the run lifecycle through processingStatus."""

from __future__ import annotations

from collections.abc import Callable

from tests.simulator._support import MODULE_ID, WEATHER_DAGGETT, InProcess, plant_body


async def test_create_get_list_and_delete_a_prediction(sim: InProcess) -> None:
    project_id = await sim.create_project()
    created = await sim.api("POST", f"/Project/{project_id}/Prediction", json={"name": "P1", "yearRepeater": 2})
    assert created.status_code == 200
    prediction_id = created.json()["id"]
    fetched = (await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}")).json()
    assert fetched["name"] == "P1"
    assert fetched["projectId"] == project_id
    assert fetched["project"]["id"] == project_id
    assert fetched["yearRepeater"] == 2
    assert fetched["processingStatus"] == 0
    assert fetched["status"] == 1  # Draft-Private
    assert len(fetched["monthlyFactors"]) == 12
    listed = (await sim.api("GET", f"/Project/{project_id}/Prediction")).json()
    assert [p["id"] for p in listed] == [prediction_id]
    assert (await sim.api("DELETE", f"/Project/{project_id}/Prediction/{prediction_id}")).status_code == 200
    gone = await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}")
    assert (gone.status_code, gone.text) == (404, "Prediction not found.")


async def test_prediction_of_another_project_or_unknown_project_is_404(sim: InProcess) -> None:
    first, second = await sim.create_project(), await sim.create_project(name="Other")
    prediction_id = await sim.create_prediction(first)
    assert (await sim.api("GET", f"/Project/{second}/Prediction/{prediction_id}")).status_code == 404
    missing = await sim.api("POST", "/Project/4242/Prediction", json={"name": "x"})
    assert (missing.status_code, missing.text) == (404, "Project not found.")


async def test_invalid_prediction_bodies_are_model_state_400s(sim: InProcess) -> None:
    project_id = await sim.create_project()
    response = await sim.api(
        "POST", f"/Project/{project_id}/Prediction", json={"name": "x", "yearRepeater": 60, "weatherId": 999}
    )
    assert response.status_code == 400
    assert response.json()["modelState"] == {
        "prediction.YearRepeater": ["The field YearRepeater must be between 1 and 50."]
    }
    unknown_weather = await sim.api("POST", f"/Project/{project_id}/Prediction", json={"name": "x", "weatherId": 999})
    assert unknown_weather.json()["modelState"] == {"prediction.WeatherId": ["Weather 999 does not exist."]}


async def test_update_reports_whether_anything_changed(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id)
    current = (await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}")).json()
    same = await sim.api("PUT", f"/Project/{project_id}/Prediction", json=current)
    assert same.json() == {"changesMade": False}
    changed = await sim.api("PUT", f"/Project/{project_id}/Prediction", json={**current, "name": "Renamed"})
    assert changed.json() == {"changesMade": True}
    assert (await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}")).json()["name"] == "Renamed"
    no_id = await sim.api("PUT", f"/Project/{project_id}/Prediction", json={"name": "x"})
    assert no_id.json()["modelState"] == {"prediction.Id": ["The Id field is required."]}


async def test_power_plant_is_204_until_created_then_embeds_the_library_items(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id)
    path = f"/Project/{project_id}/Prediction/{prediction_id}/PowerPlant"
    empty = await sim.api("GET", path)
    assert (empty.status_code, empty.content) == (204, b"")
    assert (await sim.api("POST", path, json=plant_body())).status_code == 200
    plant = (await sim.api("GET", path)).json()
    inverter = plant["blocks"][0]["arrays"][0]["inverters"][0]
    dc_field = inverter["dcFields"][0]
    assert inverter["inverter"]["id"] == inverter["inverterId"]
    assert dc_field["module"]["stcMaxPower"] == 550
    assert all(isinstance(item["id"], int) for item in (plant, plant["blocks"][0], inverter, dc_field))
    prediction = (await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}")).json()
    assert prediction["powerPlantId"] == plant["id"]
    same = await sim.api("PUT", path, json=plant)
    assert same.json() == {"changesMade": False}
    plant["blocks"][0]["arrays"][0]["inverters"][0]["dcFields"][0]["moduleTilt"] = 10
    assert (await sim.api("PUT", path, json=plant)).json() == {"changesMade": True}


async def test_power_plant_referencing_unknown_library_items_is_a_400(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id)
    path = f"/Project/{project_id}/Prediction/{prediction_id}/PowerPlant"
    response = await sim.api("POST", path, json=plant_body(module_id=1, inverter_id=2))
    assert response.status_code == 400
    prefix = "powerPlant.Blocks[0].Arrays[0].Inverters[0]"
    assert response.json()["modelState"] == {
        f"{prefix}.InverterId": ["Inverter 2 does not exist."],
        f"{prefix}.DcFields[0].ModuleId": ["Module 1 does not exist."],
    }
    bad_range = await sim.api("POST", path, json=plant_body(setpoint_kw=0))
    assert bad_range.json()["modelState"] == {
        f"{prefix}.SetpointkW": ["The field SetpointkW must be between 1 and 10000."]
    }


async def test_run_moves_processing_status_queued_running_success(make_sim: Callable[..., InProcess]) -> None:
    sim = make_sim(run_seconds=4.0)
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id)
    await sim.attach_plant(project_id, prediction_id)
    run = await sim.run(project_id, prediction_id)
    assert (run.status_code, run.content) == (200, b"")
    seen = [await sim.status(project_id, prediction_id)]
    for step in (0.9, 0.2, 1.5, 1.5):
        sim.clock.advance(step)
        seen.append(await sim.status(project_id, prediction_id))
    assert seen == [1, 1, 2, 2, 3]
    fetched = (await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}")).json()
    assert fetched["percentComplete"] == 100
    assert fetched["resultSummaryId"] is not None
    assert fetched["runCompletedDateTimeUTC"] is not None
    assert sim.simulator.counters_snapshot()["runs"] == {"3": 1}


async def test_processing_status_route_reports_the_run(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id)
    path = f"/Project/{project_id}/Prediction/{prediction_id}/ProcessingStatus"
    assert (await sim.api("GET", path)).json()["processingStatus"] == 0
    await sim.attach_plant(project_id, prediction_id)
    await sim.run(project_id, prediction_id)
    sim.clock.advance(0.5)
    body = (await sim.api("GET", path)).json()
    assert body["processingStatus"] == 2
    assert 0 < body["percentComplete"] < 100


async def test_run_needs_a_power_plant_and_a_weather_file(sim: InProcess) -> None:
    project_id = await sim.create_project()
    no_weather = await sim.create_prediction(project_id, weatherId=None)
    without_plant = await sim.run(project_id, no_weather)
    assert without_plant.status_code == 400
    assert without_plant.headers["content-type"] == "text/plain; charset=utf-8"
    await sim.attach_plant(project_id, no_weather)
    without_weather = await sim.run(project_id, no_weather)
    assert (without_weather.status_code, "weather" in without_weather.text) == (400, True)


async def test_running_twice_while_queued_is_refused(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id)
    await sim.attach_plant(project_id, prediction_id)
    assert (await sim.run(project_id, prediction_id)).status_code == 200
    again = await sim.run(project_id, prediction_id)
    assert (again.status_code, again.text) == (400, "The prediction is already queued or running.")
    sim.clock.advance(2)
    assert (await sim.run(project_id, prediction_id)).status_code == 200  # a finished run may be re-run


async def test_cancel_gives_5_and_cancelling_a_finished_run_is_400_text(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id)
    await sim.attach_plant(project_id, prediction_id)
    await sim.run(project_id, prediction_id)
    cancel_path = f"/Project/{project_id}/Prediction/{prediction_id}/Cancel"
    cancelled = await sim.api("POST", cancel_path)
    assert (cancelled.status_code, cancelled.json()) == (200, "Prediction cancelled successfully.")
    sim.clock.advance(5)
    assert await sim.status(project_id, prediction_id) == 5
    summary = await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}/ResultSummary")
    assert summary.status_code == 204

    await sim.run(project_id, prediction_id)
    sim.clock.advance(2)
    assert await sim.status(project_id, prediction_id) == 3
    refused = await sim.api("POST", cancel_path)
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "text/plain; charset=utf-8"
    assert refused.text == "A successfully completed prediction cannot be cancelled."
    assert sim.simulator.counters_snapshot()["runs"] == {"5": 1, "3": 1}


async def test_clone_copies_the_prediction_and_its_power_plant(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id, name="Original", weatherId=WEATHER_DAGGETT)
    await sim.attach_plant(project_id, prediction_id, tilt=20)
    cloned = await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}/Clone")
    assert cloned.status_code == 200
    clone_id = cloned.json()["id"]
    assert clone_id != prediction_id
    clone = (await sim.api("GET", f"/Project/{project_id}/Prediction/{clone_id}")).json()
    assert (clone["name"], clone["weatherId"], clone["processingStatus"]) == ("Original - Copy", WEATHER_DAGGETT, 0)
    plant = (await sim.api("GET", f"/Project/{project_id}/Prediction/{clone_id}/PowerPlant")).json()
    original = (await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}/PowerPlant")).json()
    assert plant["id"] != original["id"]
    assert plant["blocks"][0]["arrays"][0]["inverters"][0]["dcFields"][0]["moduleTilt"] == 20
    assert plant["blocks"][0]["arrays"][0]["inverters"][0]["dcFields"][0]["moduleId"] == MODULE_ID


async def test_a_prediction_without_dates_takes_the_weather_files_period(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id, weatherId=WEATHER_DAGGETT)
    fetched = (await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}")).json()
    # The site's wall-clock hours, written with its standard offset (the project is at UTC-5).
    assert (fetched["start"], fetched["end"]) == ("2005-01-01T00:00:00-05:00", "2005-12-31T23:00:00-05:00")
    undated = await sim.create_prediction(project_id, weatherId=None)
    assert (await sim.api("GET", f"/Project/{project_id}/Prediction/{undated}")).json()["start"] is None


async def test_a_prediction_ending_before_it_starts_is_refused(sim: InProcess) -> None:
    project_id = await sim.create_project()
    body = {"name": "Backwards", "start": "2005-06-01T00:00:00", "end": "2005-05-01T00:00:00"}
    response = await sim.api("POST", f"/Project/{project_id}/Prediction", json=body)
    assert response.status_code == 400
    assert list(response.json()["modelState"]) == ["prediction.End"]
    assert sim.simulator.objects("predictions") == []
