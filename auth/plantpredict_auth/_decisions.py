"""The boundary's decisions after each attempt, shared by the async and the sync client (which only
wait and send, so the two cannot drift apart): return the answer, raise a typed error, or retry at
a given time. Pure: no waiting, no sending. The one call to the network, claiming the probe after a
shared cool-down from Redis, is made on a thread of its own (``RateLimitGate.admit`` hands out its
future to wait on), so an event loop never waits on Redis. Every decision is logged at DEBUG with
the attempt and the wait (docs/runtime.md, "Retries").
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeAlias

import httpx
from attrs import define, frozen

from . import _time
from ._cooldown import PROBE_LEASE, Cooldown, CooldownStore, ProbeClaim, ProbeStore
from ._decode import loads as loads  # re-exported: bench/large_answers.py swaps it for json.loads
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    OutcomeUnknownError,
    OutcomeUnknownTimeoutError,
    PlantPredictError,
    RetryBudgetExceededError,
)
from ._retry import (
    Attempts,
    RetryPolicy,
    Verdict,
    classify_error,
    classify_response,
    parse_retry_after,
    rate_limit_delay,
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


# While another request is the probe, how often the others look again (in memory, and at most this
# often in the shared store).
PROBE_POLL = 0.05

# A claim of the probe on its way to the shared store: wait for it (``.result()``, or
# ``asyncio.wrap_future``), then ask ``admit`` again.
PendingClaim: TypeAlias = "Future[ProbeClaim | Cooldown]"


def _claim_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="plantpredict-probe-claim")


# The claims of every client in the process go through one thread: they are rare (once a cool-down
# has ended, at most every PROBE_POLL per client), bounded (RedisCooldownStore's claims time out
# after 0.5 s), and an event loop must not wait on Redis.
_claims = _claim_thread()


def _after_fork_in_child() -> None:
    # A forked child has no thread behind the parent's executor, which would still count it as
    # idle and never start one: every claim would wait forever.
    global _claims
    _claims = _claim_thread()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _claim_probe(store: ProbeStore) -> ProbeClaim | Cooldown:
    """Claim the probe (on the claims' thread, at the time it is sent); a store that fails lets
    this process probe on its own, as ``RedisCooldownStore`` does when Redis cannot be reached."""
    try:
        return store.claim_probe(_time.now())
    except Exception as exc:  # a store's bug must not stop every request of the client
        failure = type(exc).__name__
        log.warning("shared 429 cool-down: claiming the probe failed (%s); this process probes on its own", failure)
        return ProbeClaim.WON


class RateLimitGate:
    """One cool-down shared by every request of a client: after a 429, requests already queued and
    new ones alike wait until it ends instead of piling on. Consecutive cool-downs (a 429 again
    soon after one ended, with no success between) double, up to the policy's cap.

    Only a request sent after the last cool-down ended can start a new one: a 429 for a request
    that was already on its way says nothing new, so the requests in flight when the limit hit
    share one cool-down however their answers are spread in time.

    When a cool-down ends, one request goes first (the probe, ``admit``) and the others wait for
    its answer: not a 429, and they all go; a 429, and the next cool-down starts having cost one
    429, not one per request that happened to leave before that answer came back.

    With a shared ``store`` (``RedisCooldownStore``, set by ``share_cooldown()``) the cool-down is
    one for every process using the store: one another process started is adopted here, and one
    started here is published; and the probe is one for all of them (``ProbeStore``)."""

    def __init__(self, policy: RetryPolicy, rng: random.Random, store: CooldownStore | None = None) -> None:
        self.policy = policy
        self.rng = rng
        self.until = 0.0
        self.consecutive = 0
        self.windows = 0
        self.store = store
        # A cool-down ended and no answer has shown the limit lifted yet: requests leave one probe at a time.
        self.probe_needed = False
        self._probe_lease = 0.0  # until then, one of this client's requests is (or is claiming) the probe
        self._next_claim = 0.0  # another process's probe is out: do not ask the store again before this
        self._claim: PendingClaim | None = None  # this client's claim, on its way to the store
        self._claim_sent = 0.0  # time.monotonic() when it was sent
        self._lock = threading.Lock()

    def _adopt(self, shared: Cooldown | None) -> None:
        """Take in a later cool-down (under ``self._lock``)."""
        if shared is not None and shared.ends > self.until:
            self.until = shared.ends
            self.consecutive = max(self.consecutive, shared.consecutive)
            self.probe_needed = True

    def _adopt_shared(self) -> None:
        """Take in a later cool-down from the shared store (under ``self._lock``)."""
        self._adopt(self.store.current() if self.store is not None else None)

    def on_rate_limited(self, retry_after: float | None, sent_at: float, *, probe: bool = False) -> tuple[float, bool]:
        """Start (or join) a cool-down; returns (its end, whether this call started it).
        ``probe``: the 429 answered this client's probe (``admit``), which is over."""
        with self._lock:
            self._adopt_shared()
            if probe:
                self._probe_lease = 0.0
            now = _time.now()
            if now < self.until or sent_at < self.until:
                joined = True
            else:
                joined = False
                self.consecutive += 1
                self.windows += 1
                self.until = now + rate_limit_delay(self.policy, self.consecutive, retry_after, self.rng)
                self.probe_needed = True
            until, consecutive = self.until, self.consecutive
        if self.store is not None and not joined:
            self.store.publish(Cooldown(until, consecutive))  # in Redis, it also frees the probe
        if probe and isinstance(self.store, ProbeStore):
            self.store.end_probe(cleared=False)
        return until, not joined

    def on_success(self, *, probe: bool = False) -> None:
        """An answer that is not a 429. ``probe``: it answered this client's probe, so the limit has
        lifted: every request may go (and, shared, every process)."""
        if probe:
            with self._lock:
                self._probe_lease = 0.0
                self.probe_needed = False
                self.consecutive = 0
            if isinstance(self.store, ProbeStore):
                self.store.end_probe(cleared=True)
        elif self.consecutive and _time.now() >= self.until:
            self.consecutive = 0

    def on_probe_failed(self) -> None:
        """The probe got no answer (a transport error): another request may probe."""
        with self._lock:
            self._probe_lease = 0.0
        if isinstance(self.store, ProbeStore):
            self.store.end_probe(cleared=False)

    def admit(self) -> tuple[float | PendingClaim | None, bool]:
        """May a request leave now? ``(None, probe)``: yes, and whether it is the probe whose
        answer the others wait for; ``(when, False)``: ask again at ``when``; ``(claim, False)``:
        the probe is being claimed from the shared store: ask again once ``claim`` is done."""
        release = False
        with self._lock:
            self._adopt_shared()
            now = _time.now()
            if self._claim is not None:
                if not self._claim.done():
                    return self._claim, False
                answer, release = self._take_claim()
                if answer is not None:
                    return self._after_claim(answer, now)
            if not release:
                return self._next_step(now)
        assert isinstance(self.store, ProbeStore)  # only a claim from one is released
        self.store.end_probe(cleared=False)  # free the key now, not after its lease (a no-op if not ours)
        return self.admit()

    def _next_step(self, now: float) -> tuple[float | PendingClaim | None, bool]:
        """``admit`` with no claim to take in (under ``self._lock``)."""
        if now < self.until:
            return self.until + self.spread(), False
        if not self.probe_needed:
            return None, False
        if now < self._probe_lease or now < self._next_claim:
            return now + PROBE_POLL, False
        self._probe_lease = now + PROBE_LEASE  # held while the store is asked, so one asks
        store = self.store
        if isinstance(store, ProbeStore):
            try:
                self._claim = _claims.submit(_claim_probe, store)
            except RuntimeError:  # the interpreter is exiting: no thread to claim from, probe alone
                pass
            else:
                self._claim_sent = time.monotonic()
                return self._claim, False
        log.debug("cool-down over: this request is the probe, the others wait for its answer")
        return None, True

    def _take_claim(self) -> tuple[ProbeClaim | Cooldown | None, bool]:
        """This client's finished claim, taken in (under ``self._lock``): its answer, or ``None``
        if it no longer counts; and whether a probe it won must be given back to the store."""
        claim, self._claim = self._claim, None
        assert claim is not None
        answer = None if claim.cancelled() else claim.result()
        # A cool-down that started since (its end is what counts now), or a claim nobody took in
        # before its lease in the store ran out (counted in real time, as Redis counts it).
        stale = self.until > _time.now() or time.monotonic() - self._claim_sent >= PROBE_LEASE
        if answer is None or stale:
            self._probe_lease = 0.0  # the next request claims again
            return None, stale and answer is ProbeClaim.WON
        return answer, False

    def claim_abandoned(self, claim: PendingClaim) -> None:
        """A request stopped waiting for ``claim`` (cancelled). If no request has taken it in by
        the time it is answered, give a won probe back at once rather than hold every process
        sharing the store until its lease ends. Another request still waiting then claims again."""

        def release(done: PendingClaim) -> None:
            with self._lock:
                if self._claim is not done:
                    return
                answer, given_back = self._take_claim()
                self._probe_lease = 0.0
            if (given_back or answer is ProbeClaim.WON) and isinstance(self.store, ProbeStore):
                self.store.end_probe(cleared=False)

        claim.add_done_callback(release)

    def _after_claim(self, claim: ProbeClaim | Cooldown, now: float) -> tuple[float | None, bool]:
        """Act on the store's answer to this client's claim (under ``self._lock``)."""
        if claim is ProbeClaim.WON:
            log.debug("cool-down over: this request is the probe, the others wait for its answer")
            return None, True
        self._probe_lease = 0.0
        if claim is ProbeClaim.CLEAR:  # another process's probe succeeded
            self.probe_needed = False
            self.consecutive = 0
            return None, False
        if isinstance(claim, Cooldown):  # one started elsewhere, not yet heard through pub/sub
            self._adopt(claim)
            return self.until + self.spread(), False
        self._next_claim = now + PROBE_POLL  # BUSY: another process's probe is out
        return self._next_claim, False

    def remaining(self) -> float:
        if self.store is not None:
            with self._lock:
                self._adopt_shared()
        return max(0.0, self.until - _time.now())

    def spread(self) -> float:
        """A small random delay after a cool-down, so the queued requests do not all leave at once."""
        return self.rng.uniform(0.0, 1.0)


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
