"""The energy model: one synthetic weather year and the plant's hourly output, computed with pvlib.

pvlib (the field's reference library) does the physics; this module only chains its models:
- sun position: `pvlib.solarposition.get_solarposition` (NREL SPA), at the middle of each hour;
- clear sky: `Location.get_clearsky(model="ineichen")` with pvlib's Linke turbidity climatology, scaled
  by a daily clearness drawn from a seeded RNG so the year's GHI matches the weather file (a weather file
  here is a name, a place and an annual GHI, not 8,760 measured rows);
- beam/diffuse split: `pvlib.irradiance.erbs`, or `dirint` when the prediction asks for DIRINT;
- trackers: `pvlib.tracking.singleaxis` (horizontal axis, rotation limits, backtracking at the GCR);
- transposition: `pvlib.irradiance.get_total_irradiance`, Perez or Hay-Davies as the prediction says;
- incidence angle: `pvlib.iam.physical` on the beam; spectrum: `pvlib.spectrum.spectral_factor_firstsolar`;
- cell temperature: `pvlib.temperature.sapm_cell` (open rack, glass/polymer) on a synthetic ambient year;
- DC: `pvlib.pvsystem.pvwatts_dc` with the module's power temperature coefficient, then the field's
  constant losses and the month's soiling; AC: `pvlib.inverter.pvwatts` at the inverter's set point,
  which clips, then collection, auxiliary and transformer losses per array (PlantPredict's own terms,
  plain arithmetic).
`_plant.MODELS` names them; the result summary reports them.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import random
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pvlib
import pvlib.spectrum

from plantpredict_simulator._plant import ArrayDesign, InverterDesign, Orientation, Site, Sky

_SAPM = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
WIND_SPEED = 1.0  # m/s
RELATIVE_HUMIDITY = 50.0  # %, for precipitable water (spectral correction)


@dataclass
class Weather:
    """One synthetic year, hour by hour (timestamps are the hour's start, in the site's standard time)."""

    timestamps: list[datetime.datetime]
    month: list[int]
    ghi: list[float]  # W/m2
    dhi: list[float]
    dni: list[float]
    zenith: list[float]  # degrees
    azimuth: list[float]  # degrees from north, clockwise
    temperature: list[float]  # ambient, degC


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
    losses: dict[str, float]  # irradiance and module losses in percent: iam, spectral, temperature
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


@dataclass(frozen=True)
class _Sun:
    """The synthetic year as pvlib series (cached per sky)."""

    times: pd.DatetimeIndex
    zenith: np.ndarray[Any, Any]
    apparent_zenith: np.ndarray[Any, Any]
    azimuth: np.ndarray[Any, Any]
    ghi: np.ndarray[Any, Any]
    dni: np.ndarray[Any, Any]
    dhi: np.ndarray[Any, Any]
    dni_extra: np.ndarray[Any, Any]
    airmass: np.ndarray[Any, Any]
    spectral: np.ndarray[Any, Any]
    temperature: np.ndarray[Any, Any]
    month: np.ndarray[Any, Any]


@dataclass(frozen=True)
class _Plane:
    """One orientation's hourly plane-of-array figures (W/m2) and cell temperature."""

    poa: np.ndarray[Any, Any]
    effective_before_spectral: np.ndarray[Any, Any]
    effective: np.ndarray[Any, Any]
    cell_temperature: np.ndarray[Any, Any]


def _hours(year: int, time_zone: float) -> pd.DatetimeIndex:
    """8,760 hour starts: PlantPredict simulates 365 days and skips 29 February unless told otherwise."""
    zone = datetime.timezone(datetime.timedelta(hours=time_zone))
    index = pd.date_range(datetime.datetime(year, 1, 1, tzinfo=zone), periods=366 * 24, freq="h")
    index = index[(index.year == year) & ~((index.month == 2) & (index.day == 29))]
    return index[:8760]


@contextlib.contextmanager
def _pvlib_on_pandas_3() -> Iterator[None]:
    """pvlib 0.16 still reads `DatetimeIndex.dayofyear`, which pandas 3 deprecates (a warning, and an error
    under the tests' `filterwarnings = error`); nothing of ours can change that call."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"DatetimeIndex\.dayofyear is deprecated")
        yield


@functools.lru_cache(maxsize=8)
def _sun(sky: Sky) -> _Sun:
    with _pvlib_on_pandas_3():
        return _synthesize(sky)


def _synthesize(sky: Sky) -> _Sun:
    times = _hours(sky.year, sky.time_zone)
    middle = times + pd.Timedelta(minutes=30)
    location = pvlib.location.Location(sky.latitude, sky.longitude, altitude=sky.elevation)
    position = location.get_solarposition(middle)
    clear = location.get_clearsky(middle, model="ineichen", solar_position=position)
    clear_ghi = clear["ghi"].to_numpy()
    days = len(times) // 24
    clear_annual = clear_ghi.sum() / 1000.0
    ratio = sky.annual_ghi / clear_annual if clear_annual > 0 else 0.0
    # Clear days keep ~96 % of clear sky, cloudy ones ~45 %: pick the share of clear days that meets the target.
    p_clear = min(0.95, max(0.05, (ratio - 0.45) / 0.51))
    rng = random.Random(sky.weather_key)
    clearness = np.array(
        [rng.uniform(0.92, 1.0) if rng.random() < p_clear else rng.uniform(0.15, 0.75) for _ in range(days)]
    )
    ghi = clear_ghi * np.repeat(clearness, 24)
    total = ghi.sum() / 1000.0
    ghi = ghi * (sky.annual_ghi / total if total > 0 else 0.0)
    zenith = position["zenith"].to_numpy()
    if sky.decomposition == 2:
        dni = pvlib.irradiance.dirint(pd.Series(ghi, index=middle), position["zenith"], middle).fillna(0.0)
        dni = dni.to_numpy()
        dhi = np.clip(ghi - dni * np.cos(np.radians(zenith)), 0.0, None)
    else:
        split = pvlib.irradiance.erbs(ghi, zenith, middle.day_of_year)
        dni, dhi = np.asarray(split["dni"]), np.asarray(split["dhi"])
    relative = pvlib.atmosphere.get_relative_airmass(position["apparent_zenith"].to_numpy())
    absolute = pvlib.atmosphere.get_absolute_airmass(relative, pvlib.atmosphere.alt2pres(sky.elevation))
    temperature = _ambient(times, sky.latitude, sky.mean_temperature)
    water = pvlib.atmosphere.gueymard94_pw(temperature, RELATIVE_HUMIDITY)
    spectral = pvlib.spectrum.spectral_factor_firstsolar(water, absolute, module_type="monosi")
    return _Sun(
        times=times,
        zenith=zenith,
        apparent_zenith=position["apparent_zenith"].to_numpy(),
        azimuth=position["azimuth"].to_numpy(),
        ghi=ghi,
        dni=np.nan_to_num(dni),
        dhi=np.nan_to_num(dhi),
        dni_extra=np.asarray(pvlib.irradiance.get_extra_radiation(middle)),
        airmass=np.nan_to_num(relative, nan=0.0),
        spectral=np.nan_to_num(np.asarray(spectral), nan=1.0),
        temperature=temperature,
        month=times.month.to_numpy(),
    )


def _ambient(times: pd.DatetimeIndex, latitude: float, mean: float) -> np.ndarray[Any, Any]:
    """A plausible ambient temperature year around the file's mean: a seasonal swing that grows with
    latitude and a daily one. (No library synthesizes temperature without measured data: our assumption.)"""
    season = 0.25 * abs(latitude)
    summer = 200 if latitude >= 0 else 17  # day of year of the warmest days
    day = times.day_of_year.to_numpy()
    hour = times.hour.to_numpy()
    seasonal = season * np.cos(2 * np.pi * (day - summer) / 365.0)
    daily = 5.0 * np.cos(2 * np.pi * (hour - 15) / 24.0)
    result: np.ndarray[Any, Any] = mean + seasonal + daily
    return result


@functools.lru_cache(maxsize=64)
def _plane(orientation: Orientation, site: Site) -> _Plane:
    with _pvlib_on_pandas_3():
        return _transpose(orientation, site)


def _transpose(orientation: Orientation, site: Site) -> _Plane:
    sun = _sun(site.sky)
    tracking, tilt, azimuth, rotation_min, rotation_max, gcr = orientation
    if tracking == 1:
        tracked = pvlib.tracking.singleaxis(
            sun.apparent_zenith,
            sun.azimuth,
            axis_tilt=0.0,
            axis_azimuth=180.0,
            max_angle=(rotation_min, rotation_max),
            backtrack=gcr > 0,
            gcr=gcr or 0.4,
        )
        surface_tilt = np.nan_to_num(np.asarray(tracked["surface_tilt"]), nan=0.0)
        surface_azimuth = np.nan_to_num(np.asarray(tracked["surface_azimuth"]), nan=180.0)
    else:
        surface_tilt = np.full(len(sun.zenith), tilt)
        surface_azimuth = np.full(len(sun.zenith), azimuth)
    albedo = np.asarray(site.albedo)[sun.month - 1]
    total = pvlib.irradiance.get_total_irradiance(
        surface_tilt,
        surface_azimuth,
        sun.apparent_zenith,
        sun.azimuth,
        sun.dni,
        sun.ghi,
        sun.dhi,
        dni_extra=sun.dni_extra,
        airmass=sun.airmass,
        albedo=albedo,
        model="haydavies" if site.transposition == 0 else "perez",
    )
    up = sun.zenith < 90.0
    poa = np.where(up, np.nan_to_num(np.asarray(total["poa_global"])), 0.0)
    direct = np.where(up, np.nan_to_num(np.asarray(total["poa_direct"])), 0.0)
    diffuse = poa - direct
    aoi = pvlib.irradiance.aoi(surface_tilt, surface_azimuth, sun.zenith, sun.azimuth)
    iam = np.nan_to_num(np.asarray(pvlib.iam.physical(aoi)), nan=0.0)
    before_spectral = direct * iam + diffuse
    cell = pvlib.temperature.sapm_cell(poa, sun.temperature, WIND_SPEED, **_SAPM)
    return _Plane(poa, before_spectral, before_spectral * sun.spectral, np.asarray(cell))


def _field_dc(plane: _Plane, dc_kw: float, coefficient: float, at_25: bool = False) -> np.ndarray[Any, Any]:
    temperature = np.full(len(plane.poa), 25.0) if at_25 else plane.cell_temperature
    dc: np.ndarray[Any, Any] = np.asarray(
        pvlib.pvsystem.pvwatts_dc(plane.effective, temperature, dc_kw, coefficient / 100.0)
    )
    clipped: np.ndarray[Any, Any] = np.clip(dc, 0.0, None)
    return clipped


@dataclass
class _Totals:
    dc0: float = 0.0
    dc: float = 0.0
    inv_in: float = 0.0
    clip: float = 0.0
    at_25: float = 0.0
    with_temperature: float = 0.0
    poa_weighted: float = 0.0
    before_iam: float = 0.0
    before_spectral: float = 0.0
    effective: float = 0.0


def _inverter(
    inverter: InverterDesign, site: Site, soiling: np.ndarray[Any, Any], totals: _Totals, count: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """DC into and AC out of one inverter instance (kW per hour); totals gather `count` instances."""
    hours = len(soiling)
    dc = np.zeros(hours)
    for f in inverter.fields:
        plane = _plane(f.orientation, site)
        size = f.dc_kw * f.repeater
        field_dc = _field_dc(plane, size, f.temperature_coefficient)
        before = field_dc * f.dc_loss_factor
        totals.dc0 += before.sum() * count
        dc += before * soiling
        totals.with_temperature += field_dc.sum() * count
        totals.at_25 += _field_dc(plane, size, f.temperature_coefficient, at_25=True).sum() * count
        totals.poa_weighted += plane.poa.sum() * size * count
        totals.before_spectral += plane.effective_before_spectral.sum() * size * count
        totals.effective += plane.effective.sum() * size * count
    efficiency = inverter.efficiency
    pac0 = inverter.ac_kw
    ac = np.asarray(pvlib.inverter.pvwatts(dc, pac0 / efficiency, eta_inv_nom=efficiency))
    ac = np.clip(np.nan_to_num(ac), 0.0, None)
    # pvlib clips at pac0; the energy the curve would have given above it is the clipping loss.
    clipped = np.where(ac >= pac0 * (1 - 1e-9), np.clip(dc * efficiency - pac0, 0.0, None), 0.0)
    totals.dc += dc.sum() * count
    totals.inv_in += (ac.sum() + clipped.sum()) * count
    totals.clip += clipped.sum() * count
    return dc, ac


def simulate(
    site: Site,
    arrays: Sequence[ArrayDesign],
    availability_loss: float,
    nodes: Sequence[tuple[Any, ...]] = (),
) -> Simulation:
    sun = _sun(site.sky)
    hours = len(sun.ghi)
    soiling = 1 - np.asarray(site.soiling)[sun.month - 1] / 100.0
    wanted = set(nodes)
    node_series: dict[tuple[Any, ...], NodeSeries] = {}
    output = np.zeros(hours)
    blocks: dict[int, np.ndarray[Any, Any]] = {}
    totals = _Totals()
    sums = dict.fromkeys(("inv_out", "coll", "aux", "xfmr", "night"), 0.0)
    dc_total = ac_total = 0.0
    for array in arrays:
        multiplier = array.repeater * array.block_repeater
        array_ac = np.zeros(hours)
        for inverter in array.inverters:
            count = inverter.repeater * multiplier
            dc, ac = _inverter(inverter, site, soiling, totals, count)
            dc_total += inverter.dc_kw * count
            ac_total += inverter.ac_kw * count
            array_ac += ac * inverter.repeater
            for f in inverter.fields:
                key = (array.block, array.name, inverter.name, f.name)
                if key in wanted:
                    plane = _plane(f.orientation, site)
                    field_dc = _field_dc(plane, f.dc_kw, f.temperature_coefficient) * f.dc_loss_factor * soiling
                    node_series[key] = NodeSeries(plane.poa.tolist(), field_dc.tolist())
            if (array.block, array.name, inverter.name) in wanted:
                parts = [(f.dc_kw * f.repeater, _plane(f.orientation, site).poa) for f in inverter.fields]
                poa = sum((w * p for w, p in parts), np.zeros(hours)) / max(inverter.dc_kw, 1e-9)
                node_series[(array.block, array.name, inverter.name)] = NodeSeries(
                    poa.tolist(), dc.tolist(), ac.tolist()
                )
        collected = array_ac * (1 - array.ac_collection_loss / 100.0)
        das_kw = array.das_load_w / 1000.0
        into = collected - das_kw
        transformer = np.zeros(hours)
        if array.transformer and array.transformer_kva > 0:
            load = np.abs(into) / array.transformer_kva
            transformer = array.transformer_kva * (
                array.transformer_no_load / 100.0 + array.transformer_full_load / 100.0 * load * load
            )
        net = into - transformer
        sums["inv_out"] += array_ac.sum() * multiplier
        sums["coll"] += (array_ac - collected).sum() * multiplier
        sums["aux"] += das_kw * hours * multiplier
        sums["xfmr"] += transformer.sum() * multiplier
        sums["night"] += -net[net < 0].sum() * multiplier
        if (array.block, array.name) in wanted:
            node_series[(array.block, array.name)] = NodeSeries([], array_ac.tolist(), net.tolist())
        blocks[array.block] = blocks.get(array.block, np.zeros(hours)) + net * multiplier
        output += net * multiplier
    availability = 1 - availability_loss / 100.0
    produced_kwh = float(output.sum())
    plant_series = np.zeros(hours)
    weights: dict[Orientation, float] = {}
    for array in arrays:
        for inverter in array.inverters:
            for f in inverter.fields:
                share = f.dc_kw * f.repeater * inverter.repeater * array.repeater * array.block_repeater
                weights[f.orientation] = weights.get(f.orientation, 0.0) + share
    for orientation, weight in weights.items():
        plant_series += _plane(orientation, site).poa * (weight / dc_total if dc_total > 0 else 0.0)
    return Simulation(
        weather=Weather(
            timestamps=[t.replace(tzinfo=None) for t in sun.times.to_pydatetime()],
            month=sun.month.tolist(),
            ghi=sun.ghi.tolist(),
            dhi=sun.dhi.tolist(),
            dni=sun.dni.tolist(),
            zenith=sun.zenith.tolist(),
            azimuth=sun.azimuth.tolist(),
            temperature=sun.temperature.tolist(),
        ),
        dc_kw=dc_total,
        ac_kw=ac_total,
        poa=plant_series.tolist(),
        losses={
            "iam": _percent(totals.poa_weighted - totals.before_spectral, totals.poa_weighted),
            "spectral": _percent(totals.before_spectral - totals.effective, totals.before_spectral),
            "temperature": _percent(totals.at_25 - totals.with_temperature, totals.at_25),
        },
        dc_before_soiling_kwh=totals.dc0,
        dc_kwh=totals.dc,
        inverter_in_kwh=totals.inv_in,
        clipped_kwh=totals.clip,
        inverter_out_kwh=sums["inv_out"],
        ac_collection_kwh=sums["coll"],
        aux_kwh=sums["aux"],
        transformer_kwh=sums["xfmr"],
        availability_kwh=produced_kwh * (1 - availability),
        night_kwh=sums["night"],
        output=(output * availability).tolist(),
        blocks={name: (series * availability).tolist() for name, series in blocks.items()},
        nodes=node_series,
    )


def _percent(loss: float, base: float) -> float:
    return loss / base * 100.0 if base > 0 else 0.0
