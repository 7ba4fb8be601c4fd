"""Results respond to the design the way real ones do, and are shaped like the recorded answers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from plantpredict_simulator import _simulator
from tests.simulator._support import WEATHER_DAGGETT, InProcess


def _year(summary: dict[str, Any]) -> dict[str, Any]:
    year: dict[str, Any] = summary["years"][0]
    return year


def _factors(summary: dict[str, Any]) -> dict[str, Any]:
    factors: dict[str, Any] = _year(summary)["summaryFactors"][0]
    return factors


async def _summary_for(sim: InProcess, project_id: int, **design: Any) -> dict[str, Any]:
    _, prediction_id = await sim.finished_prediction(project_id=project_id, **design)
    return await sim.summary(project_id, prediction_id)


async def test_result_summary_is_204_until_the_run_succeeds(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(project_id)
    path = f"/Project/{project_id}/Prediction/{prediction_id}/ResultSummary"
    assert (await sim.api("GET", path)).status_code == 204
    await sim.attach_plant(project_id, prediction_id)
    await sim.run(project_id, prediction_id)
    assert (await sim.api("GET", path)).status_code == 204
    details = await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}/ResultDetails")
    assert (details.status_code, details.text) == (404, "Results not found.")
    sim.clock.advance(2)
    assert (await sim.api("GET", path)).status_code == 200


async def test_other_requests_are_answered_while_a_run_is_computed(sim: InProcess) -> None:
    project_id, prediction_id = await sim.finished_prediction(strings=230)
    release = threading.Event()
    busy = _simulator._PHYSICS.submit(release.wait, 30)  # the physics thread is held: a long computation
    try:
        summary = asyncio.create_task(sim.summary(project_id, prediction_id))
        # On the event loop the computation held every answer back until it ended, a 429 included.
        assert await sim.status(project_id, prediction_id) == 3
        assert (await sim.api("GET", f"/Project/{project_id}")).status_code == 200
        assert not summary.done()  # still waiting for the physics thread
    finally:
        release.set()
    assert busy.result(timeout=30)
    assert (await summary)["years"]


async def test_a_project_overview_stays_whole_when_predictions_change_while_it_is_computed(
    sim: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id, finished = await sim.finished_prediction(strings=230)
    doomed = await sim.create_prediction(project_id)
    asked = asyncio.Event()
    physics = sim.simulator.physics

    async def observed(work: Callable[[], Any]) -> Any:
        asked.set()
        return await physics(work)

    monkeypatch.setattr(sim.simulator, "physics", observed)
    release = threading.Event()
    busy = _simulator._PHYSICS.submit(release.wait, 30)
    try:
        overview = asyncio.create_task(sim.api("GET", f"/Project/{project_id}/Overview"))
        await asked.wait()  # the overview waits for the physics thread
        assert (await sim.api("DELETE", f"/Project/{project_id}/Prediction/{doomed}")).status_code == 200
        await sim.create_prediction(project_id)  # both answered while the overview waits
    finally:
        release.set()
    assert busy.result(timeout=30)
    response = await overview
    assert response.status_code == 200, response.text
    listed = {entry["id"]: entry for entry in response.json()["predictions"]}
    assert set(listed) == {finished, doomed}  # as the project was when the overview was asked for
    assert listed[finished]["statistics"]["dcSize"] > 0


async def test_summary_carries_energy_specific_yield_and_performance_ratio(sim: InProcess) -> None:
    project_id, prediction_id = await sim.finished_prediction(strings=230)
    summary = await sim.summary(project_id, prediction_id)
    year, factors = _year(summary), _factors(summary)
    dc_kw = 230 * 26 * 550 / 1000
    assert summary["dcSize"] == pytest.approx(dc_kw / 1000)
    assert summary["acSize"] == pytest.approx(2.6125)
    assert summary["dcacRatio"] == pytest.approx(dc_kw / 2612.5)
    assert summary["projectName"] == "Toledo"
    assert summary["weatherName"] == "Simulated TMY - Toledo, OH"
    # Toledo, fixed tilt 30 degrees: a plausible yield and performance ratio.
    assert 1150 < factors["specificYieldDC"] < 1500
    assert 75 < factors["performanceRatio"] < 90
    assert year["totalEnergy"] == pytest.approx(factors["specificYieldDC"] * dc_kw)
    assert factors["plantNetEnergy"] == pytest.approx(year["totalEnergy"] / 1e6)
    assert sum(s["sum"] for s in year["monthlySums"]["energySums"]) == pytest.approx(year["totalEnergy"] / 1000)
    assert factors["ghiSum"] == pytest.approx(1420, rel=1e-6)
    assert factors["poAInsolation"] > factors["ghiSum"]


async def test_specific_yield_falls_off_away_from_the_optimal_tilt(sim: InProcess) -> None:
    project_id = await sim.create_project()  # latitude 41.65: optimal fixed tilt in the low thirties
    yields = {}
    for tilt in (0, 15, 33, 50, 70):
        yields[tilt] = _factors(await _summary_for(sim, project_id, tilt=tilt, strings=150))["specificYieldDC"]
    assert yields[33] == max(yields.values())
    assert yields[0] < yields[15] < yields[33]
    assert yields[33] > yields[50] > yields[70]


async def test_clipping_grows_with_the_dc_ac_ratio(sim: InProcess) -> None:
    project_id = await sim.create_project()
    clipping, yields, ratios = [], [], []
    for strings in (180, 230, 280, 330, 400):
        summary = await _summary_for(sim, project_id, strings=strings)
        ratios.append(summary["dcacRatio"])
        clipping.append(_year(summary)["inverterLimitationLoss"])
        yields.append(_factors(summary)["specificYieldDC"])
    assert ratios == sorted(ratios)
    assert clipping == sorted(clipping)
    assert clipping[0] < 0.5 < clipping[-1]
    assert yields[-1] < yields[0]


async def test_a_tracker_gains_most_under_clear_skies_and_a_sunnier_site_yields_more(sim: InProcess) -> None:
    project_id = await sim.create_project()
    fixed = _factors(await _summary_for(sim, project_id, tilt=33, strings=150))["specificYieldDC"]
    tracker = _factors(await _summary_for(sim, project_id, tracking=1, strings=150))["specificYieldDC"]
    desert = await sim.create_project(name="Daggett", latitude=34.85, longitude=-116.79, standardOffsetFromUTC=-8)
    sunny_fixed = _factors(await _summary_for(sim, desert, tilt=30, strings=150, weather_id=WEATHER_DAGGETT))
    sunny_tracker = _factors(await _summary_for(sim, desert, tracking=1, strings=150, weather_id=WEATHER_DAGGETT))
    # pvlib's single-axis tracker with backtracking: a few percent under Toledo's clouds, more in the desert.
    assert 1.02 < tracker / fixed < 1.35
    assert sunny_tracker["specificYieldDC"] / sunny_fixed["specificYieldDC"] > tracker / fixed
    assert sunny_fixed["specificYieldDC"] > 1.3 * fixed


async def test_results_are_deterministic_with_the_seed(make_sim: Callable[..., InProcess]) -> None:
    totals = []
    for seed in (7, 7, 8):
        sim = make_sim(seed=seed)
        project_id, prediction_id = await sim.finished_prediction()
        totals.append(_year(await sim.summary(project_id, prediction_id))["totalEnergy"])
    assert totals[0] == totals[1]
    assert totals[0] != totals[2]
    assert totals[2] == pytest.approx(totals[0], rel=0.05)  # same weather file, another draw of cloudy days


async def test_results_belong_to_the_run_not_to_later_edits(sim: InProcess) -> None:
    project_id, prediction_id = await sim.finished_prediction(strings=200)
    before = await sim.summary(project_id, prediction_id)
    path = f"/Project/{project_id}/Prediction/{prediction_id}/PowerPlant"
    plant = (await sim.api("GET", path)).json()
    plant["blocks"][0]["arrays"][0]["inverters"][0]["dcFields"][0]["numberOfSeriesStringsWiredInParallel"] = 300
    assert (await sim.api("PUT", path, json=plant)).status_code == 200
    assert await sim.summary(project_id, prediction_id) == before


async def test_multi_year_predictions_degrade_when_a_degradation_model_is_set(sim: InProcess) -> None:
    project_id = await sim.create_project()
    prediction_id = await sim.create_prediction(
        project_id, yearRepeater=3, degradationModel=2, linearDegradationRate=1.0
    )
    await sim.attach_plant(project_id, prediction_id)
    await sim.run(project_id, prediction_id)
    sim.clock.advance(2)
    years = (await sim.summary(project_id, prediction_id))["years"]
    energies = [y["totalEnergy"] for y in years]
    assert [y["yearIndex"] for y in years] == [1, 2, 3]
    assert energies[1] == pytest.approx(energies[0] * 0.99)
    assert energies[2] == pytest.approx(energies[0] * 0.99**2)


async def test_result_details_aggregate_to_the_summary(sim: InProcess) -> None:
    project_id, prediction_id = await sim.finished_prediction()
    details = (await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}/ResultDetails")).json()
    summary = await sim.summary(project_id, prediction_id)
    assert len(details["HourlyDetails"]) == 8760
    assert len(details["DailyDetails"]) == 365
    assert len(details["MonthlyDetails"]) == 12
    hourly = sum(row["EnergyGenerated"] for row in details["HourlyDetails"])
    assert hourly == pytest.approx(_year(summary)["totalEnergy"] / 1000)
    assert details["YearlyDetails"][0]["EnergyGenerated"] == pytest.approx(hourly)
    assert details["StartDate"] == "2005-01-01T00:00:00"


@pytest.mark.parametrize(
    ("params", "data_key", "header"),
    [
        ({}, "SystemData", {}),
        ({"blockNumber": 1}, "BlockData", {"BlockNumber": 1}),
        ({"blockNumber": 1, "arrayNumber": 1}, "ArrayData", {"ArrayNumber": 1, "ArrayRepeater": 1}),
        ({"blockNumber": 1, "arrayNumber": 1, "inverterName": "A"}, "InverterData", {"InverterName": "A"}),
        ({"blockNumber": 1, "arrayNumber": 1, "inverterName": "A", "dcFieldNumber": 1}, "DCFieldData", {}),
    ],
)
async def test_nodal_json_scope_follows_the_query_parameters(
    sim: InProcess, params: dict[str, Any], data_key: str, header: dict[str, Any]
) -> None:
    project_id, prediction_id = await sim.finished_prediction()
    response = await sim.api("GET", f"/Project/{project_id}/Prediction/{prediction_id}/NodalJson", params=params)
    assert response.status_code == 200
    body = response.json()
    assert body["ProjectName"] == "Toledo"
    assert {k: body[k] for k in header} == header
    rows = body[data_key]
    assert len(rows) == 8760
    assert rows[12]["TimeStamp"] == "2005-01-01 12:00:00"
    assert any(value > 0 for row in rows for key, value in row.items() if key != "TimeStamp")


async def test_nodal_json_filters_columns_and_rejects_unknown_nodes(sim: InProcess) -> None:
    project_id, prediction_id = await sim.finished_prediction()
    path = f"/Project/{project_id}/Prediction/{prediction_id}/NodalJson"
    filtered = (await sim.api("GET", path, params={"blockNumber": 1, "nodalParameters": "BlockPower"})).json()
    assert set(filtered["BlockData"][0]) == {"TimeStamp", "BlockPower"}
    unknown = await sim.api("GET", path, params={"blockNumber": 9})
    assert (unknown.status_code, unknown.text) == (404, "Block not found.")
    skipped = await sim.api("GET", path, params={"arrayNumber": 1})
    assert skipped.status_code == 400


async def test_summary_years_carry_every_loss_field_of_the_live_schema(
    sim: InProcess, live_document: dict[str, Any]
) -> None:
    project_id, prediction_id = await sim.finished_prediction()
    summary = await sim.summary(project_id, prediction_id)
    schemas = live_document["components"]["schemas"]
    year_fields = set(schemas["PlantPredict.Entities.PredictionResultSummaryYear"]["properties"])
    block_year_fields = set(schemas["PlantPredict.Entities.BlockResultSummaryYear"]["properties"])
    assert set(summary["years"][0]) == year_fields
    assert set(summary["blockResultSummaries"][0]["years"][0]) == block_year_fields
    for name in ("correctedTranspositionOnPlane", "sunSolveTransmissionGainLoss"):
        assert isinstance(summary["years"][0][name], float)
    assert summary["years"][0]["moduleTemperatureLoss"] > 0  # pvlib's SAPM cell temperature, not a constant


async def test_summary_names_the_pvlib_models_and_sends_null_for_a_missing_locality(sim: InProcess) -> None:
    project_id = await sim.create_project(locality=None, stateProvinceCode=None, country=None)
    _, prediction_id = await sim.finished_prediction(project_id=project_id)
    summary = await sim.summary(project_id, prediction_id)
    assert summary["toolVersion"].startswith("pvlib ")
    assert (summary["transpositionModel"], summary["decompositionModel"]) == ("Perez", "Erbs")
    assert (summary["projectLocality"], summary["projectCountry"]) == (None, None)
