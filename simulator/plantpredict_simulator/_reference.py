"""Read-only reference data: Definitions, Country, ASHRAE stations, version.

Enumerations and countries are the reference document's recorded answers (carried by `_documents.json`);
ASHRAE design conditions are approximate values for real stations, enough for the "closest station"
lookups the official SDK makes before creating a prediction.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Iterable
from typing import Any

from plantpredict_simulator import _documents

API_VERSION = "12.13.0.0"


@functools.cache
def _definitions() -> dict[str, list[tuple[int, str]]]:
    """PlantPredict's enumerations, from the reference's recorded GET /Definitions answer."""
    recorded = _documents.operations_by_key()["GET /definitions"].example or []
    return {
        entry["type"]: [(value["id"], value["name"]) for value in entry.get("values") or []]
        for entry in recorded
        if isinstance(entry, dict) and isinstance(entry.get("type"), str)
    }


def definitions(type_name: str | None) -> list[dict[str, Any]] | None:
    """All definitions, or the values of one type (the `?type=` form answers a flat list, as upstream does)."""
    if type_name is None:
        return [
            {"type": name, "values": [{"id": i, "name": label} for i, label in values]}
            for name, values in sorted(_definitions().items(), key=lambda item: item[0].lower())
        ]
    for name, values in _definitions().items():
        if name.lower() == type_name.lower():
            return [{"id": i, "name": label} for i, label in values]
    return None


def definition_name(type_name: str, value: int | None, default: str = "None") -> str:
    for i, label in _definitions().get(type_name, []):
        if i == value:
            return label
    return default


def countries() -> list[dict[str, Any]]:
    """The country list, as the reference's recorded GET /Country answer has it."""
    recorded: list[dict[str, Any]] = copy.deepcopy(_documents.operations_by_key()["GET /country"].example or [])
    return recorded


# (station, WMO, lat, lon, elevation m, time zone, cool 99.6/0.4 %, max 50-year, min 50-year, min annual mean)
_ASHRAE: list[tuple[str, str, float, float, float, float, float, float, float, float]] = [
    ("TOLEDO EXPRESS AP, OH, USA", "725360", 41.589, -83.801, 204, -5, 32.5, 39.4, -30.3, -19.1),
    ("TRAVERSE CITY CHERRY CAPITAL, MI, USA", "726387", 44.741, -85.583, 188, -5, 31.5, 38.4, -32.0, -21.4),
    ("HARBOR SPRINGS, MI, USA", "722145", 45.426, -84.913, 206, -5, 28.3, 34.3, -34.7, -23.5),
    ("CHICAGO OHARE INTL AP, IL, USA", "725300", 41.995, -87.934, 205, -6, 33.4, 39.6, -31.4, -24.0),
    ("DENVER INTL AP, CO, USA", "725650", 39.833, -104.658, 1650, -7, 34.5, 40.5, -29.9, -22.1),
    ("ALBUQUERQUE INTL SUNPORT, NM, USA", "723650", 35.042, -106.616, 1619, -7, 36.0, 41.3, -17.9, -12.8),
    ("PHOENIX SKY HARBOR INTL AP, AZ, USA", "722780", 33.428, -112.004, 337, -7, 43.6, 49.4, -3.1, -0.9),
    ("DAGGETT BARSTOW-DAGGETT AP, CA, USA", "723815", 34.854, -116.787, 586, -8, 42.2, 48.6, -9.3, -5.6),
    ("LAS VEGAS MCCARRAN INTL AP, NV, USA", "723860", 36.072, -115.163, 664, -8, 43.3, 48.5, -6.6, -3.4),
    ("SACRAMENTO EXECUTIVE AP, CA, USA", "724830", 38.507, -121.495, 5, -8, 39.7, 45.6, -4.5, -2.1),
    ("HOUSTON BUSH INTERCONTINENTAL AP, TX, USA", "722430", 29.980, -95.360, 29, -6, 37.4, 42.4, -6.9, -3.6),
    ("ORLANDO INTL AP, FL, USA", "722050", 28.434, -81.325, 27, -5, 35.4, 38.6, -1.6, 1.6),
    ("RALEIGH DURHAM INTL AP, NC, USA", "723060", 35.892, -78.782, 126, -5, 35.4, 40.6, -15.6, -10.5),
    ("MADRID BARAJAS, SPAIN", "082210", 40.467, -3.556, 609, 1, 37.2, 43.0, -10.4, -6.5),
    ("SEVILLA SAN PABLO, SPAIN", "083910", 37.418, -5.893, 34, 1, 41.7, 47.0, -4.6, -1.5),
    ("JOHANNESBURG INTL, SOUTH AFRICA", "683680", -26.139, 28.246, 1694, 2, 29.3, 34.6, -3.9, -1.6),
    ("NEW DELHI SAFDARJUNG, INDIA", "421820", 28.583, 77.200, 216, 5.5, 43.0, 46.6, 3.1, 4.6),
    ("SYDNEY AIRPORT AMO, NSW, AUSTRALIA", "947670", -33.946, 151.173, 6, 10, 33.2, 44.3, 3.2, 5.1),
    ("SANTIAGO PUDAHUEL, CHILE", "855740", -33.393, -70.794, 482, -4, 32.8, 37.6, -4.4, -2.5),
]


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; PlantPredict's search radii are in miles."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 3958.8 * 2 * math.asin(min(1.0, math.sqrt(a)))


def nearby(items: Iterable[dict[str, Any]], latitude: float, longitude: float, radius: float) -> list[dict[str, Any]]:
    """The items (projects, weather files) within `radius` miles, nearest first, each with its `distance`."""
    found = []
    for item in items:
        lat, lon = item.get("latitude"), item.get("longitude")
        if (
            isinstance(lat, bool)
            or isinstance(lon, bool)
            or not isinstance(lat, int | float)
            or not isinstance(lon, int | float)
        ):
            continue
        distance = distance_miles(latitude, longitude, lat, lon)
        if distance <= radius:
            found.append({**item, "distance": distance})
    return sorted(found, key=lambda item: item["distance"])


def ashrae_station(latitude: float, longitude: float, name: str | None = None) -> dict[str, Any]:
    """The station of that name (if given and known) or the closest one, with its distance in km as upstream."""
    candidates = [s for s in _ASHRAE if name and s[0].lower() == name.lower()] or _ASHRAE
    station = min(candidates, key=lambda s: distance_miles(latitude, longitude, s[2], s[3]))
    label, wmo, lat, lon, elevation, tz, cool, max50, min50, min_mean = station
    return {
        "stationName": label,
        "wmo": wmo,
        "cool996": cool,
        "min50Year": min50,
        "max50Year": max50,
        "distance": distance_miles(latitude, longitude, lat, lon) * 1.609344,
        "latitude": lat,
        "longitude": lon,
        "minAnnualMeanDBTemp": min_mean,
        "version": 2021,
        "elevation": elevation,
        "timeZone": tz,
    }
