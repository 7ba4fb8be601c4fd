"""Read-only reference data: Definitions, Country, ASHRAE stations, version.

Enumeration names and values are PlantPredict's own (GET /Definitions); the country list is a subset of
ISO 3166-1; ASHRAE design conditions are approximate values for real stations, enough for the
"closest station" lookups the official SDK makes before creating a prediction.
"""

from __future__ import annotations

import math
from typing import Any

API_VERSION = "12.13.0.0"

_DEFINITIONS: dict[str, list[tuple[int, str]]] = {
    "AirMassModelType": [(0, "Bird-Hulstrom"), (1, "Kasten-Sandia")],
    "CellTechnologyTypeEnum": [
        (1, "n-type mono c-Si"),
        (2, "p-type mono c-Si PERC"),
        (3, "p-type mono c-Si BSF"),
        (4, "poly c-Si PERC"),
        (5, "poly c-Si BSF"),
        (6, "CdTe"),
        (7, "CIGS"),
        (8, "Mixed"),
    ],
    "ConstructionTypeEnum": [(1, "Glass-Glass"), (2, "Glass-Backsheet")],
    "DataSourceType": [
        (1, "Manufacturer"),
        (2, "PVsyst"),
        (3, "University of Geneva"),
        (4, "Photon"),
        (5, "Sandia Database"),
        (6, "Custom"),
        (7, "PlantPredict"),
    ],
    "DCFieldBacktrackingType": [(0, "True-Tracking"), (1, "Backtracking"), (2, "Time-Series")],
    "DCFieldTrackingTypeEnum": [(0, "Fixed Tilt"), (1, "Horizontal Tracker"), (2, "Seasonal Tilt")],
    "DegradationModel": [(0, "None"), (1, "Stepped AC"), (2, "Linear AC"), (3, "Linear DC"), (4, "Non-Linear DC")],
    "DiffuseDirectDecompModelType": [(0, "Erbs"), (1, "Reindl"), (2, "DIRINT"), (3, "None")],
    "DiffuseShadingModel": [(0, "None"), (1, "Schaar-Panchula")],
    "DirectBeamShadingModel": [
        (0, "Linear"),
        (1, "None"),
        (2, "2 Dimension (retired)"),
        (3, "Fractional Electrical Shading"),
        (5, "Module File Defined Shading"),
    ],
    "EntityType": [
        (1, "Project"),
        (2, "Module"),
        (3, "Inverter"),
        (4, "Weather"),
        (5, "Prediction"),
        (6, "MultiJunction"),
    ],
    "FacialityEnum": [(0, "Monofacial"), (1, "Bifacial")],
    "IncidenceAngleModelType": [(2, "Sandia"), (3, "ASHRAE"), (4, "None"), (5, "Tabular IAM")],
    "InverterType": [(0, "Unspecified"), (1, "String"), (2, "Central")],
    "LibraryStatusEnum": [
        (0, "Unknown"),
        (1, "Draft-Private"),
        (2, "Draft-Shared"),
        (3, "Active"),
        (4, "Retired"),
        (5, "Global"),
        (6, "Global-Retired"),
    ],
    "ModuleOrientation": [(0, "Landscape"), (1, "Portrait")],
    "ModuleShadingResponse": [(0, "None"), (1, "Linear"), (2, "Fractional Electrical Shading")],
    "ModuleTemperatureModelType": [(0, "Heat Balance"), (1, "Sandia")],
    "PowerPlantDesignType": [(0, "Simple"), (1, "Advanced")],
    "PredictionProcessingStep": [
        (0, "Unknown"),
        (1, "None"),
        (2, "InitializeFromDatabase"),
        (3, "PrePrediction"),
        (4, "PreparePrediction"),
        (5, "PrepareWeather"),
        (8, "PreparePowerPlant"),
        (15, "MainPrediction"),
        (25, "AggregateResults"),
        (26, "PostPrediction"),
        (30, "CalculateResultSummary"),
        (33, "StoreResults"),
        (38, "Completed"),
    ],
    "PredictionStatusEnum": [
        (1, "Draft-Private"),
        (2, "Draft-Shared"),
        (3, "Analysis"),
        (4, "Bid"),
        (5, "Contract"),
        (6, "Development"),
        (7, "As Built"),
        (8, "Warranty"),
        (9, "Archived"),
    ],
    "ProcessingStatusEnum": [
        (0, "None"),
        (1, "Queued"),
        (2, "Running"),
        (3, "Success"),
        (4, "Error"),
        (5, "Cancelled"),
    ],
    "ProjectStatusEnum": [(0, "Active"), (1, "Archived"), (2, "StringSize")],
    "PvModelType": [(0, "1-Diode Recombination"), (1, "1-Diode"), (3, "1-Diode Recombination Non-Linear Temp")],
    "SoilingModelType": [(0, "Constant Monthly"), (1, "Weather File"), (2, "None")],
    "SpectralResponseEnum": [
        (0, "No Spectral Shift"),
        (1, "FS Series 4 & Earlier"),
        (2, "FS Series 4-2 & Later"),
        (3, "Sandia"),
    ],
    "SpectralShiftModel": [
        (0, "None"),
        (1, "1-Param Pwat or Sandia"),
        (2, "2-Param Pwat and AM"),
        (3, "Monthly Override"),
    ],
    "SpectralWeatherType": [(0, "None"), (1, "Ngan-PWat"), (2, "Ngan-RH"), (3, "Ngan-Dewpoint")],
    "TranspositionModelType": [(0, "Hay"), (1, "Perez")],
    "WeatherDataProvider": [
        (1, "NREL"),
        (2, "AWS Truepower"),
        (3, "WindLogics"),
        (4, "Meteonorm"),
        (5, "3TIER"),
        (6, "Clean Power Research"),
        (7, "GeoModel Solar"),
        (8, "GeoSUN Africa"),
        (9, "SoDa"),
        (10, "HelioClim"),
        (11, "Solar Resource Assessment"),
        (12, "EnergyPlus"),
        (13, "Other"),
        (14, "Customer"),
        (15, "Solar Prospector"),
        (16, "GlobalFED"),
        (17, "NSRDB"),
        (18, "WhiteBox Technologies"),
        (19, "SolarGIS"),
        (20, "NASA"),
        (21, "3TIER/Vaisala"),
        (22, "Solcast"),
    ],
    "WeatherDataType": [
        (0, "Synthetic Monthly"),
        (1, "Satellite"),
        (2, "Ground Corrected"),
        (3, "Measured"),
        (4, "TMY3"),
        (5, "TGY"),
        (6, "TMY"),
        (7, "PSM"),
        (8, "SUNY"),
        (9, "MTS2"),
        (10, "CZ2010"),
    ],
    "WeatherPLevel": [(0, "P50"), (1, "P90"), (2, "N/A"), (3, "P95"), (4, "P99"), (5, "P75")],
    "WeatherTimestampDefinitionEnum": [
        (0, "Undefined"),
        (1, "IntervalEnd"),
        (2, "IntervalBegin"),
        (3, "IntervalMiddle"),
    ],
}


def definitions(type_name: str | None) -> list[dict[str, Any]] | None:
    """All definitions, or the values of one type (the `?type=` form answers a flat list, as upstream does)."""
    if type_name is None:
        return [
            {"type": name, "values": [{"id": i, "name": label} for i, label in values]}
            for name, values in sorted(_DEFINITIONS.items(), key=lambda item: item[0].lower())
        ]
    for name, values in _DEFINITIONS.items():
        if name.lower() == type_name.lower():
            return [{"id": i, "name": label} for i, label in values]
    return None


def definition_name(type_name: str, value: int | None, default: str = "None") -> str:
    for i, label in _DEFINITIONS.get(type_name, []):
        if i == value:
            return label
    return default


# (name, ISO numeric, ISO alpha-3)
_COUNTRIES: list[tuple[str, int, str]] = [
    ("Argentina", 32, "ARG"),
    ("Australia", 36, "AUS"),
    ("Austria", 40, "AUT"),
    ("Belgium", 56, "BEL"),
    ("Brazil", 76, "BRA"),
    ("Bulgaria", 100, "BGR"),
    ("Canada", 124, "CAN"),
    ("Chile", 152, "CHL"),
    ("China", 156, "CHN"),
    ("Colombia", 170, "COL"),
    ("Czechia", 203, "CZE"),
    ("Denmark", 208, "DNK"),
    ("Egypt", 818, "EGY"),
    ("Finland", 246, "FIN"),
    ("France", 250, "FRA"),
    ("Germany", 276, "DEU"),
    ("Greece", 300, "GRC"),
    ("Hungary", 348, "HUN"),
    ("India", 356, "IND"),
    ("Indonesia", 360, "IDN"),
    ("Ireland", 372, "IRL"),
    ("Israel", 376, "ISR"),
    ("Italy", 380, "ITA"),
    ("Japan", 392, "JPN"),
    ("Jordan", 400, "JOR"),
    ("Kenya", 404, "KEN"),
    ("Korea, Republic of", 410, "KOR"),
    ("Malaysia", 458, "MYS"),
    ("Mexico", 484, "MEX"),
    ("Morocco", 504, "MAR"),
    ("Netherlands", 528, "NLD"),
    ("New Zealand", 554, "NZL"),
    ("Norway", 578, "NOR"),
    ("Oman", 512, "OMN"),
    ("Pakistan", 586, "PAK"),
    ("Peru", 604, "PER"),
    ("Philippines", 608, "PHL"),
    ("Poland", 616, "POL"),
    ("Portugal", 620, "PRT"),
    ("Romania", 642, "ROU"),
    ("Saudi Arabia", 682, "SAU"),
    ("South Africa", 710, "ZAF"),
    ("Spain", 724, "ESP"),
    ("Sweden", 752, "SWE"),
    ("Switzerland", 756, "CHE"),
    ("Thailand", 764, "THA"),
    ("Turkey", 792, "TUR"),
    ("Ukraine", 804, "UKR"),
    ("United Arab Emirates", 784, "ARE"),
    ("United Kingdom", 826, "GBR"),
    ("United States", 840, "USA"),
    ("Viet Nam", 704, "VNM"),
]


def countries() -> list[dict[str, Any]]:
    return [
        {"id": index, "name": name, "numeric": numeric, "alpha": alpha}
        for index, (name, numeric, alpha) in enumerate(_COUNTRIES, start=1)
    ]


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
