"""Reading an upstream document from a URL or a file, and refusing what is not an OpenAPI 3 document."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

FETCH_TIMEOUT = httpx.Timeout(60.0, connect=15.0)


class SourceError(Exception):
    """A document could not be fetched or is not an OpenAPI 3 document (one clear line)."""


@dataclass(frozen=True)
class Document:
    label: str  # "primary" or "reference"
    source: str
    raw: bytes
    parsed: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def size(self) -> int:
        return len(self.raw)


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def fetch(source: str, label: str) -> bytes:
    if is_url(source):
        try:
            response = httpx.get(source, timeout=FETCH_TIMEOUT, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise SourceError(f"could not download the {label} document from {source}: {exc!r}") from exc
        if response.status_code != 200:
            raise SourceError(f"could not download the {label} document from {source}: HTTP {response.status_code}")
        return response.content
    path = Path(source)
    if not path.is_file():
        raise SourceError(f"the {label} document {source} does not exist (set SPEC_SOURCE / REFERENCE_SOURCE)")
    return path.read_bytes()


def parse(raw: bytes, label: str, source: str) -> dict[str, Any]:
    """JSON or YAML into a dict, or a one-line reason why not."""
    if not raw.strip():
        raise SourceError(f"the {label} document from {source} is empty")
    text = raw.decode("utf-8-sig", errors="replace").lstrip()
    head = text[:200].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")) or "<html" in head:
        raise SourceError(f"the {label} document from {source} is an HTML page, not an OpenAPI document")
    try:
        if text.startswith(("{", "[")):
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except json.JSONDecodeError as exc:
        raise SourceError(f"the {label} document from {source} is not valid JSON: {exc}") from exc
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())
        raise SourceError(f"the {label} document from {source} is neither JSON nor valid YAML: {reason}") from exc
    return check_openapi3(data, label, source)


def check_openapi3(data: Any, label: str, source: str | None = None) -> dict[str, Any]:
    """``data`` itself, if it is an OpenAPI 3 document with paths; else ``SourceError`` saying why.

    The one check for both the fetched documents and documents handed to ``normalize()``.
    """
    subject = f"the {label} document" + (f" from {source}" if source else "")
    if not isinstance(data, dict):
        raise SourceError(f"{subject} is not an object (got {type(data).__name__})")
    if "swagger" in data:
        raise SourceError(
            f"{subject} is Swagger {data.get('swagger')}, not OpenAPI 3: "
            "point the source at the OpenAPI 3 document, or convert it first (swagger2openapi)"
        )
    if not str(data.get("openapi", "")).startswith("3."):
        raise SourceError(f"{subject} has no 'openapi: 3.x' field; it is not an OpenAPI 3 document")
    if not isinstance(data.get("paths"), dict) or not data["paths"]:
        raise SourceError(f"{subject} has no paths")
    return data


def load(source: str, label: str) -> Document:
    raw = fetch(source, label)
    return Document(label=label, source=source, raw=raw, parsed=parse(raw, label, source))
