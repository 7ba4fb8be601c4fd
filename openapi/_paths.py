"""Where the build step reads and writes, relative to the repository root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._generate import PACKAGE


class BuildError(Exception):
    """A step of the routine cannot go on (the message says what to do)."""


@dataclass
class Paths:
    root: Path

    @property
    def package(self) -> Path:
        return self.root / PACKAGE

    @property
    def lock(self) -> Path:
        return self.root / "openapi" / "spec.lock.json"

    @property
    def surface(self) -> Path:
        return self.root / "openapi" / "api-surface.json"

    @property
    def names(self) -> Path:
        return self.root / "openapi" / "names.yml"

    @property
    def templates(self) -> Path:
        return self.root / "openapi" / "templates"

    @property
    def config(self) -> Path:
        return self.root / "generator-config.yml"

    @property
    def changelog(self) -> Path:
        return self.root / "CHANGELOG.md"


__all__ = ["BuildError", "Paths"]
