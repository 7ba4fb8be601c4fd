"""The build step: fetch PlantPredict's OpenAPI documents, verify them against the lock, normalize
them, and regenerate ``plantpredict_client/`` (run it through ``make spec|generate|api-diff``)."""

from ._documents import SourceError
from ._namer import NameLock, Overrides
from ._normalize import Result, normalize
from ._reference import RecordedExample, recorded_examples
from ._schema import NormalizationError
from ._surface import diff, report, surface

__all__ = [
    "NameLock",
    "NormalizationError",
    "Overrides",
    "RecordedExample",
    "Result",
    "SourceError",
    "diff",
    "normalize",
    "recorded_examples",
    "report",
    "surface",
]
