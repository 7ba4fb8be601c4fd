"""The boundary's decisions after each attempt, shared by the async and the sync client (which only
wait and send, so the two cannot drift apart): return the answer, raise a typed error, or retry at
a given time. Pure: no waiting, no sending; the 429 cool-down they consult is ``_gate.RateLimitGate``.
Every decision is logged at DEBUG with the attempt and the wait (docs/runtime.md, "Retries").
"""

from __future__ import annotations

import logging
import random
import warnings
from collections.abc import Callable
from typing import Any

import httpx
from attrs import define, frozen

from . import _time
from ._decode import loads as loads  # re-exported: bench/large_answers.py swaps it for json.loads
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    OutcomeUnknownError,
    OutcomeUnknownTimeoutError,
    PlantPredictError,
    RetryBudgetExceededError,
)
from ._gate import PendingClaim, RateLimitGate
from ._retry import (
    Attempts,
    RetryPolicy,
    Verdict,
    classify_error,
    classify_response,
    parse_retry_after,
    retry_delay,
    should_retry,
    within_budget,
)
from ._translate import looks_like_html, scrubbed, status_error, undecodable, unreadable_body

log = logging.getLogger("plantpredict_auth.http")


class PlantPredictWarning(UserWarning):
    """A non-blocking warning from the API (its ``X-Message`` header), e.g. a duplicate project name."""


@define
class ClientStats:
    """What the boundary did: attempts, retries and cool-downs."""

    requests: int = 0
    attempts: int = 0
    retries: int = 0
    rate_limited: int = 0
    cooldowns: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0


@frozen
class Next:
    """What to do after an attempt: return the response, raise ``error``, or retry at ``retry_at``."""

    response: httpx.Response | None = None
    error: Exception | None = None
    cause: BaseException | None = None
    retry_at: float | None = None


def _warn_x_message(response: httpx.Response) -> None:
    message = response.headers.get("x-message")
    if message:
        request = response.request
        warnings.warn(PlantPredictWarning(f"{request.method} {request.url.path}: {message}"), stacklevel=5)


def _guard_json(response: httpx.Response) -> None:
    """Make ``response.json()`` decode with ``_decode.loads`` (orjson) and raise
    ``APIResponseError`` for a body that is not JSON (truncated, empty, or text), so the generated
    parsers never raise ``JSONDecodeError`` at the caller."""
    original: Callable[..., Any] = response.json

    def json(**kwargs: Any) -> Any:
        try:
            if kwargs:  # a caller's own decoding options: httpx's json with them
                return original(**kwargs)
            return loads(response.content, response.headers.get("content-type", ""))
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise unreadable_body(response, f"its body is not valid JSON ({exc})") from exc

    response.json = json  # type: ignore[method-assign]  # the generated code calls response.json()


def _connection_error(request: httpx.Request, exc: httpx.RequestError, unknown: bool) -> APIConnectionError:
    method, path = request.method, request.url.path
    timed_out = isinstance(exc, httpx.TimeoutException)
    if unknown:
        unknown_kind = OutcomeUnknownTimeoutError if timed_out else OutcomeUnknownError
        return unknown_kind(
            f"{method} {path}: the request was sent but its answer was lost ({type(exc).__name__}); "
            "it may or may not have taken effect: look it up before sending it again",
            request_method=method,
            request_path=path,
        )
    kind = APITimeoutError if timed_out else APIConnectionError
    return kind(f"{method} {path}: {type(exc).__name__}: {exc}", request_method=method, request_path=path)


class Retries:
    """The retry and error decisions of one client."""

    def __init__(self, policy: RetryPolicy, stats: ClientStats, seed: int | None) -> None:
        self.policy = policy
        self.stats = stats
        self.rng = random.Random(seed)
        self.gate = RateLimitGate(policy, self.rng)

    def start_at(self, attempts: Attempts) -> float | PendingClaim | None:
        """When the next attempt may leave: after the cool-down, if one runs, and once it has ended,
        after the probe's answer unless this attempt is the probe (``attempts.probe``); or, while
        the probe is claimed from a shared store, once that claim is done."""
        wait, attempts.probe = self.gate.admit()
        return wait

    def abandoned(self, attempts: Attempts) -> None:
        """The attempt ended without an answer or a transport error (cancelled): if it was the
        probe, another request may probe now instead of after the probe's lease."""
        if attempts.probe:
            attempts.probe = False
            self.gate.on_probe_failed()

    def after_error(self, request: httpx.Request, exc: httpx.RequestError, attempts: Attempts) -> Next:
        method, path = request.method, request.url.path
        self.abandoned(attempts)  # no answer: if this was the probe, another request probes
        if not isinstance(exc, httpx.TransportError):  # a body that cannot be decoded, too many redirects
            if isinstance(exc, httpx.DecodingError):
                error: Exception = undecodable(request, exc)
            else:
                error = _connection_error(request, exc, unknown=False)
            return Next(error=error, cause=exc)
        verdict = classify_error(method, exc)
        spent = attempts.spend(verdict)
        if should_retry(self.policy, verdict, spent):
            wait = retry_delay(self.policy, spent, None, self.rng)
            log.debug("%s %s failed (%s), failure %d: retrying in %.2fs", method, path, type(exc).__name__, spent, wait)
            return self._retry(request, attempts, _time.now() + wait, lambda: self._lost(request, exc, verdict))
        return self._lost(request, exc, verdict)

    @staticmethod
    def _lost(request: httpx.Request, exc: httpx.RequestError, verdict: Verdict) -> Next:
        return Next(error=_connection_error(request, exc, verdict is Verdict.OUTCOME_UNKNOWN), cause=exc)

    def after_response(self, response: httpx.Response, attempts: Attempts, sent_at: float, streamed: bool) -> Next:
        """``response``'s body has been read unless it is a streamed success."""
        request = response.request
        method, path = request.method, request.url.path
        verdict = classify_response(self.policy, method, response.status_code)
        probe, attempts.probe = attempts.probe, False
        if verdict is Verdict.OK or (probe and verdict is not Verdict.RETRY_RATE_LIMITED):
            self.gate.on_success(probe=probe)  # any answer to the probe but a 429: the limit has lifted
        if verdict is Verdict.OK:
            if streamed:
                _warn_x_message(response)  # the caller reads the stream; nothing else to check yet
                return Next(response=response)
            return self._checked(response)
        retry_after = parse_retry_after(response.headers, _time.now())
        spent = attempts.spend(verdict) if verdict is not Verdict.FAIL else 0
        retrying = should_retry(self.policy, verdict, spent)
        if verdict is Verdict.RETRY_RATE_LIMITED:
            self.stats.rate_limited += 1
            # Even the last attempt's 429 starts a cool-down: the other requests must not pile on.
            until, started = self.gate.on_rate_limited(retry_after, sent_at, probe=probe)
            self.stats.cooldowns += int(started)
            log.debug(
                "%s %s answered 429 (%d of %d): %s a cool-down, %.2fs left%s",
                method,
                path,
                spent,
                self.policy.rate_limit_attempts,
                "starting" if started else "joining",
                until - _time.now(),
                "" if retrying else "; giving up",
            )
            if retrying:
                return self._retry(request, attempts, until, lambda: self._checked(response))
            return self._checked(response)
        if retrying:
            wait = retry_delay(self.policy, spent, retry_after, self.rng)
            log.debug(
                "%s %s answered %d, failure %d: retrying in %.2fs", method, path, response.status_code, spent, wait
            )
            return self._retry(request, attempts, _time.now() + wait, lambda: self._checked(response))
        log.debug("%s %s answered %d: not retrying", method, path, response.status_code)
        return self._checked(response)

    def _retry(self, request: httpx.Request, attempts: Attempts, retry_at: float, last: Callable[[], Next]) -> Next:
        """Retry at ``retry_at``, unless that is past the request's total time budget: then the
        budget's error, chained to the error the last attempt would have raised."""
        if within_budget(self.policy, attempts, retry_at):
            self.stats.retries += 1
            return Next(retry_at=retry_at)
        budget = self.policy.total_timeout
        assert budget is not None  # within_budget only refuses a finite budget
        final = last()
        cause = final.error
        if isinstance(cause, PlantPredictError) and isinstance(final.cause, httpx.HTTPError):
            cause.__cause__ = scrubbed(final.cause)
        method, path = request.method, request.url.path
        log.debug("%s %s: a retry would end past the %.0fs budget; giving up", method, path, budget)
        error = RetryBudgetExceededError(
            f"{method} {path}: not retried after {attempts.sent} attempts: the next attempt would start "
            f"{retry_at - attempts.started:.0f}s after the first, past the request's total time budget "
            f"(RetryPolicy.total_timeout={budget:g}s); the last attempt: {cause}",
            budget=budget,
            attempts=attempts.sent,
            request_method=method,
            request_path=path,
        )
        return Next(error=error, cause=cause)

    @staticmethod
    def _checked(response: httpx.Response) -> Next:
        """The one place an answer becomes a typed error (the body has been read by now)."""
        if response.status_code >= 400:
            return Next(error=status_error(response))
        if 200 <= response.status_code < 300 and looks_like_html(response):
            why = "it is an HTML page, not the API's JSON (a proxy, gateway or sign-in page?)"
            return Next(error=unreadable_body(response, why))
        _warn_x_message(response)
        _guard_json(response)
        return Next(response=response)


def raise_error(decision: Next) -> None:
    assert decision.error is not None
    if isinstance(decision.cause, httpx.HTTPError):
        # Chained to a copy without the request, whose headers hold the bearer token.
        raise decision.error from scrubbed(decision.cause)
    if decision.cause is not None:
        raise decision.error from decision.cause
    raise decision.error
