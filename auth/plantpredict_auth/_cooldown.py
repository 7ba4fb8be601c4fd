"""One 429 cool-down for every process and machine that uses the same Redis, as the token is one.

A client's ``RateLimitGate`` makes the requests of one process wait out a cool-down together.
Given a ``CooldownStore`` it also adopts the cool-downs other processes start and publishes its
own, so when one worker is told 429 the others wait the same cool-down instead of each finding
out with a 429 of its own.

The gate consults the store on every request, so ``current()`` must not wait on the network:
``RedisCooldownStore`` keeps the latest cool-down in memory, fed by a Redis pub/sub subscription
on a background thread (redis-py's ``PubSub.run_in_thread``), and publishes from another thread.
The latest cool-down also sits in a key, for processes that start while one runs. If Redis goes
away, each process keeps its own cool-down (the gate works as it does without a store).

One probe for all (``claim_probe`` / ``end_probe``). When a shared cool-down ends, every process
used to let its own queued requests go; each process's first request found out on its own whether
the limit had lifted, so a limit still in force was answered with one 429 per process instead of
one (measured in docs/runtime.md, "The shared cool-down"). Now the first request to leave claims a
probe key in Redis, atomically with a look at the cool-down key (a Lua script), and the other
processes wait for its answer: a success marks the key ``clear`` and they go; a 429 publishes the
next cool-down (which deletes the key) and they adopt it. The claim is a lease, so a probe whose
process died is replaced. Claiming is the one call that waits on Redis (0.5 s timeout, no retry);
it happens only once a cool-down has ended, at most every ``PROBE_POLL`` seconds per client, on
one thread per process (``RateLimitGate.admit`` returns its future), never on an event loop.
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from attrs import frozen

from . import _time
from ._credentials import Credentials
from ._errors import PlantPredictError
from ._redis_url import redis_location, shown_url

if TYPE_CHECKING:
    import redis

    from plantpredict_client import Client

    from ._client import PlantPredictAsyncClient, PlantPredictClient

log = logging.getLogger("plantpredict_auth.cooldown")

# Publish a cool-down unless a later one is already recorded; the key expires soon after it ends.
_PUBLISH = """
local current = redis.call('GET', KEYS[1])
if current then
  local entry = cjson.decode(current)
  if tonumber(entry['ends']) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
"""

# May this request be the one that tries after the cool-down? A cool-down still running is returned
# (the caller adopts it: pub/sub may not have brought it yet); 'clear' if a probe already succeeded
# since it ended; 'busy' if another probe is out; else the probe key is taken for ARGV[3] ms.
_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current then
  local entry = cjson.decode(current)
  if tonumber(entry['ends']) > tonumber(ARGV[1]) then return current end
end
local probe = redis.call('GET', KEYS[2])
if probe == 'clear' then return 'clear' end
if probe then return 'busy' end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 'won'
"""

# The probe answered: mark the key 'clear' (ARGV[2] = '1': a success) or free it, if still ours.
_END_PROBE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '1' then redis.call('SET', KEYS[1], 'clear', 'PX', ARGV[3]) else redis.call('DEL', KEYS[1]) end
return 1
"""

# How long a probe's claim holds before another process may take over (its process may have died),
# and how long 'clear' stays for processes that arrive later.
PROBE_LEASE = 10.0
_CLEAR_TTL_MS = 60_000


class CooldownStoreError(PlantPredictError):
    """The shared cool-down store could not start (Redis unreachable)."""


@frozen
class Cooldown:
    """A rate-limit cool-down: when it ends (epoch seconds) and how many came back to back."""

    ends: float
    consecutive: int

    def to_json(self) -> str:
        return json.dumps({"ends": self.ends, "consecutive": self.consecutive})

    @classmethod
    def from_json(cls, raw: str | bytes) -> Cooldown | None:
        try:
            data = json.loads(raw)
            return cls(float(data["ends"]), int(data["consecutive"]))
        except (ValueError, TypeError, KeyError):
            return None


@runtime_checkable
class CooldownStore(Protocol):
    """What a ``RateLimitGate`` consults and updates; both calls return at once."""

    def current(self) -> Cooldown | None:
        """The latest cool-down known here (it may have ended)."""
        ...

    def publish(self, cooldown: Cooldown) -> None:
        """Tell every process sharing the store that a cool-down started."""
        ...


class ProbeClaim(enum.Enum):
    """The answer to a claim: may this request be the one that tries once a cool-down has ended?"""

    WON = "won"  # yes: the others wait for its answer
    BUSY = "busy"  # another process's probe is out: wait for its answer
    CLEAR = "clear"  # a probe already succeeded since the cool-down ended: go


@runtime_checkable
class ProbeStore(CooldownStore, Protocol):
    """A ``CooldownStore`` that can also hand out the one probe after a cool-down, for every
    process sharing it (``RedisCooldownStore``). A store without it leaves probing to each process."""

    def claim_probe(self, now: float) -> ProbeClaim | Cooldown:
        """Claim the probe, or learn why not (a ``Cooldown`` that still runs at ``now``)."""
        ...

    def end_probe(self, cleared: bool) -> None:
        """The probe this process claimed got its answer (``cleared``: not a 429); returns at once."""
        ...


class RedisCooldownStore:
    """The cool-down of one PlantPredict identity, shared through Redis.

    ``identity`` is the credentials (the key derives from the token URL, client id and username,
    never from a secret) or any name the processes agree on. Call ``close()`` when done.
    """

    def __init__(self, url: str, identity: Credentials | str, *, client: redis.Redis | None = None) -> None:
        import redis as redis_sync
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.url = url
        if isinstance(identity, str):
            self.key = f"plantpredict:cooldown:{identity}"
        else:
            self.key = identity.store_key.replace("plantpredict:token:", "plantpredict:cooldown:", 1)
        self.probe_key = f"{self.key}:probe"
        self._redis: redis.Redis = client or redis_sync.Redis.from_url(url)
        # Claims wait for their answer (on the claims' thread, while requests queue): a short timeout and
        # no retry bound a hung Redis, after which this process probes on its own. Always a client of its
        # own, even when ``client`` is given, so that bound holds.
        self._claims: redis.Redis = redis_sync.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
        )
        self._probe_token: str | None = None
        self._latest: Cooldown | None = None
        self._seen = threading.Condition()
        self._publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plantpredict-cooldown")
        self._warned = False
        try:
            self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
            self._pubsub.subscribe(**{self.key: self._on_message})
            # Read the key after subscribing, so a cool-down published in between is not missed.
            raw = self._redis.get(self.key)
        except redis_sync.RedisError as exc:
            self._publisher.shutdown(wait=False)
            raise CooldownStoreError(f"{self._where()}: could not subscribe: {type(exc).__name__}: {exc}") from None
        if isinstance(raw, bytes | str):
            self._adopt(Cooldown.from_json(raw))
        self._listener = self._pubsub.run_in_thread(sleep_time=0.2, daemon=True, exception_handler=self._on_error)

    def __repr__(self) -> str:
        return f"RedisCooldownStore({shown_url(self.url)})"

    def _where(self) -> str:
        return redis_location(self.url)

    def _adopt(self, cooldown: Cooldown | None) -> None:
        if cooldown is None:
            return
        with self._seen:
            if self._latest is None or cooldown.ends > self._latest.ends:
                self._latest = cooldown
                self._seen.notify_all()

    def _on_message(self, message: dict[str, Any]) -> None:
        data = message.get("data")
        if isinstance(data, bytes | str):
            self._adopt(Cooldown.from_json(data))

    def _on_error(self, exc: BaseException, pubsub: Any, thread: Any) -> None:
        # redis-py resubscribes when the connection comes back; meanwhile each process keeps its own.
        self._warn(f"lost the subscription ({type(exc).__name__}); retrying")
        time.sleep(0.5)  # this is the listener thread, not the event loop

    def _warn(self, what: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning("shared 429 cool-down, %s: %s; each process keeps its own meanwhile", self._where(), what)

    def current(self) -> Cooldown | None:
        return self._latest

    def publish(self, cooldown: Cooldown) -> None:
        self._adopt(cooldown)
        with contextlib.suppress(RuntimeError):  # closed: nothing left to tell
            self._publisher.submit(self._send, cooldown)

    def _send(self, cooldown: Cooldown) -> None:
        import redis as redis_sync

        ttl_ms = max(1, int((cooldown.ends - _time.now() + 60.0) * 1000))
        try:
            self._redis.eval(_PUBLISH, 2, self.key, self.probe_key, cooldown.to_json(), repr(cooldown.ends), ttl_ms)
        except redis_sync.RedisError as exc:
            self._warn(f"could not publish ({type(exc).__name__})")
        else:
            log.debug("shared 429 cool-down published: %.2fs left", cooldown.ends - _time.now())

    def claim_probe(self, now: float) -> ProbeClaim | Cooldown:
        import redis as redis_sync

        token = uuid.uuid4().hex
        lease_ms = int(PROBE_LEASE * 1000)
        try:
            answer = self._claims.eval(_CLAIM, 2, self.key, self.probe_key, repr(now), token, lease_ms)
        except redis_sync.RedisError as exc:
            self._warn(f"could not claim the probe ({type(exc).__name__})")
            return ProbeClaim.WON  # this process probes on its own, as without a store
        text = answer.decode() if isinstance(answer, bytes) else str(answer)
        if text == "won":
            self._probe_token = token
            return ProbeClaim.WON
        if text in ("busy", "clear"):
            return ProbeClaim(text)
        running = Cooldown.from_json(text)
        if running is None:  # not ours to read: let this process probe on its own
            return ProbeClaim.WON
        self._adopt(running)
        return running

    def end_probe(self, cleared: bool) -> None:
        token, self._probe_token = self._probe_token, None
        if token is not None:
            with contextlib.suppress(RuntimeError):  # closed: the lease runs out by itself
                self._publisher.submit(self._send_end, token, cleared)

    def _send_end(self, token: str, cleared: bool) -> None:
        import redis as redis_sync

        try:
            self._redis.eval(_END_PROBE, 1, self.probe_key, token, "1" if cleared else "0", _CLEAR_TTL_MS)
        except redis_sync.RedisError as exc:
            self._warn(f"could not end the probe ({type(exc).__name__})")

    def wait_for(self, ends: float, timeout: float) -> bool:
        """Block until a cool-down ending at or after ``ends`` is known here (for tests and tools)."""
        with self._seen:
            return self._seen.wait_for(lambda: self._latest is not None and self._latest.ends >= ends, timeout)

    def close(self) -> None:
        self._listener.stop()
        self._listener.join(timeout=5)
        self._publisher.shutdown(wait=True)
        self._redis.close()
        self._claims.close()


def share_cooldown(client: Client | PlantPredictAsyncClient | PlantPredictClient, store: CooldownStore | None) -> None:
    """Make the client's 429 cool-down the one in ``store`` (``None``: this process's own again).

    ``client`` is what ``connect()`` yields (its async httpx client is used), or the httpx client
    of ``connect_sync()``'s (``client.get_httpx_client()``).
    """
    # Imported here: _gate imports this module for the Cooldown it publishes.
    from plantpredict_client import Client

    from ._errors import ConfigurationError
    from ._gate import RateLimitGate

    http: Any = client.get_async_httpx_client() if isinstance(client, Client) else client
    gate = getattr(http, "gate", None)
    if not isinstance(gate, RateLimitGate):
        raise ConfigurationError("share_cooldown() needs a client made by connect() or connect_sync()")
    gate.store = store
