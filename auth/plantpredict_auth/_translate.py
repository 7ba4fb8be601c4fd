"""Turning an HTTP answer into a typed error, once, at the client's boundary.

PlantPredict's errors are branched on Content-Type, not only on the status: 400 is ``{message,
modelState}`` JSON or plain text, a .NET 8 server may send ProblemDetails, 404 and 500 are plain
text, 401 and 429 are empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from ._errors import (
    BODY_EXCERPT,
    APIResponseError,
    APIStatusError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnauthorizedError,
)

_BY_STATUS: dict[int, type[APIStatusError]] = {
    401: UnauthorizedError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def _text(response: httpx.Response) -> str:
    try:
        return response.text
    except (UnicodeDecodeError, LookupError):
        return response.content.decode("utf-8", errors="replace")


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        return None
    try:
        data = json.loads(response.content)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _messages(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, Mapping) and "errors" in value:  # MVC 5: {"errors": [{"errorMessage": ...}]}
        return [str(e.get("errorMessage", e)) if isinstance(e, Mapping) else str(e) for e in value["errors"]]
    return [str(value)]


def model_state_of(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field -> messages from ``{message, modelState}`` or ProblemDetails' ``errors``."""
    for key in ("modelState", "ModelState", "errors"):
        state = data.get(key)
        if isinstance(state, Mapping):
            return {str(field): _messages(messages) for field, messages in state.items()}
    return {}


def _summary(data: Mapping[str, Any] | None, text: str) -> str:
    if data is not None:
        for key in ("message", "Message", "title", "detail", "error_description", "error"):
            if isinstance(data.get(key), str) and data[key].strip():
                return str(data[key]).strip()
    text = " ".join(text.split())
    return text[:200] + ("..." if len(text) > 200 else "")


def status_error(response: httpx.Response) -> APIStatusError:
    request = response.request
    method, path = request.method, request.url.path
    text = _text(response)
    data = _json_object(response)
    status = response.status_code
    reason = response.reason_phrase or "error"
    summary = _summary(data, text)
    message = f"{method} {path} -> {status} {reason}" + (f": {summary}" if summary else "")
    common: dict[str, Any] = {
        "status_code": status,
        "body": text,
        "request_method": method,
        "request_path": path,
        "headers": response.headers,
    }
    if status == 400:
        state = model_state_of(data) if data is not None else {}
        if state:
            details = "; ".join(f"{field or '(body)'}: {' '.join(msgs)}" for field, msgs in list(state.items())[:5])
            message += f" [{details}]"
        return BadRequestError(message, model_state=state, **common)
    if status >= 500:
        return ServerError(message, **common)
    return _BY_STATUS.get(status, APIStatusError)(message, **common)


def unreadable_body(response: httpx.Response, why: str) -> APIResponseError:
    request = response.request
    excerpt = _text(response)[:BODY_EXCERPT]
    return APIResponseError(
        f"{request.method} {request.url.path} -> {response.status_code}, but {why}",
        status_code=response.status_code,
        body=excerpt,
        request_method=request.method,
        request_path=request.url.path,
    )


def undecodable(request: httpx.Request, error: httpx.RequestError) -> APIResponseError:
    """An answer whose body httpx could not decode (a corrupt gzip stream, say)."""
    return APIResponseError(
        f"{request.method} {request.url.path}: the answer's body could not be decoded "
        f"({type(error).__name__}: {error})",
        status_code=0,
        body="",
        request_method=request.method,
        request_path=request.url.path,
    )


def scrubbed(error: httpx.HTTPError) -> httpx.HTTPError:
    """A copy of an httpx error without its request: the request holds the Authorization header (or,
    for a token request, the password and client secret in its body)."""
    return type(error)(str(error))


def response_error(response: httpx.Response, cause: Exception | None) -> Exception:
    """The generated client's ``response_error`` hook: an undocumented status (``cause`` None), or a
    documented answer whose body does not match its declared type."""
    if cause is not None:
        why = f"its body does not match the declared type ({type(cause).__name__}: {cause})"
        return unreadable_body(response, why)
    if 300 <= response.status_code < 400:
        target = httpx.URL(response.headers.get("location", ""))
        where = f"{target.scheme}://{target.host}" if target.host else "elsewhere"
        return unreadable_body(response, f"it redirects to {where} (a sign-in page or a gateway?)")
    return unreadable_body(response, "the API does not document this status for this operation")


def looks_like_html(response: httpx.Response) -> bool:
    content_type = response.headers.get("content-type", "").lower()
    if "text/html" in content_type:
        return True
    head = response.content[:64].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))
