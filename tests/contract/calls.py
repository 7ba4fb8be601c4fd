"""Calling every generated operation of a document through Prism, and sorting what happened.

A call is ``rejected`` when Prism's request validation refuses it: an ``sl-violations`` header with
an error about the request, or a problem of Prism's own (422 for an invalid request where the
document has no answer for it; 404, 405 or 406 for a path, method or ``Accept`` it does not serve).
It is ``unparsed`` when a 2xx answer does not parse, ``parsed`` when it does, ``refused`` when the
client's own check stops it before sending, and ``other`` for anything else (named in the outcome).
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from plantpredict_auth._connect import DEFAULT_HEADERS
from plantpredict_client import Client, errors
from tests.contract.arguments import Arguments

#: Prism checks that a security scheme is used, not the token.
AUTHORIZATION = {"Authorization": "Bearer contract-test"}
CONCURRENCY = 8


@dataclass
class Outcome:
    kinds: Counter[str] = field(default_factory=Counter)
    details: dict[str, str] = field(default_factory=dict)  # operation -> what happened, unless parsed
    statuses: dict[str, int] = field(default_factory=dict)  # operation -> HTTP status (0: none)
    prism_output: str = ""  # Prism's last lines, for failure messages

    @property
    def called(self) -> int:
        return len(self.statuses)

    def of(self, kind: str) -> list[str]:
        return sorted(name for name, detail in self.details.items() if detail.startswith(kind + ":"))

    def report(self, *kinds: str) -> str:
        """The operations of ``kinds`` with what happened, and Prism's last lines."""
        lines = [f"{name}: {self.details[name]}" for kind in kinds for name in self.of(kind)]
        return "\n".join([*lines, "Prism's last lines:", self.prism_output])


def request_violations(headers: Any) -> list[dict[str, Any]]:
    raw = headers.get("sl-violations")
    if not raw:
        return []
    violations: list[dict[str, Any]] = json.loads(raw)
    return [v for v in violations if v.get("location", [""])[0] == "request" and v.get("severity") == "Error"]


def _prism_refusal(status: int, content: bytes) -> str | None:
    if not 400 <= status < 500 or not content.startswith(b"{"):
        return None
    problem = json.loads(content)
    if "stoplight.io/prism/errors" not in str(problem.get("type", "")):
        return None
    found = [v for v in problem.get("validation") or [] if v.get("severity") == "Error"]
    return "; ".join([str(problem.get("title")), *(_violation(v) for v in found)])


def _violation(violation: dict[str, Any]) -> str:
    return f"{'.'.join(map(str, violation['location'][1:]))}: {violation['message']}"


def client_for(url: str) -> Client:
    # The headers connect() sets client-wide (Accept: application/json), so a per-operation Accept
    # must win over them, as it does with the runtime.
    # No keep-alive: Prism closes an idle connection after 5 s, and a slow dynamic answer on another
    # connection is enough for a pooled one to go stale between two calls.
    return Client(
        base_url=url,
        headers={**DEFAULT_HEADERS, **AUTHORIZATION},
        raise_on_unexpected_status=False,
        httpx_args={"limits": httpx.Limits(max_keepalive_connections=0)},
    )


async def call(
    module_name: str, client: Client, builder: Arguments, *, only_signature: bool = False
) -> tuple[str, str, int]:
    """(kind, detail, status) of one call with the arguments the operation's signature requires."""
    module = importlib.import_module(module_name)
    arguments = builder.call(module, only_signature=only_signature)
    try:
        response = await module.asyncio_detailed(client=client, **arguments)
    except errors.MissingRequiredFields as exc:
        return "refused", str(exc), 0
    except errors.UnexpectedBody as exc:
        return "unparsed", str(exc)[:300], exc.status_code
    except httpx.TransportError as exc:  # Prism closed the connection: its output says why
        return "other", f"{type(exc).__name__}: {exc}", 0
    status = int(response.status_code)
    violations = request_violations(response.headers)
    if violations:
        messages = "; ".join(_violation(v) for v in violations)
        return "rejected", messages[:500], status
    refusal = _prism_refusal(status, response.content)
    if refusal:
        return "rejected", refusal, status
    if 200 <= status < 300:
        return "parsed", "", status
    return "other", f"status {status}: {response.content[:200]!r}", status


async def call_all(url: str, modules: dict[str, str], builder: Arguments, *, only_signature: bool = False) -> Outcome:
    outcome = Outcome()
    limit = asyncio.Semaphore(CONCURRENCY)
    client = client_for(url)

    async def one(name: str, module_name: str) -> None:
        async with limit:
            kind, detail, status = await call(module_name, client, builder, only_signature=only_signature)
        outcome.kinds[kind] += 1
        outcome.statuses[name] = status
        if kind != "parsed":
            outcome.details[name] = f"{kind}: {detail}"

    async with client:
        await asyncio.gather(*(one(name, module) for name, module in sorted(modules.items())))
    return outcome


__all__ = ["AUTHORIZATION", "Outcome", "call", "call_all", "client_for", "request_violations"]
