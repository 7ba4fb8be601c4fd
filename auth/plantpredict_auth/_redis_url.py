"""What may be shown of a Redis URL: its host and port, never its password (redis://:secret@host)."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["redis_location", "shown_url"]


def shown_url(url: str) -> str:
    """``host=..., port=...`` for a repr."""
    parts = urlsplit(url)
    return f"host={parts.hostname!r}, port={parts.port!r}"


def redis_location(url: str) -> str:
    """``Redis at host:port`` for messages."""
    parts = urlsplit(url)
    return f"Redis at {parts.hostname}:{parts.port or 6379}"
