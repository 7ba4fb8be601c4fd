"""The build step: fetch PlantPredict's OpenAPI documents, verify them against the lock, normalize
them, and regenerate ``plantpredict_client/`` (run it through ``make spec|generate|api-diff``)."""

from ._normalize import NameLock, NormalizationError, Overrides, normalize
from ._reference import RecordedExample, recorded_examples
from ._surface import diff, report, surface

__all__ = [
    "NameLock",
    "NormalizationError",
    "Overrides",
    "RecordedExample",
    "diff",
    "normalize",
    "recorded_examples",
    "report",
    "surface",
]
