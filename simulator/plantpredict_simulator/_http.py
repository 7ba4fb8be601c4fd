"""PlantPredict's answer shapes (400 ModelState or text, 401 empty, 404 text) and request helpers for the routes."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def json_response(value: Any, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(dumps(value), status_code=status_code, headers=headers, media_type=JSON_TYPE)


def raw_json_response(body: bytes, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body, headers=headers, media_type=JSON_TYPE)


def text_response(text: str, status_code: int) -> Response:
    return Response(text, status_code=status_code, media_type=TEXT_TYPE)


def empty_response(status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    # No media type: Starlette then sends no Content-Type, as the real API does for 200/401/429 without body.
    return Response(b"", status_code=status_code, headers=headers)


def unauthorized() -> Response:
    return empty_response(401, {"WWW-Authenticate": "Bearer"})


def not_found(what: str) -> Response:
    return text_response(f"{what} not found.", 404)


def model_state(errors: Mapping[str, list[str]]) -> Response:
    """ASP.NET Web API's invalid-ModelState answer."""
    return json_response({"message": "The request is invalid.", "modelState": dict(errors)}, 400)


class BadRequest(Exception):
    """Raised by handlers; turned into a 400 ModelState (dict) or a 400 text/plain (str)."""

    def __init__(self, errors: Mapping[str, list[str]] | str) -> None:
        super().__init__(errors if isinstance(errors, str) else "; ".join(errors))
        self.errors = errors

    def response(self) -> Response:
        if isinstance(self.errors, str):
            return text_response(self.errors, 400)
        return model_state(self.errors)


class NotFound(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def query(request: Request, name: str) -> str | None:
    """ASP.NET binds query parameters case-insensitively (the SDK sends `latitude`, the docs say `Latitude`)."""
    wanted = name.lower()
    for key, value in request.query_params.multi_items():
        if key.lower() == wanted:
            return value
    return None


def query_float(request: Request, name: str, *, required: bool = False) -> float | None:
    raw = query(request, name)
    if raw is None or raw == "":
        if required:
            raise BadRequest({name: [f"The {name} field is required."]})
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest({name: [f"The value '{raw}' is not valid for {name}."]}) from None
    if not math.isfinite(value):
        raise BadRequest({name: [f"The value '{raw}' is not valid for {name}."]})
    return value


def require_float(request: Request, name: str) -> float:
    value = query_float(request, name, required=True)
    assert value is not None  # query_float raised otherwise
    return value


def query_int(request: Request, name: str) -> int | None:
    raw = query(request, name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadRequest({name: [f"The value '{raw}' is not valid for {name}."]}) from None


def query_bool(request: Request, name: str) -> bool | None:
    raw = query(request, name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise BadRequest({name: [f"The value '{raw}' is not valid for {name}."]})


async def json_body(request: Request, parameter: str, *, required: bool = True) -> Any:
    """The request body as JSON; errors are keyed by the action's parameter name, as ModelState is."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise BadRequest({parameter: [f"The {parameter} field is required."]})
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest({parameter: [f"Unexpected character encountered while parsing value: {exc}"]}) from None
