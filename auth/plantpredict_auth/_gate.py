"""The 429 cool-down of one client (``RateLimitGate``): every request waits it out, one request
probes when it ends, and with a shared store (``RedisCooldownStore``) both are one for every process
using the store. The one call to the network, claiming the probe from Redis, is made on a thread
of its own (``admit`` hands out its future to wait on), so an event loop never waits on Redis.
Its decisions are logged on the boundary's logger, ``plantpredict_auth.http``. Why it works this
way, measured: docs/runtime.md, "Retries" and "The cool-down across processes".
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeAlias

from . import _time
from ._cooldown import PROBE_LEASE, Cooldown, CooldownStore, ProbeClaim, ProbeStore
from ._retry import RetryPolicy, rate_limit_delay

log = logging.getLogger("plantpredict_auth.http")

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
        if probe:
            self._give_back()
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
        self._give_back()

    def admit(self) -> tuple[float | PendingClaim | None, bool]:
        """May a request leave now? ``(None, probe)``: yes, and whether it is the probe whose
        answer the others wait for; ``(when, False)``: ask again at ``when``; ``(claim, False)``:
        the probe is being claimed from the shared store: ask again once ``claim`` is done."""
        with self._lock:
            self._adopt_shared()
            now = _time.now()
            if self._claim is not None:
                if not self._claim.done():
                    return self._claim, False
                answer = self._take_claim()
                if answer is not None:
                    return self._after_claim(answer, now)
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

    def _take_claim(self) -> ProbeClaim | Cooldown | None:
        """This client's finished claim, taken in (under ``self._lock``): its answer, or ``None``
        if it no longer counts (a probe it won is then given back)."""
        claim, self._claim = self._claim, None
        assert claim is not None
        answer = None if claim.cancelled() else claim.result()
        # A cool-down that started since (its end is what counts now), or a claim nobody took in
        # before its lease in the store ran out (counted in real time, as Redis counts it).
        stale = self.until > _time.now() or time.monotonic() - self._claim_sent >= PROBE_LEASE
        if answer is None or stale:
            self._probe_lease = 0.0  # the next request claims again
            if answer is ProbeClaim.WON:
                self._give_back()
            return None
        return answer

    def _give_back(self) -> None:
        """Free the probe this client holds in the store now, not after its lease, for another to
        take (a no-op if the key is no longer ours); returns at once."""
        if isinstance(self.store, ProbeStore):
            self.store.end_probe(cleared=False)

    def claim_abandoned(self, claim: PendingClaim) -> None:
        """A request stopped waiting for ``claim`` (cancelled). If no request has taken it in by
        the time it is answered, give a won probe back at once rather than hold every process
        sharing the store until its lease ends. Another request still waiting then claims again."""

        def release(done: PendingClaim) -> None:
            with self._lock:
                if self._claim is not done:
                    return
                answer = self._take_claim()
                self._probe_lease = 0.0
                if answer is ProbeClaim.WON:
                    self._give_back()

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
