"""Hour-by-hour results of a finished run: ResultDetails (PascalCase, as recorded) and NodalJson."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from plantpredict_simulator import _plant
from plantpredict_simulator._http import BadRequest, NotFound
from plantpredict_simulator._results import RunSnapshot


def result_details(snapshot: RunSnapshot) -> dict[str, Any]:
    sim = snapshot.simulate()
    stamps = sim.weather.timestamps
    efficiency_loss = (sim.dc_kwh - sim.inverter_in_kwh) / sim.dc_kwh * 100.0 if sim.dc_kwh else 0.0

    def row(stamp: datetime.datetime, hours: Iterable[int]) -> dict[str, Any]:
        selected = list(hours)
        energy = sum(sim.output[h] for h in selected)
        poa = sum(sim.poa[h] for h in selected) / 1000.0
        yield_dc = energy / sim.dc_kw if sim.dc_kw else 0.0
        return {
            "TimeStamp": stamp.isoformat(),
            "POAI": poa,
            "EnergyGenerated": energy / 1000.0,
            "SpecificYieldDC": yield_dc,
            "PerformanceRatio": yield_dc / poa * 100.0 if poa > 0 else 0.0,
            "InverterLimitationLoss": 0.0,
            "ACCapacityFactor": energy / (sim.ac_kw * len(selected)) * 100.0 if sim.ac_kw and selected else 0.0,
            "ESSPVEnergy": 0,
            "ESSBatteryEnergy": 0,
            "NearShadingLoss": 0,
            "ModuleIrradianceLoss": 0,
            "ModuleTemperatureLoss": sim.losses["temperature"] if poa > 0 else 0,
            "InverterEfficiencyLoss": efficiency_loss if poa > 0 else 0,
            "SpectralLoss": sim.losses["spectral"] if poa > 0 else 0,
        }

    hours = range(len(stamps))
    days: dict[datetime.date, list[int]] = {}
    months: dict[tuple[int, int], list[int]] = {}
    for h in hours:
        days.setdefault(stamps[h].date(), []).append(h)
        months.setdefault((stamps[h].year, stamps[h].month), []).append(h)
    year_row = row(stamps[0], hours)
    year_row["InverterLimitationLoss"] = sim.clipped_kwh / sim.inverter_in_kwh * 100.0 if sim.inverter_in_kwh else 0.0
    total = dict(year_row, TimeStamp=(stamps[-1] + datetime.timedelta(hours=1)).isoformat())
    return {
        "StartDate": stamps[0].isoformat(),
        "EndDate": stamps[-1].isoformat(),
        "SubHourlyDetails": [],
        "HourlyDetails": [row(stamps[h], (h,)) for h in hours],
        "DailyDetails": [row(stamps[members[0]], members) for members in days.values()],
        "MonthlyDetails": [row(stamps[members[0]], members) for members in months.values()],
        "YearlyDetails": [year_row],
        "Total": total,
    }


def nodal_json(
    snapshot: RunSnapshot,
    block: int | None,
    array: int | None,
    inverter: str | None,
    dc_field: int | None,
    parameters: str | None,
) -> dict[str, Any]:
    """System, block, array, inverter or DC-field level, by which query parameters are given."""
    if (array is not None and block is None) or (inverter is not None and array is None):
        raise BadRequest("blockNumber, arrayNumber, inverterName and dcFieldNumber narrow the scope in that order.")
    if dc_field is not None and inverter is None:
        raise BadRequest("dcFieldNumber needs inverterName.")
    arrays = snapshot.designs()
    header: dict[str, Any] = {
        "ProjectName": snapshot.project.get("name") or "",
        "PredictionName": snapshot.prediction.get("name") or "",
    }
    if block is None:
        sim = snapshot.simulate()
        rows = [
            {"TimeStamp": _nodal_stamp(t), "PlantPower": sim.output[h] * 1000.0, "WeightedPOAI": sim.poa[h]}
            for h, t in enumerate(sim.weather.timestamps)
        ]
        return {**header, "SystemData": _filter(rows, parameters)}
    members = [a for a in arrays if a.block == block]
    if not members:
        raise NotFound("Block")
    header["BlockNumber"] = block
    if array is None:
        sim = snapshot.simulate()
        series = sim.blocks.get(block, [0.0] * len(sim.output))
        repeater = members[0].block_repeater
        rows = [
            {"TimeStamp": _nodal_stamp(t), "BlockPower": series[h] * 1000.0 / repeater, "WeightedPOAI": sim.poa[h]}
            for h, t in enumerate(sim.weather.timestamps)
        ]
        return {**header, "BlockData": _filter(rows, parameters)}
    target = next((a for a in members if a.name == array), None)
    if target is None:
        raise NotFound("Array")
    header.update({"ArrayNumber": array, "ArrayRepeater": target.repeater})
    if inverter is None:
        sim = snapshot.simulate([(block, array)])
        node = sim.nodes[(block, array)]
        rows = [_array_row(target, t, node.ac_kw[h]) for h, t in enumerate(sim.weather.timestamps)]
        return {**header, "ArrayData": _filter(rows, parameters)}
    unit = next((i for i in target.inverters if i.name.lower() == inverter.lower()), None)
    if unit is None:
        raise NotFound("Inverter")
    header.update({"InverterName": unit.name, "InverterRepeater": unit.repeater})
    if dc_field is None:
        sim = snapshot.simulate([(block, array, unit.name)])
        node = sim.nodes[(block, array, unit.name)]
        rows = [_inverter_row(unit, t, node.dc_kw[h], node.ac_kw[h]) for h, t in enumerate(sim.weather.timestamps)]
        return {**header, "InverterData": _filter(rows, parameters)}
    design = next((f for f in unit.fields if f.name == dc_field), None)
    if design is None:
        raise NotFound("DC field")
    sim = snapshot.simulate([(block, array, unit.name, dc_field)])
    node = sim.nodes[(block, array, unit.name, dc_field)]
    header.update({"DCFieldNumber": dc_field, "DCFieldRepeater": design.repeater})
    rows = [
        {
            "TimeStamp": _nodal_stamp(t),
            "SunZenithAngle": sim.weather.zenith[h],
            "SunAzimuthAngle": sim.weather.azimuth[h],
            "ModuleTiltAngle": design.tilt if design.tracking != 1 else 0.0,
            "POAI": node.poa[h],
            "DCPower": node.dc_kw[h] * 1000.0,
        }
        for h, t in enumerate(sim.weather.timestamps)
    ]
    return {**header, "DCFieldData": _filter(rows, parameters)}


def _array_row(array: _plant.ArrayDesign, stamp: datetime.datetime, ac_kw: float) -> dict[str, Any]:
    produced = ac_kw * 1000.0
    collection = produced * array.ac_collection_loss / 100.0
    into = produced - collection - array.das_load_w
    rating = array.transformer_kva * 1000.0
    load = abs(into) / rating if rating else 0.0
    transformer = (
        rating * (array.transformer_no_load / 100.0 + array.transformer_full_load / 100.0 * load * load)
        if array.transformer
        else 0.0
    )
    return {
        "TimeStamp": _nodal_stamp(stamp),
        "ACCollectionLoss": collection,
        "ACPowerOutput": produced - collection,
        "ShelterCoolingLoss": 0,
        "DataAcquisitionSystemLoss": array.das_load_w,
        "TrackerMotorLossAggregate": 0,
        "TotalACInverterPowerOutput": produced,
        "DegradationCoefficient": 1,
        "PowerAfterDegradation": produced - collection,
        "ACPowerIntoTransformer": into,
        "TransformerLosses": transformer,
        "TransformerOutputPower": into - transformer,
    }


def _inverter_row(
    inverter: _plant.InverterDesign, stamp: datetime.datetime, dc_kw: float, ac_kw: float
) -> dict[str, Any]:
    dc = dc_kw * 1000.0
    ac = ac_kw * 1000.0
    voltage = 1100.0 if dc > 0 else 0.0
    return {
        "TimeStamp": _nodal_stamp(stamp),
        "DCVoc": 1350.0 if dc > 0 else 0.0,
        "DCInitialVoltage": voltage,
        "DCInitialCurrent": dc / voltage if voltage else 0.0,
        "DCInitialPower": dc,
        "DCVoltage": voltage,
        "DCCurrent": ac / inverter.efficiency / voltage if voltage else 0.0,
        "DCPower": ac / inverter.efficiency if dc > 0 else 0.0,
        "Efficiency": inverter.efficiency * 100.0 if dc > 0 else 0.0,
        "OffMppPowerLoss": max(0.0, dc - ac / inverter.efficiency) if dc > 0 else 0.0,
        "ACPower": ac,
        "InverterRegion": 2 if dc * inverter.efficiency > ac + 1e-6 else 1,
        "ACPowerLimit": inverter.ac_kw * 1000.0,
    }


def _nodal_stamp(stamp: datetime.datetime) -> str:
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def _filter(rows: list[dict[str, Any]], parameters: str | None) -> list[dict[str, Any]]:
    if not parameters:
        return rows
    wanted = {p.strip().lower() for p in parameters.split(",") if p.strip()}
    return [{k: v for k, v in row.items() if k == "TimeStamp" or k.lower() in wanted} for row in rows]
