"""Operations the simulator does not model answer from the documents: recorded answers with the request's
ids, schema-made answers otherwise, and a 404 when a parent the simulator does model is missing."""

from __future__ import annotations

from tests.simulator._support import InProcess


async def test_recorded_answer_carries_the_requests_ids(sim: InProcess) -> None:
    project_id, prediction_id = await sim.finished_prediction()
    overview = await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}/Overview")
    assert overview.status_code == 200
    assert overview.json()["projectId"] == project_id  # the recording's own id replaced by the request's
    notes = (await sim.api("GET", f"/Project/{project_id}/Note")).json()
    assert [note["contents"] for note in notes] == ["Example Project Note.", "Second example Project Note."]
    assert notes[0]["date"] == "2026-02-09T12:57:51.423+00:00"  # recorded without offset: the server's, UTC


async def test_an_unrecorded_answer_is_made_from_the_schema(sim: InProcess) -> None:
    project_id, prediction_id = await sim.finished_prediction()
    response = await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}/WindStow")
    assert response.status_code == 200
    assert isinstance(response.json(), dict)
    assert response.json()  # every declared property, at its .NET default


async def test_a_missing_modelled_parent_is_a_404(sim: InProcess) -> None:
    project_id = await sim.create_project()
    missing = await sim.api("GET", f"/Project/{project_id}/Prediction/999/ShadeScene/ProcessingStatus")
    assert (missing.status_code, missing.text) == (404, "Prediction not found.")
    no_module = await sim.api("GET", "/Module/999/Note")
    assert no_module.status_code == 404


async def test_a_download_answers_a_file(sim: InProcess) -> None:
    project_id, prediction_id = await sim.finished_prediction()
    response = await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}/Nodal")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"


async def test_a_broken_json_body_is_a_400(sim: InProcess) -> None:
    project_id = await sim.create_project()
    response = await sim.api(
        "POST", f"/Project/{project_id}/Note", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
