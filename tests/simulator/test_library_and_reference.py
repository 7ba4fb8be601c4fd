"""Modules, inverters and weather files (the company library) and the read-only reference routes."""

from __future__ import annotations

from typing import Any

import pytest

from plantpredict_simulator import _library
from tests.simulator._support import INVERTER_ID, MODULE_ID, WEATHER_DAGGETT, WEATHER_TOLEDO, InProcess


@pytest.mark.parametrize(
    ("path", "seed", "seeded_id", "label"),
    [
        ("/Module", _library.MODULE, MODULE_ID, "Module"),
        ("/Inverter", _library.INVERTER, INVERTER_ID, "Inverter"),
        ("/Weather", _library.WEATHER[0], WEATHER_TOLEDO, "Weather"),
    ],
)
async def test_library_items_can_be_listed_created_updated_and_deleted(
    sim: InProcess, path: str, seed: dict[str, Any], seeded_id: int, label: str
) -> None:
    listed = (await sim.api("GET", path)).json()
    assert seeded_id in [item["id"] for item in listed]
    created = await sim.api("POST", path, json={**seed, "name": "Mine"})
    assert created.status_code == 200
    new_id = created.json()["id"]
    item = (await sim.api("GET", f"{path}/{new_id}")).json()
    assert (item["name"], item["status"]) == ("Mine", seed["status"])
    updated = await sim.api("PUT", f"{path}/{new_id}", json={**item, "name": "Renamed"})
    assert (updated.status_code, updated.content) == (200, b"")
    assert (await sim.api("GET", f"{path}/{new_id}")).json()["name"] == "Renamed"
    assert (await sim.api("DELETE", f"{path}/{new_id}")).status_code == 200
    gone = await sim.api("GET", f"{path}/{new_id}")
    assert (gone.status_code, gone.text) == (404, f"{label} not found.")


async def test_module_without_power_is_a_400(sim: InProcess) -> None:
    body = {k: v for k, v in _library.MODULE.items() if k != "stcMaxPower"}
    response = await sim.api("POST", "/Module", json=body)
    assert response.json()["modelState"] == {"module.StcMaxPower": ["The StcMaxPower field is required."]}


async def test_inverter_kva_follows_its_temperature_curve(sim: InProcess) -> None:
    path = f"/Inverter/{INVERTER_ID}/kVA"
    cool = (await sim.api("GET", path, params={"elevation": 200, "temperature": 30, "useCoolingTemp": "true"})).json()
    hot = (await sim.api("GET", path, params={"elevation": 200, "temperature": 55, "useCoolingTemp": "true"})).json()
    plain = (await sim.api("GET", path, params={"temperature": 55, "useCoolingTemp": "false"})).json()
    assert cool == {"kVa": 2750}
    assert hot["kVa"] == pytest.approx(2475 * 0.5)
    assert plain == {"kVa": 2750}
    # The official SDK writes the route as /kVa: ASP.NET routes ignore case.
    assert (await sim.api("GET", f"/Inverter/{INVERTER_ID}/kVa")).status_code == 200
    posted = await sim.api("POST", "/Inverter/kVA", json=_library.INVERTER, params={"temperature": 40})
    assert posted.json()["kVa"] == pytest.approx(2750 - 275 / 3)


async def test_weather_search_finds_files_within_the_radius(sim: InProcess) -> None:
    near = await sim.api("GET", "/Weather/Search", params={"Latitude": 34.9, "Longitude": -116.8, "SearchRadius": 25})
    assert [w["id"] for w in near.json()] == [WEATHER_DAGGETT]
    assert near.json()[0]["distance"] < 25
    far = await sim.api("GET", "/Weather/Search", params={"Latitude": 0, "Longitude": 0, "SearchRadius": 25})
    assert far.json() == []
    renamed = await sim.api("PUT", f"/Weather/{WEATHER_TOLEDO}/TitleUpdate", json={"name": "Toledo TMY"})
    assert renamed.status_code == 200
    assert (await sim.api("GET", f"/Weather/{WEATHER_TOLEDO}")).json()["name"] == "Toledo TMY"


async def test_definitions_all_and_by_type(sim: InProcess) -> None:
    everything = (await sim.api("GET", "/Definitions")).json()
    names = [d["type"] for d in everything]
    assert "ProcessingStatusEnum" in names
    assert "DCFieldTrackingTypeEnum" in names
    status = (await sim.api("GET", "/Definitions", params={"type": "processingstatusenum"})).json()
    assert status[3] == {"id": 3, "name": "Success"}
    assert (await sim.api("GET", "/Definitions", params={"type": "Nope"})).json() == []


async def test_countries_ashrae_and_version(sim: InProcess) -> None:
    countries = (await sim.api("GET", "/Country")).json()
    # The reference's recorded country list, carried by the simulator's data file.
    assert {"id": 237, "name": "United States of America", "numeric": 840, "alpha": "USA"} in countries
    assert len(countries) == 249
    closest = (await sim.api("GET", "/ASHRAE", params={"latitude": 41.65, "longitude": -83.54})).json()
    assert closest["stationName"] == "TOLEDO EXPRESS AP, OH, USA"
    assert closest["distance"] < 25
    named = await sim.api(
        "GET",
        "/ASHRAE/GetStation",
        params={"Latitude": 41.6, "Longitude": -83.5, "StationName": "DENVER INTL AP, CO, USA"},
    )
    assert named.json()["wmo"] == "725650"
    assert (await sim.api("GET", "/ASHRAE")).status_code == 400
    assert (await sim.api("GET", "/System/Version")).json() == {"version": "12.13.0.0"}
    assert (await sim.api("GET", "/System/MaintenanceMode")).json() == {"maintenanceMode": False}


async def test_unknown_route_is_404_and_wrong_method_405(sim: InProcess) -> None:
    assert (await sim.api("GET", "/Nope")).status_code == 404
    assert (await sim.api("PATCH", "/Project/1")).status_code == 405
