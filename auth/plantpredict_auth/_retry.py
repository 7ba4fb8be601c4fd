"""When to retry an API request and how long to wait: small pure functions over one policy.

The rules come from what PlantPredict does (../shared/UPSTREAM.md):
- 429 (any method) means the request was not processed. PlantPredict sends no Retry-After and
  advises exponential backoff from 30 s; a Retry-After / retry-after-ms header is honoured if it
  ever appears (capped).
- Idempotent methods (GET, PUT, DELETE, HEAD, OPTIONS) may be retried after 408, 5xx or a transport
  failure, with short capped backoff and jitter.
- POST creates, and creates are not idempotent (no idempotency key): it is retried only when the
  request provably never left (connect error, connect or pool timeout) or after 429. A read timeout,
  a dropped connection or a 5xx raise instead, so the caller can look before creating again.

Hand-written rather than httpx-retries, stamina or tenacity: none of them distinguishes "never
left" from "outcome unknown" per method, and none shares one rate-limit cool-down between all the
requests of a client; the waits here are a few lines once those decisions are ours.
"""

from __future__ import annotations

import email.utils
import random
from enum import Enum

import httpx
from attrs import field, frozen

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
    #: Attempts (first try included) for any request answered 429.
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

    @classmethod
    def batch(cls) -> RetryPolicy:
        """For unattended jobs of hundreds of requests: more patience, same safety for creates."""
        return cls(max_attempts=5, backoff_max=30.0, rate_limit_attempts=12, rate_limit_max=600.0)

    @classmethod
    def none(cls) -> RetryPolicy:
        """Every failure is raised at once (for callers with their own retry loop)."""
        return cls(max_attempts=1, rate_limit_attempts=1)


def classify_response(policy: RetryPolicy, method: str, status: int) -> Verdict:
    if status < 400:
        return Verdict.OK
    if status == 429:
        return Verdict.RETRY_RATE_LIMITED
    if status in policy.retry_statuses and method.upper() in IDEMPOTENT_METHODS:
        return Verdict.RETRY_TRANSIENT
    return Verdict.FAIL


def classify_error(method: str, error: httpx.TransportError) -> Verdict:
    if isinstance(error, NEVER_SENT):
        return Verdict.RETRY_TRANSIENT
    if method.upper() in IDEMPOTENT_METHODS:
        return Verdict.RETRY_TRANSIENT
    return Verdict.OUTCOME_UNKNOWN


def should_retry(policy: RetryPolicy, verdict: Verdict, attempt: int) -> bool:
    """``attempt`` is the number of the attempt that just failed (1 for the first try)."""
    if verdict is Verdict.RETRY_RATE_LIMITED:
        return attempt < policy.rate_limit_attempts
    if verdict is Verdict.RETRY_TRANSIENT:
        return attempt < policy.max_attempts
    return False


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


def _jittered(policy: RetryPolicy, base: float, rng: random.Random) -> float:
    return base + rng.uniform(0.0, base * policy.jitter)


def rate_limit_delay(policy: RetryPolicy, consecutive: int, retry_after: float | None, rng: random.Random) -> float:
    """The cool-down after a 429. ``consecutive`` counts cool-downs without a success between them."""
    if retry_after is not None:
        return _jittered(policy, min(retry_after, policy.retry_after_max), rng)
    base = min(policy.rate_limit_max, policy.rate_limit_initial * 2.0 ** max(0, consecutive - 1))
    return _jittered(policy, base, rng)


def retry_delay(policy: RetryPolicy, attempt: int, retry_after: float | None, rng: random.Random) -> float:
    """The wait before retrying after a transient failure of attempt number ``attempt``."""
    if retry_after is not None:
        return _jittered(policy, min(retry_after, policy.retry_after_max), rng)
    return _jittered(policy, min(policy.backoff_max, policy.backoff_initial * 2.0 ** max(0, attempt - 1)), rng)
