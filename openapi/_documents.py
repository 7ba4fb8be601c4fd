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


@dataclass(frozen=True)
class Upstream:
    """Where one of the two documents is published, and what to do if it moves."""

    url: str  # the canonical address: the default source, recorded in the lock
    setting: str  # the environment variable (and make variable) that overrides the source
    if_moved: str


UPSTREAM = {
    "primary": Upstream(
        "https://api.plantpredict.com/swagger/docs/current",
        "SPEC_SOURCE",
        "the API serves its Swagger document at /swagger/docs/current, and today's deployment is also reachable "
        "as https://api.plantpredict.terabase.energy",
    ),
    "reference": Upstream(
        "https://docs.plantpredict.com/api-docs/api-reference/plantpredict-api.yaml",
        "REFERENCE_SOURCE",
        "the index of https://docs.plantpredict.com names the OpenAPI file behind its API reference",
    ),
}


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

    @property
    def origin(self) -> str:
        """Where the bytes came from: the URL, or an offline copy (the folder is this machine's)."""
        return self.source if is_url(self.source) else f"offline copy ({Path(self.source).name})"


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _if_moved(label: str) -> str:
    upstream = UPSTREAM[label]
    return f"; if the document has moved, set {upstream.setting} to its new address ({upstream.if_moved})"


def fetch(source: str, label: str) -> bytes:
    if is_url(source):
        try:
            response = httpx.get(source, timeout=FETCH_TIMEOUT, follow_redirects=True)
        except httpx.HTTPError as exc:
            reason = f"could not download the {label} document from {source}: {exc!r}"
            offline = "; without a network, SOURCES=mirror (make) reads the offline mirrors"
            raise SourceError(reason + (offline if isinstance(exc, httpx.TransportError) else "")) from exc
        if response.status_code != 200:
            reason = f"could not download the {label} document from {source}: HTTP {response.status_code}"
            raise SourceError(reason + _if_moved(label))
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
        reason = f"the {label} document from {source} is an HTML page, not an OpenAPI document"
        raise SourceError(reason + (_if_moved(label) if is_url(source) else ""))
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
