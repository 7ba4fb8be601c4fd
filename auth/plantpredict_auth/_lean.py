"""Two trims of httpx's own per-request work, for the clients ``connect()`` builds.

With the transport no longer the bottleneck (``_transport.py``), httpx's client layer is most of
the CPU a request costs, and at a few hundred requests in flight CPU is what limits throughput.
Profiled (docs/runtime.md, "The transport"), two of its costs buy nothing for a bearer-token JSON
API and are cut here, keeping httpx's behaviour:

- cookie extraction builds ``urllib`` request and response adapters and runs the standard
  library's cookie jar over every answer, about a quarter of httpx's per-request time; here it only
  runs when the answer carries ``Set-Cookie`` (PlantPredict's never do; if one did, it is kept);
- merging a relative URL with ``base_url`` parses three URLs (the path, the base, the copy), each
  validating the host again (an IP address through the ``ipaddress`` module); the generated code's
  paths are plain (``/Project/12/Prediction/3``: unreserved characters, no dot segments), which
  httpx would neither quote nor normalise, so they are joined to the already-parsed base directly.
  Any other path, and any base with a query, goes through httpx. An empty ``params`` mapping (what
  the generated code passes when no parameter is set) no longer costs a fourth parse.

The URL trim reaches into httpx's private URL representation (``URL._uri_reference``, a
``ParseResult``) and overrides a private method of its ``BaseClient`` (``_merge_url``), so httpx is
pinned below its next minor version in pyproject.toml, and ``tests/runtime/test_lean.py`` checks the
URLs built here against httpx's own, for plain and tricky paths alike.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

__all__ = ["LeanRequests"]


class _SetCookieAware(httpx.Cookies):
    """httpx's cookies, read from an answer only when it sets one."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


#: Characters httpx leaves as they are in a path (unreserved ones, and the separator).
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")


def _joined(base: httpx.URL, path: str) -> httpx.URL | None:
    """``base`` with ``path`` appended, as httpx would build it, or None when httpx must decide."""
    if not _PLAIN_PATH.fullmatch(path) or path.startswith("//"):
        return None
    segments = path.split("/")
    if "." in segments or ".." in segments:
        return None  # httpx normalises dot segments
    reference = base._uri_reference
    if reference.query is not None or reference.fragment is not None:
        return None
    url = httpx.URL.__new__(httpx.URL)
    url._uri_reference = reference._replace(path=reference.path.rstrip("/") + path)
    return url


class LeanRequests:
    """Mixin for ``httpx.Client`` / ``httpx.AsyncClient``: place it first among the bases."""

    base_url: httpx.URL
    params: httpx.QueryParams
    _cookies: httpx.Cookies

    def _lean_setup(self) -> None:
        """Call at the end of ``__init__``."""
        self._cookies = _SetCookieAware(self._cookies)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._cookies = _SetCookieAware(cookies)

    def _merge_url(self, url: httpx.URL | str) -> httpx.URL:
        if isinstance(url, str) and self.base_url.host:
            joined = _joined(self.base_url, url)
            if joined is not None:
                return joined
        merged: httpx.URL = super()._merge_url(url)  # type: ignore[misc]  # httpx.BaseClient, after this mixin
        return merged

    def build_request(self, method: str, url: httpx.URL | str, *, params: Any = None, **kwargs: Any) -> httpx.Request:
        # httpx treats ``params={}`` as "replace the query with nothing", which costs a parse even
        # when there is no query: skip it exactly when it would change nothing.
        plain = isinstance(url, str) and "?" not in url and not self.base_url.query
        if params is not None and not params and not self.params and plain:
            params = None
        request: httpx.Request = super().build_request(method, url, params=params, **kwargs)  # type: ignore[misc]
        return request
