"""When to retry and how long to wait: small pure functions, for the API and the token endpoint alike.

The rules come from what PlantPredict and its token servers do (docs/upstream.md; the decisions
are drawn in docs/runtime.md, "Retries"):
- 429 (any method) means the request was not processed. PlantPredict sends no Retry-After and
  advises exponential backoff from 30 s; a Retry-After / retry-after-ms header is honoured if it
  ever appears (capped). Okta's token endpoint answers 429 with ``X-Rate-Limit-Reset``.
- Idempotent methods (GET, PUT, DELETE, HEAD, OPTIONS) may be retried after 408, 5xx or a transport
  failure, with short capped backoff and jitter.
- POST creates, and creates are not idempotent (no idempotency key): it is retried only when the
  request provably never left (connect error, connect or pool timeout) or after 429. A read timeout,
  a dropped connection or a 5xx raise instead, so the caller can look before creating again.
- Each kind of retry has its own budget: a 429 (not processed) never spends the attempts meant for
  failures, and a whole request, waits included, has a total time budget.

Hand-written rather than httpx-retries, stamina or tenacity: none of them distinguishes "never
left" from "outcome unknown" per method, and none shares one rate-limit cool-down between all the
requests of a client; the waits here are a few lines once those decisions are ours.
"""

from __future__ import annotations

import email.utils
import random
from enum import Enum

import httpx
from attrs import define, field, frozen

IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({408, 500, 502, 503, 504})
# Transport failures after which a request provably never reached the server.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Verdict(Enum):
    RETRY_RATE_LIMITED = "rate limited"
    RETRY_TRANSIENT = "transient failure"
    OUTCOME_UNKNOWN = "outcome unknown"
    FAIL = "fail"
    OK = "ok"


@frozen
class RetryPolicy:
    """How hard to try. The defaults suit services; ``RetryPolicy.batch()`` suits long batch jobs."""

    #: Attempts (first try included) for idempotent requests after 408, 5xx or transport failures.
    max_attempts: int = 3
    #: First backoff for those (doubles per attempt, capped, jittered).
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    #: Attempts (first try included) for any request answered 429; counted apart from the above.
    rate_limit_attempts: int = 6
    #: First wait after a 429 (PlantPredict's guidance: exponential from 30 s), doubling per
    #: consecutive cool-down, capped.
    rate_limit_initial: float = 30.0
    rate_limit_max: float = 300.0
    #: Upper bound on a server's Retry-After / retry-after-ms.
    retry_after_max: float = 300.0
    #: Fraction of each wait added at random, so clients do not return in step.
    jitter: float = 0.25
    retry_statuses: frozenset[int] = field(default=RETRY_STATUSES)
    #: Seconds one request may take, its waits and retries included, before a retry is refused
    #: (``RetryBudgetExceededError``); ``None`` for no limit. Each attempt is bounded by the
    #: client's timeouts besides.
    total_timeout: float | None = 1200.0

    @classmethod
    def batch(cls) -> RetryPolicy:
        """For unattended jobs of hundreds of requests: more patience, same safety for creates."""
        return cls(max_attempts=5, backoff_max=30.0, rate_limit_attempts=12, rate_limit_max=600.0, total_timeout=3600.0)

    @classmethod
    def none(cls) -> RetryPolicy:
        """Every failure is raised at once (for callers with their own retry loop)."""
        return cls(max_attempts=1, rate_limit_attempts=1)


@define
class Attempts:
    """What one request has spent so far: failures and 429s are counted apart."""

    started: float
    sent: int = 0
    failures: int = 0
    rate_limited: int = 0
    # Whether the attempt in flight is the one request let out after a cool-down (RateLimitGate.admit).
    probe: bool = False

    def spend(self, verdict: Verdict) -> int:
        """Count an unsuccessful attempt; the number of attempts of that kind so far."""
        if verdict is Verdict.RETRY_RATE_LIMITED:
            self.rate_limited += 1
            return self.rate_limited
        self.failures += 1
        return self.failures


def classify_response(policy: RetryPolicy, method: str, status: int) -> Verdict:
    if status < 400:
        return Verdict.OK
    if status == 429:
        return Verdict.RETRY_RATE_LIMITED
    if status in policy.retry_statuses and method.upper() in IDEMPOTENT_METHODS:
        return Verdict.RETRY_TRANSIENT
    return Verdict.FAIL


def never_sent(error: httpx.RequestError) -> bool:
    """The request provably did not reach the server (safe to send again, whatever its method)."""
    return isinstance(error, NEVER_SENT)


def classify_error(method: str, error: httpx.TransportError) -> Verdict:
    if never_sent(error) or method.upper() in IDEMPOTENT_METHODS:
        return Verdict.RETRY_TRANSIENT
    return Verdict.OUTCOME_UNKNOWN


def should_retry(policy: RetryPolicy, verdict: Verdict, spent: int) -> bool:
    """``spent``: attempts of this verdict's kind so far, the one that just failed included."""
    if verdict is Verdict.RETRY_RATE_LIMITED:
        return spent < policy.rate_limit_attempts
    if verdict is Verdict.RETRY_TRANSIENT:
        return spent < policy.max_attempts
    return False


def within_budget(policy: RetryPolicy, attempts: Attempts, retry_at: float) -> bool:
    """Whether a retry starting at ``retry_at`` still fits the request's total time budget."""
    return policy.total_timeout is None or retry_at - attempts.started <= policy.total_timeout


def parse_retry_after(headers: httpx.Headers, now: float) -> float | None:
    """Seconds to wait from ``retry-after-ms``, or ``Retry-After`` (seconds or an HTTP date)."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def parse_rate_limit_reset(headers: httpx.Headers, now: float) -> float | None:
    """Seconds until Okta's ``X-Rate-Limit-Reset`` (epoch seconds), else ``parse_retry_after``."""
    reset = headers.get("x-rate-limit-reset")
    if reset:
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            pass
    return parse_retry_after(headers, now)


def jittered(base: float, fraction: float, rng: random.Random, *, floor: float = 0.0) -> float:
    """``base`` plus a random share of it (at least up to ``floor`` seconds): clients that failed
    together must not come back together; ``floor`` spreads waits that are close to zero."""
    return base + rng.uniform(0.0, max(base * fraction, floor))


def backoff(initial: float, maximum: float, attempt: int) -> float:
    """Exponential backoff before jitter: ``initial`` doubled per attempt after the first, capped."""
    return min(maximum, initial * 2.0 ** max(0, attempt - 1))


def rate_limit_delay(policy: RetryPolicy, consecutive: int, retry_after: float | None, rng: random.Random) -> float:
    """The cool-down after a 429. ``consecutive`` counts cool-downs without a success between them."""
    if retry_after is not None:
        return jittered(min(retry_after, policy.retry_after_max), policy.jitter, rng)
    return jittered(backoff(policy.rate_limit_initial, policy.rate_limit_max, consecutive), policy.jitter, rng)


def retry_delay(policy: RetryPolicy, attempt: int, retry_after: float | None, rng: random.Random) -> float:
    """The wait before retrying after a transient failure of attempt number ``attempt``."""
    if retry_after is not None:
        return jittered(min(retry_after, policy.retry_after_max), policy.jitter, rng)
    return jittered(backoff(policy.backoff_initial, policy.backoff_max, attempt), policy.jitter, rng)
