"""``openapi/spec.lock.json``: which upstream documents the committed client was generated from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._documents import Document
from ._namer import NameLock

LOCK_VERSION = 1


class LockMismatch(Exception):
    """The fetched documents (or the installed generator) are not the locked ones."""


@dataclass
class SourceLock:
    source: str
    sha256: str
    size: int
    fetched_at: str

    @classmethod
    def of(cls, document: Document) -> SourceLock:
        return cls(document.source, document.sha256, document.size, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


@dataclass
class Lock:
    generator: str
    generator_version: str
    sources: dict[str, SourceLock]
    names: NameLock = field(default_factory=NameLock)

    def to_json(self) -> dict[str, Any]:
        return {
            "lock_version": LOCK_VERSION,
            "generator": {"name": self.generator, "version": self.generator_version},
            "sources": {
                label: {"source": s.source, "sha256": s.sha256, "size": s.size, "fetched_at": s.fetched_at}
                for label, s in sorted(self.sources.items())
            },
            "names": self.names.to_json(),
        }

    def write(self, path: Path) -> None:
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> Lock | None:
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            generator=data["generator"]["name"],
            generator_version=data["generator"]["version"],
            sources={
                label: SourceLock(s["source"], s["sha256"], int(s["size"]), s["fetched_at"])
                for label, s in data["sources"].items()
            },
            names=NameLock.from_json(data.get("names")),
        )

    def verify(self, documents: list[Document], generator_version: str) -> None:
        """Raise ``LockMismatch`` naming every difference and how to accept it."""
        problems: list[str] = []
        for document in documents:
            locked = self.sources.get(document.label)
            if locked is None:
                problems.append(f"the lock has no entry for the {document.label} document")
                continue
            if locked.sha256 != document.sha256 or locked.size != document.size:
                problems.append(
                    f"the {document.label} document changed: sha256 {locked.sha256[:12]}... ({locked.size:,} bytes, "
                    f"fetched {locked.fetched_at} from {locked.source}) -> {document.sha256[:12]}... "
                    f"({document.size:,} bytes from {document.source})"
                )
        if generator_version != self.generator_version:
            problems.append(
                f"openapi-python-client {generator_version} is installed; "
                f"the lock was made with {self.generator_version}"
            )
        if problems:
            raise LockMismatch(
                "; ".join(problems) + ". Read `make api-diff` first, then accept with `make spec UPDATE=1`"
                " and regenerate with `make generate`"
            )
