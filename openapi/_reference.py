"""Reading the reference document: its recorded example responses and its inline enums."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class RecordedExample:
    """A response the reference document recorded from the real API (an ``application/json``
    example of a 2xx response)."""

    method: str
    path: str
    status: int
    name: str
    value: Any

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path} {self.status} {self.name}"


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in (document.get("paths") or {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield method, path, operation


def recorded_examples(reference: dict[str, Any]) -> list[RecordedExample]:
    """Every ``application/json`` example of a 2xx response, in document order.

    The reference marks these as recorded responses (its Postman captures); both the named
    ``examples`` and the single ``example`` form count.
    """
    found: list[RecordedExample] = []
    for method, path, operation in operations(reference):
        for status, response in (operation.get("responses") or {}).items():
            if not str(status).isdigit() or not 200 <= int(status) < 300:
                continue
            media = ((response or {}).get("content") or {}).get("application/json")
            if not media:
                continue
            if "example" in media:
                found.append(RecordedExample(method, path, int(status), "example", media["example"]))
            for name, example in (media.get("examples") or {}).items():
                if isinstance(example, dict) and "value" in example:
                    found.append(RecordedExample(method, path, int(status), name, example["value"]))
    return found
