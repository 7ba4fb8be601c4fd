"""Projects: create, get, update, delete, list, search, My; errors shaped like the real API's."""

from __future__ import annotations

from tests.simulator._support import InProcess, project_body


async def test_create_answers_the_id_and_get_returns_the_stored_project(sim: InProcess) -> None:
    created = await sim.api("POST", "/Project", json=project_body(name="Site A"))
    assert created.status_code == 200
    assert created.headers["content-type"] == "application/json; charset=utf-8"
    assert set(created.json()) == {"id"}
    project_id = created.json()["id"]
    fetched = (await sim.api("GET", f"/Project/{project_id}")).json()
    assert fetched["id"] == project_id
    assert fetched["name"] == "Site A"
    assert fetched["latitude"] == 41.65
    assert fetched["predictions"] == []
    assert fetched["status"] == 0
    assert fetched["createdDate"] == fetched["lastModified"]
    assert "X-Message" not in created.headers


async def test_duplicate_project_name_still_creates_with_an_x_message(sim: InProcess) -> None:
    first = await sim.api("POST", "/Project", json=project_body(name="Twin"))
    second = await sim.api("POST", "/Project", json=project_body(name="twin "))
    assert first.status_code == second.status_code == 200
    assert second.headers["X-Message"] == "A project with this name already exists."
    assert first.json()["id"] != second.json()["id"]
    names = [p["name"] for p in (await sim.http.get("/_sim/objects/projects")).json()]
    assert names == ["Twin", "twin "]


async def test_unknown_project_is_404_text_plain(sim: InProcess) -> None:
    response = await sim.api("GET", "/Project/999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "Project not found."


async def test_missing_latitude_is_a_400_model_state(sim: InProcess) -> None:
    body = project_body()
    del body["latitude"]
    response = await sim.api("POST", "/Project", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "message": "The request is invalid.",
        "modelState": {"project.Latitude": ["The Latitude field is required."]},
    }
    assert sim.simulator.objects("projects") == []


async def test_out_of_range_and_mistyped_fields_are_400s_naming_each_field(sim: InProcess) -> None:
    response = await sim.api(
        "POST", "/Project", json=project_body(latitude=123, longitude="east", countryCode="USAX", elevation=None)
    )
    assert response.status_code == 400
    state = response.json()["modelState"]
    assert state["project.Latitude"] == ["The field Latitude must be between -90 and 90."]
    assert state["project.Longitude"] == ["Error converting value \"east\" to type 'System.Double'."]
    assert state["project.CountryCode"] == ["The field CountryCode must be a string with a maximum length of 3."]
    assert state["project.Elevation"] == ["Error converting value {null} to type 'System.Double'."]


async def test_body_that_is_not_json_or_absent_is_a_400(sim: InProcess) -> None:
    broken = await sim.api("POST", "/Project", content=b"{not json", headers={"content-type": "application/json"})
    empty = await sim.api("POST", "/Project")
    assert broken.status_code == empty.status_code == 400
    assert list(broken.json()["modelState"]) == ["project"]
    assert empty.json()["modelState"] == {"project": ["The project field is required."]}


async def test_body_keys_and_paths_match_case_insensitively_like_aspnet(sim: InProcess) -> None:
    body = {"Name": "Cased", "LATITUDE": 10, "longitude": 20, "elevation": 1, "standardOffsetFromUtc": 1, "extra": 1}
    created = await sim.api("POST", "/project", json=body)
    assert created.status_code == 200, created.text
    fetched = (await sim.api("GET", f"/PROJECT/{created.json()['id']}")).json()
    assert (fetched["name"], fetched["latitude"], fetched["standardOffsetFromUTC"]) == ("Cased", 10, 1)
    assert "extra" not in fetched


async def test_update_replaces_the_project_and_keeps_its_identity(sim: InProcess) -> None:
    project_id = await sim.create_project(name="Before")
    original = (await sim.api("GET", f"/Project/{project_id}")).json()
    sim.clock.advance(60)
    updated = await sim.api(
        "PUT", f"/Project/{project_id}", json=project_body(name="After", id=5, createdDate="2001-01-01T00:00:00")
    )
    assert updated.status_code == 200
    assert updated.content == b""
    fetched = (await sim.api("GET", f"/Project/{project_id}")).json()
    assert fetched["name"] == "After"
    assert fetched["id"] == project_id
    assert fetched["createdDate"] == original["createdDate"]
    assert fetched["lastModified"] > original["lastModified"]
    assert (await sim.api("PUT", "/Project/4242", json=project_body())).status_code == 404


async def test_delete_removes_the_project_and_its_predictions(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id)
    assert (await sim.api("DELETE", f"/Project/{project_id}")).status_code == 200
    assert (await sim.api("GET", f"/Project/{project_id}")).status_code == 404
    assert (await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}")).status_code == 404
    assert sim.simulator.counters_snapshot()["objects"]["predictions"] == 0


async def test_list_my_by_status_and_search(sim: InProcess) -> None:
    toledo = await sim.create_project(name="Toledo")
    daggett = await sim.create_project(name="Daggett", latitude=34.85, longitude=-116.79, status=1)
    listed = (await sim.api("GET", "/Project", params={"skip": 0, "top": 10})).json()
    assert [p["id"] for p in listed] == [daggett, toledo]
    assert [p["id"] for p in (await sim.api("GET", "/Project", params={"top": 1})).json()] == [daggett]
    assert [p["id"] for p in (await sim.api("GET", "/Project/My")).json()] == [daggett, toledo]
    assert [p["id"] for p in (await sim.api("GET", "/Project/My", params={"status": 0})).json()] == [toledo]
    by_status = (await sim.api("GET", "/Project/ByStatus", params={"status": 1})).json()
    assert [p["id"] for p in by_status] == [daggett]
    found = (
        await sim.api("GET", "/Project/Search", params={"latitude": 41.6, "longitude": -83.5, "searchRadius": 50})
    ).json()
    assert [p["id"] for p in found] == [toledo]
    assert found[0]["distance"] < 10
    missing = await sim.api("GET", "/Project/Search", params={"latitude": 41.6})
    assert missing.status_code == 400


async def test_projects_and_predictions_my_embeds_the_predictions(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id)
    listed = (await sim.api("GET", "/ProjectsAndPredictions/My")).json()
    assert [p["id"] for p in listed[0]["predictions"]] == [prediction_id]


async def test_overview_summarizes_the_predictions(sim: InProcess) -> None:
    project_id, prediction_id = await sim.finished_prediction()
    overview = (await sim.api("GET", f"/Project/{project_id}/Overview")).json()
    assert overview["id"] == project_id
    (item,) = overview["predictions"]
    assert item["id"] == prediction_id
    assert item["hasResults"] is True
    assert item["statistics"]["dcacRatio"] > 1
