"""A small deterministic PV energy model, so that results respond to the design the way real ones do.

Hour by hour over one year: sun position from latitude, longitude and time zone; clear-sky irradiance
(Haurwitz) scaled by a daily clearness drawn from a seeded RNG so the year's GHI matches the weather
file; a beam/diffuse split from the clearness; plane-of-array irradiance for fixed tilt (so specific
yield peaks near the latitude's optimal tilt and falls off either side) or a horizontal single-axis
tracker; constant DC losses; inverter efficiency and clipping at the inverter's AC set point (so
clipping grows with the DC/AC ratio); AC collection, auxiliary load and transformer losses per array.
"""

from __future__ import annotations

import datetime
import functools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

HOURS = 8760
# Constant DC-side losses in percent (incidence angle, spectrum, low irradiance, temperature).
IAM_LOSS = 1.6
SPECTRAL_LOSS = 0.6
IRRADIANCE_LOSS = 0.7
TEMPERATURE_LOSS = 4.0
DEFAULT_SOILING = 2.0
DEFAULT_ALBEDO = 0.2
# Resistive DC wiring loss scales with current squared: over a year it is about 2/3 of the STC figure.
WIRING_ANNUAL_FRACTION = 0.65


# (tracking, tilt, azimuth, rotation min, rotation max)
Orientation = tuple[int, float, float, float, float]


@dataclass(frozen=True)
class FieldDesign:
    name: int
    repeater: int
    dc_kw: float
    tracking: int  # 0 fixed tilt, 1 horizontal single-axis tracker, 2 seasonal tilt (treated as fixed)
    tilt: float
    azimuth: float
    rotation_min: float
    rotation_max: float
    dc_loss_factor: float  # everything except soiling, which varies by month
    module_watts: float

    @property
    def orientation(self) -> Orientation:
        if self.tracking == 1:
            return (1, 0.0, 180.0, self.rotation_min, self.rotation_max)
        return (0, self.tilt, self.azimuth, 0.0, 0.0)


@dataclass(frozen=True)
class InverterDesign:
    name: str
    repeater: int
    ac_kw: float
    efficiency: float
    fields: tuple[FieldDesign, ...]

    @property
    def dc_kw(self) -> float:
        return sum(f.dc_kw * f.repeater for f in self.fields)


@dataclass(frozen=True)
class ArrayDesign:
    block: int
    block_repeater: int
    name: int
    repeater: int
    ac_collection_loss: float
    das_load_w: float
    transformer: bool
    transformer_kva: float
    transformer_no_load: float
    transformer_full_load: float
    inverters: tuple[InverterDesign, ...]


@dataclass(frozen=True)
class Sky:
    latitude: float
    longitude: float
    time_zone: float
    annual_ghi: float  # kWh/m2
    year: int
    weather_key: str  # seeds the daily clearness, so one weather file always gives the same year


@dataclass(frozen=True)
class Site:
    sky: Sky
    albedo: tuple[float, ...]  # by month
    soiling: tuple[float, ...]  # percent, by month


@dataclass
class Weather:
    """One synthetic year, hour by hour."""

    timestamps: list[datetime.datetime]
    month: list[int]
    ghi: list[float]  # W/m2
    dhi: list[float]
    dni: list[float]
    sun: list[tuple[float, float, float]]  # unit vector (east, north, up); up <= 0 at night
    zenith: list[float]  # degrees
    azimuth: list[float]  # degrees from north, clockwise


@dataclass
class NodeSeries:
    """Hourly series of one node (one instance, not multiplied by its repeater), in kW and W/m2."""

    poa: list[float] = field(default_factory=list)
    dc_kw: list[float] = field(default_factory=list)
    ac_kw: list[float] = field(default_factory=list)


@dataclass
class Simulation:
    weather: Weather
    dc_kw: float
    ac_kw: float
    poa: list[float]  # DC-weighted plane-of-array irradiance, W/m2
    dc_before_soiling_kwh: float
    dc_kwh: float  # after DC losses, before the inverter
    inverter_in_kwh: float  # after inverter efficiency, before clipping
    clipped_kwh: float
    inverter_out_kwh: float
    ac_collection_kwh: float
    aux_kwh: float
    transformer_kwh: float
    availability_kwh: float
    night_kwh: float  # energy drawn at night (auxiliaries, transformer no-load), positive number
    output: list[float]  # plant net output per hour, kW (negative at night)
    blocks: dict[int, list[float]]  # net output per block (all its instances), kW
    nodes: dict[tuple[Any, ...], NodeSeries]  # requested nodes, keyed (block, array[, inverter[, field]])


def build_site(
    project: Mapping[str, Any], weather: Mapping[str, Any], prediction: Mapping[str, Any], seed: int
) -> Site:
    latitude = _number(project.get("latitude"), 0.0)
    albedo = [DEFAULT_ALBEDO] * 12
    soiling = [DEFAULT_SOILING] * 12
    for factor in prediction.get("monthlyFactors") or []:
        month = int(factor.get("month") or 0)
        if 1 <= month <= 12:
            albedo[month - 1] = _number(factor.get("albedo"), DEFAULT_ALBEDO)
            soiling[month - 1] = _number(factor.get("soilingLoss"), DEFAULT_SOILING)
    sky = Sky(
        latitude=latitude,
        longitude=_number(project.get("longitude"), 0.0),
        time_zone=_number(project.get("standardOffsetFromUTC"), 0.0),
        annual_ghi=annual_ghi(weather, latitude),
        year=_year(weather.get("startDate")),
        weather_key=f"{seed}:weather:{weather.get('id')}",
    )
    return Site(sky=sky, albedo=tuple(albedo), soiling=tuple(soiling))


def annual_ghi(weather: Mapping[str, Any], latitude: float) -> float:
    """The weather file's GHI scaled to a year, or a latitude-based estimate when it has none."""
    total = _number(weather.get("globalHorizontalIrradianceSum"), 0.0)
    hours = _period_hours(weather.get("startDate"), weather.get("endDate"))
    if total > 0 and hours >= 24:
        yearly = total * HOURS / hours
        if 300 <= yearly <= 3000:
            return yearly
    return min(2400.0, max(700.0, 2350.0 - 22.0 * abs(latitude)))


@functools.lru_cache(maxsize=8)
def synthesize(site: Sky) -> Weather:
    phi = math.radians(site.latitude)
    days = _days(site.year)
    cs: list[float] = []
    sun: list[tuple[float, float, float]] = []
    timestamps: list[datetime.datetime] = []
    months: list[int] = []
    for day in days:
        n = day.timetuple().tm_yday
        delta = math.radians(23.45 * math.sin(math.radians(360.0 * (284 + n) / 365.0)))
        b = math.radians(360.0 * (n - 81) / 364.0)
        equation_of_time = 9.87 * math.sin(2 * b) - 7.53 * math.cos(b) - 1.5 * math.sin(b)
        correction = (4.0 * (site.longitude - 15.0 * site.time_zone) + equation_of_time) / 60.0
        for hour in range(24):
            omega = math.radians(15.0 * (hour + 0.5 + correction - 12.0))
            up = math.sin(phi) * math.sin(delta) + math.cos(phi) * math.cos(delta) * math.cos(omega)
            east = -math.cos(delta) * math.sin(omega)
            north = math.sin(delta) * math.cos(phi) - math.cos(delta) * math.sin(phi) * math.cos(omega)
            sun.append((east, north, up))
            cs.append(1098.0 * up * math.exp(-0.057 / up) if up > 0.01 else 0.0)
            timestamps.append(datetime.datetime(day.year, day.month, day.day, hour))
            months.append(day.month)
    clear_sky_annual = sum(cs) / 1000.0
    ratio = site.annual_ghi / clear_sky_annual if clear_sky_annual > 0 else 0.0
    # Clear days keep ~96 % of clear sky, cloudy ones ~45 %: pick the share of clear days that meets the target.
    p_clear = min(0.95, max(0.05, (ratio - 0.45) / 0.51))
    rng = random.Random(site.weather_key)
    clearness = [rng.uniform(0.92, 1.0) if rng.random() < p_clear else rng.uniform(0.15, 0.75) for _ in days]
    ghi = [cs[h] * clearness[h // 24] for h in range(len(cs))]
    total = sum(ghi) / 1000.0
    scale = site.annual_ghi / total if total > 0 else 0.0
    ghi = [g * scale for g in ghi]
    dhi: list[float] = []
    dni: list[float] = []
    zenith: list[float] = []
    azimuth: list[float] = []
    for h, g in enumerate(ghi):
        east, north, up = sun[h]
        zenith.append(math.degrees(math.acos(max(-1.0, min(1.0, up)))))
        azimuth.append(math.degrees(math.atan2(east, north)) % 360.0)
        diffuse_fraction = min(0.95, max(0.12, 1.08 - 0.95 * clearness[h // 24]))
        d = g * diffuse_fraction
        dhi.append(d)
        dni.append((g - d) / max(up, 0.065) if up > 0.01 else 0.0)
    return Weather(timestamps, months, ghi, dhi, dni, sun, zenith, azimuth)


@functools.lru_cache(maxsize=64)
def plane_of_array(orientation: Orientation, site: Site) -> tuple[float, ...]:
    """Hourly plane-of-array irradiance (W/m2): beam on the plane, isotropic sky diffuse, ground reflection."""
    weather = synthesize(site.sky)
    tracking, tilt, azimuth, rotation_min, rotation_max = orientation
    out: list[float] = []
    beta = math.radians(tilt)
    gamma = math.radians(azimuth)
    fixed_normal = (math.sin(beta) * math.sin(gamma), math.sin(beta) * math.cos(gamma), math.cos(beta))
    for h, (east, north, up) in enumerate(weather.sun):
        if up <= 0.01:
            out.append(0.0)
            continue
        if tracking == 1:
            rotation = max(rotation_min, min(rotation_max, math.degrees(math.atan2(east, up))))
            r = math.radians(rotation)
            normal = (math.sin(r), 0.0, math.cos(r))
        else:
            normal = fixed_normal
        cos_aoi = max(0.0, normal[0] * east + normal[1] * north + normal[2] * up)
        cos_tilt = normal[2]
        albedo = site.albedo[weather.month[h] - 1]
        out.append(
            weather.dni[h] * cos_aoi
            + weather.dhi[h] * (1 + cos_tilt) / 2
            + weather.ghi[h] * albedo * (1 - cos_tilt) / 2
        )
    return tuple(out)


def simulate(
    site: Site,
    arrays: Sequence[ArrayDesign],
    availability_loss: float,
    nodes: Sequence[tuple[Any, ...]] = (),
) -> Simulation:
    weather = synthesize(site.sky)
    soiling = [1 - site.soiling[m - 1] / 100.0 for m in weather.month]
    hours = len(weather.ghi)

    def poa_of(orientation: Orientation) -> tuple[float, ...]:
        return plane_of_array(orientation, site)

    wanted = set(nodes)
    node_series: dict[tuple[Any, ...], NodeSeries] = {}
    output = [0.0] * hours
    orientation_weights: dict[Orientation, float] = {}
    blocks: dict[int, list[float]] = {}
    totals = dict.fromkeys(
        ("dc0", "dc", "inv_in", "clip", "inv_out", "coll", "aux", "xfmr", "night"),
        0.0,
    )
    inverter_cache: dict[Any, tuple[list[float], list[float], list[float], float, float]] = {}
    dc_total = ac_total = 0.0
    for array in arrays:
        multiplier = array.repeater * array.block_repeater
        array_ac = [0.0] * hours
        for inverter in array.inverters:
            signature = (
                inverter.ac_kw,
                inverter.efficiency,
                tuple(
                    (f.orientation, f.dc_kw * f.repeater * f.dc_loss_factor, f.dc_kw * f.repeater)
                    for f in inverter.fields
                ),
            )
            if signature not in inverter_cache:
                inverter_cache[signature] = _inverter_hours(inverter, poa_of, soiling, hours)
            dc, ac, clip, dc0_kwh, dc_kwh = inverter_cache[signature]
            count = inverter.repeater * multiplier
            totals["dc0"] += dc0_kwh * count
            totals["dc"] += dc_kwh * count
            dc_total += inverter.dc_kw * count
            ac_total += inverter.ac_kw * count
            for h in range(hours):
                array_ac[h] += ac[h] * inverter.repeater
            inv_in = sum(dc) * inverter.efficiency
            totals["inv_in"] += inv_in * count
            totals["clip"] += sum(clip) * count
            for f in inverter.fields:
                weight = f.dc_kw * f.repeater * count
                orientation_weights[f.orientation] = orientation_weights.get(f.orientation, 0.0) + weight
                key = (array.block, array.name, inverter.name, f.name)
                if key in wanted:
                    poa = poa_of(f.orientation)
                    scale = f.dc_kw * f.dc_loss_factor / 1000.0
                    node_series[key] = NodeSeries(list(poa), [poa[h] * scale * soiling[h] for h in range(hours)])
            inverter_key = (array.block, array.name, inverter.name)
            if inverter_key in wanted:
                node_series[inverter_key] = NodeSeries(
                    [
                        sum(poa_of(f.orientation)[h] * f.dc_kw * f.repeater for f in inverter.fields)
                        / max(inverter.dc_kw, 1e-9)
                        for h in range(hours)
                    ],
                    list(dc),
                    list(ac),
                )
        net = [0.0] * hours
        inv_out = coll = aux = xfmr = night = 0.0
        das_kw = array.das_load_w / 1000.0
        for h in range(hours):
            produced = array_ac[h]
            collected = produced * (1 - array.ac_collection_loss / 100.0)
            into = collected - das_kw
            loss = 0.0
            if array.transformer and array.transformer_kva > 0:
                load = abs(into) / array.transformer_kva
                loss = array.transformer_kva * (
                    array.transformer_no_load / 100.0 + array.transformer_full_load / 100.0 * load * load
                )
            value = into - loss
            net[h] = value
            inv_out += produced
            coll += produced - collected
            aux += das_kw
            xfmr += loss
            if value < 0:
                night -= value
        for name, value in (("inv_out", inv_out), ("coll", coll), ("aux", aux), ("xfmr", xfmr), ("night", night)):
            totals[name] += value * multiplier
        if (array.block, array.name) in wanted:
            node_series[(array.block, array.name)] = NodeSeries([], list(array_ac), net)
        block_out = blocks.setdefault(array.block, [0.0] * hours)
        for h in range(hours):
            block_out[h] += net[h] * multiplier
            output[h] += net[h] * multiplier
    availability = 1 - availability_loss / 100.0
    produced_kwh = sum(output)
    plant_poa = [0.0] * hours
    for orientation, weight in orientation_weights.items():
        poa = poa_of(orientation)
        share = weight / dc_total if dc_total > 0 else 0.0
        for h in range(hours):
            plant_poa[h] += poa[h] * share
    return Simulation(
        weather=weather,
        dc_kw=dc_total,
        ac_kw=ac_total,
        poa=plant_poa,
        dc_before_soiling_kwh=totals["dc0"],
        dc_kwh=totals["dc"],
        inverter_in_kwh=totals["inv_in"],
        clipped_kwh=totals["clip"],
        inverter_out_kwh=totals["inv_out"],
        ac_collection_kwh=totals["coll"],
        aux_kwh=totals["aux"],
        transformer_kwh=totals["xfmr"],
        availability_kwh=produced_kwh * (1 - availability),
        night_kwh=totals["night"],
        output=[value * availability for value in output],
        blocks={name: [value * availability for value in series] for name, series in blocks.items()},
        nodes=node_series,
    )


def _inverter_hours(
    inverter: InverterDesign, poa_of: Callable[[Orientation], tuple[float, ...]], soiling: Sequence[float], hours: int
) -> tuple[list[float], list[float], list[float], float, float]:
    dc = [0.0] * hours
    dc0_kwh = 0.0
    for f in inverter.fields:
        poa = poa_of(f.orientation)
        scale = f.dc_kw * f.repeater * f.dc_loss_factor / 1000.0
        for h in range(hours):
            before = poa[h] * scale
            dc0_kwh += before
            dc[h] += before * soiling[h]
    ac = [0.0] * hours
    clip = [0.0] * hours
    for h in range(hours):
        available = dc[h] * inverter.efficiency
        delivered = min(available, inverter.ac_kw)
        ac[h] = delivered
        clip[h] = available - delivered
    return dc, ac, clip, dc0_kwh, sum(dc)


def design_from_plant(
    plant: Mapping[str, Any],
    modules: Mapping[int, Mapping[str, Any]],
    inverters: Mapping[int, Mapping[str, Any]],
    latitude: float,
) -> list[ArrayDesign]:
    """Read a stored PowerPlant (camelCase JSON) into the model's designs."""
    arrays: list[ArrayDesign] = []
    default_azimuth = 180.0 if latitude >= 0 else 0.0
    for b_index, block in enumerate(plant.get("blocks") or [], start=1):
        block_name = int(_number(block.get("name"), b_index))
        for a_index, array in enumerate(block.get("arrays") or [], start=1):
            designed: list[InverterDesign] = []
            for i_index, inverter in enumerate(array.get("inverters") or []):
                library_inverter = inverters.get(int(_number(inverter.get("inverterId"), -1)), {})
                fields: list[FieldDesign] = []
                for f_index, dc_field in enumerate(inverter.get("dcFields") or [], start=1):
                    module = modules.get(int(_number(dc_field.get("moduleId"), -1)), {})
                    fields.append(_field_design(dc_field, module, f_index, default_azimuth))
                designed.append(
                    InverterDesign(
                        name=str(inverter.get("name") or chr(ord("A") + i_index)),
                        repeater=max(1, int(_number(inverter.get("repeater"), 1))),
                        ac_kw=_inverter_ac_kw(inverter, library_inverter),
                        efficiency=_efficiency(library_inverter),
                        fields=tuple(fields),
                    )
                )
            kva = sum(
                _number(i.get("kVARating"), 0.0) * max(1, int(_number(i.get("repeater"), 1)))
                for i in array.get("inverters") or []
            )
            arrays.append(
                ArrayDesign(
                    block=block_name,
                    block_repeater=max(1, int(_number(block.get("repeater"), 1))),
                    name=int(_number(array.get("name"), a_index)),
                    repeater=max(1, int(_number(array.get("repeater"), 1))),
                    ac_collection_loss=_number(array.get("acCollectionLoss"), 1.0),
                    das_load_w=_number(array.get("dasLoad"), 0.0),
                    transformer=bool(array.get("transformerEnabled", True)),
                    transformer_kva=_number(array.get("transformerkVARating"), 0.0) or kva,
                    transformer_no_load=_number(array.get("transformerNoLoadLoss"), 0.2),
                    transformer_full_load=_number(array.get("transformerFullLoadLoss"), 0.7),
                    inverters=tuple(designed),
                )
            )
    return arrays


def _field_design(
    dc_field: Mapping[str, Any], module: Mapping[str, Any], index: int, default_azimuth: float
) -> FieldDesign:
    module_watts = _number(module.get("stcMaxPower"), 0.0) or _number(dc_field.get("plannedModuleRating"), 0.0)
    strings = _number(dc_field.get("numberOfSeriesStringsWiredInParallel"), 0.0)
    series = _number(dc_field.get("modulesWiredInSeries"), 0.0)
    # The physical count decides when it is there; fieldDcPower (kW) is the UI's derived figure.
    dc_kw = strings * series * module_watts / 1000.0 if strings > 0 and series > 0 and module_watts > 0 else 0.0
    dc_kw = dc_kw or _number(dc_field.get("fieldDcPower"), 0.0)
    losses = [
        IAM_LOSS,
        SPECTRAL_LOSS,
        IRRADIANCE_LOSS,
        TEMPERATURE_LOSS,
        _number(dc_field.get("moduleMismatchCoefficient"), _number(module.get("moduleMismatchCoefficient"), 0.5)),
        _number(dc_field.get("moduleQuality"), _number(module.get("moduleQuality"), 0.0)),
        _number(dc_field.get("lightInducedDegradation"), _number(module.get("lightInducedDegradation"), 1.0)),
        _number(dc_field.get("dcWiringLossAtSTC"), 1.5) * WIRING_ANNUAL_FRACTION,
        _number(dc_field.get("dcHealth"), 1.0),
    ]
    factor = 1.0
    for loss in losses:
        factor *= 1 - loss / 100.0
    tracking = int(_number(dc_field.get("trackingType"), 0))
    return FieldDesign(
        name=int(_number(dc_field.get("name"), index)),
        repeater=max(1, int(_number(dc_field.get("repeater"), 1))),
        dc_kw=max(0.0, dc_kw),
        tracking=tracking,
        tilt=_number(dc_field.get("moduleTilt"), 25.0),
        azimuth=_number(dc_field.get("moduleAzimuth"), default_azimuth),
        rotation_min=_number(dc_field.get("minimumTrackingLimitAngleD"), -60.0),
        rotation_max=_number(dc_field.get("maximumTrackingLimitAngleD"), 60.0),
        dc_loss_factor=max(0.0, factor),
        module_watts=module_watts,
    )


def _inverter_ac_kw(inverter: Mapping[str, Any], library: Mapping[str, Any]) -> float:
    setpoint = _number(inverter.get("setpointkW"), 0.0)
    if setpoint > 0:
        return setpoint
    kva = _number(inverter.get("kVARating"), 0.0) or _number(library.get("apparentPower"), 0.0)
    factor = _number(inverter.get("powerFactor"), 0.0) or _number(inverter.get("designDerate"), 1.0)
    return kva * factor or _number(library.get("powerRated"), 0.0)


def _efficiency(library: Mapping[str, Any]) -> float:
    points = [
        _number(point.get("efficiency"), 0.0)
        for curve in library.get("efficiencyCurves") or []
        for point in curve.get("efficiencyPoints") or []
    ]
    points = [p for p in points if 50 < p <= 100]
    return (sum(points) / len(points) if points else 98.0) / 100.0


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default
    return float(value)


def _year(start: Any) -> int:
    if isinstance(start, str) and len(start) >= 4 and start[:4].isdigit():
        return int(start[:4])
    return 2005


def _period_hours(start: Any, end: Any) -> float:
    try:
        first = datetime.datetime.fromisoformat(str(start))
        last = datetime.datetime.fromisoformat(str(end))
    except ValueError:
        return float(HOURS)
    return (last - first).total_seconds() / 3600.0 + 1


def _days(year: int) -> list[datetime.date]:
    """365 days: PlantPredict simulates 8,760 hours and skips 29 February unless told to use leap years."""
    first = datetime.date(year, 1, 1)
    days = [first + datetime.timedelta(days=i) for i in range(366)]
    return [d for d in days if d.year == year and not (d.month == 2 and d.day == 29)][:365]
