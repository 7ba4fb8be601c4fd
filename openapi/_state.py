"""What one normalization builds up as it goes, shared by the modules that each apply some rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import _naming as naming
from ._namer import Namer
from ._reference import RecordedExample, operations, recorded_examples
from ._schema import Schema

Operation = tuple[str, str, dict[str, Any]]  # method, path, operation object


@dataclass
class Merge:
    """The two documents, the names chosen so far, and the merged components being built."""

    live: dict[str, Any]
    ref: dict[str, Any]
    namer: Namer
    figures: Counter[str]
    notes: list[str] = field(default_factory=list)
    components: dict[str, Schema] = field(default_factory=dict)
    live_names: dict[str, str] = field(default_factory=dict)  # .NET name -> class name
    ref_resolution: dict[str, str] = field(default_factory=dict)  # reference schema name -> component name
    borrowed: set[str] = field(default_factory=set)  # components built from the reference (may be reconciled)
    examples: list[RecordedExample] = field(default_factory=list)
    ref_ops: dict[str, Operation] = field(default_factory=dict)  # match key -> operation
    live_ops: dict[str, Operation] = field(default_factory=dict)

    @classmethod
    def of(cls, live: dict[str, Any], reference: dict[str, Any], namer: Namer) -> Merge:
        return cls(
            live=live,
            ref=reference,
            namer=namer,
            figures=namer.figures,
            examples=recorded_examples(reference),
            ref_ops={naming.match_key(m, p): (m, p, op) for m, p, op in operations(reference)},
            live_ops={naming.match_key(m, p): (m, p, op) for m, p, op in operations(live)},
        )

    @property
    def live_schemas(self) -> dict[str, Schema]:
        """The live document's schemas, by .NET name."""
        return (self.live.get("components") or {}).get("schemas") or {}

    @property
    def ref_schemas(self) -> dict[str, Schema]:
        return (self.ref.get("components") or {}).get("schemas") or {}


__all__ = ["Merge", "Operation"]
