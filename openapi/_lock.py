"""``openapi/spec.lock.json``: which upstream documents the committed client was generated from.

Its fields are described in docs/build-step.md#the-lock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._documents import UPSTREAM, Document
from ._namer import NameLock

LOCK_VERSION = 2


class LockMismatch(Exception):
    """The fetched documents (or the installed generator) are not the locked ones."""


@dataclass
class SourceLock:
    url: str  # the canonical address of the document
    fetched_from: str  # that address, another one, or "offline copy (<file name>)"
    sha256: str
    size: int
    accepted_at: str  # when these bytes were first accepted

    @classmethod
    def of(cls, document: Document, previous: SourceLock | None = None) -> SourceLock:
        """The entry for ``document``. When the previous entry locks the same bytes, it keeps their
        ``fetched_from`` and ``accepted_at``, so accepting the same documents twice leaves the lock
        untouched; the address is always the canonical one the build step knows."""
        url = UPSTREAM[document.label].url
        if previous is not None and (previous.sha256, previous.size) == (document.sha256, document.size):
            return cls(url, previous.fetched_from, previous.sha256, previous.size, previous.accepted_at)
        return cls(
            url=url,
            fetched_from=document.origin,
            sha256=document.sha256,
            size=document.size,
            accepted_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "fetched_from": self.fetched_from,
            "sha256": self.sha256,
            "size": self.size,
            "accepted_at": self.accepted_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceLock:
        return cls(data["url"], data["fetched_from"], data["sha256"], int(data["size"]), data["accepted_at"])


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
            "sources": {label: s.to_json() for label, s in sorted(self.sources.items())},
            "names": self.names.to_json(),
        }

    def package_sources(self) -> dict[str, dict[str, Any]]:
        """What the generated package records of its sources: only what does not depend on where
        they were fetched from, so a regeneration offline and one online give the same package."""
        return {label: {"url": s.url, "sha256": s.sha256, "size": s.size} for label, s in sorted(self.sources.items())}

    def text(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.text(), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> Lock | None:
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("lock_version") != LOCK_VERSION:
            raise LockMismatch(
                f"{path.name} has lock_version {data.get('lock_version')}; this build step reads {LOCK_VERSION}: "
                "rewrite it with `make spec UPDATE=1`"
            )
        return cls(
            generator=data["generator"]["name"],
            generator_version=data["generator"]["version"],
            sources={label: SourceLock.from_json(s) for label, s in data["sources"].items()},
            names=NameLock.from_json(data.get("names")),
        )

    def matches(self, documents: list[Document], generator_version: str) -> bool:
        return not self.problems(documents, generator_version)

    def problems(self, documents: list[Document], generator_version: str) -> list[str]:
        problems: list[str] = []
        for document in documents:
            locked = self.sources.get(document.label)
            if locked is None:
                problems.append(f"the lock has no entry for the {document.label} document")
                continue
            if locked.sha256 != document.sha256 or locked.size != document.size:
                problems.append(
                    f"the {document.label} document changed: sha256 {locked.sha256[:12]}... ({locked.size:,} bytes, "
                    f"accepted {locked.accepted_at} from {locked.fetched_from}) -> {document.sha256[:12]}... "
                    f"({document.size:,} bytes from {document.source})"
                )
        if generator_version != self.generator_version:
            problems.append(
                f"openapi-python-client {generator_version} is installed; "
                f"the lock was made with {self.generator_version}"
            )
        return problems

    def verify(self, documents: list[Document], generator_version: str) -> None:
        """Raise ``LockMismatch`` naming every difference and how to accept it."""
        problems = self.problems(documents, generator_version)
        if problems:
            raise LockMismatch(
                "; ".join(problems) + ". Read `make api-diff` first, then accept with `make regenerate ACCEPT=1`"
                " (or `make spec UPDATE=1` and `make generate`)"
            )
