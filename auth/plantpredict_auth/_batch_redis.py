"""``RedisJournal``: one sweep's journal in Redis, for workers on many machines.

Keys (one hash tag per sweep, so a Redis Cluster keeps them on one node for the scripts)::

    plantpredict:batch:{<sweep>}:meta         the journal's kind, format and sweep id (JSON)
    plantpredict:batch:{<sweep>}:jobs         hash: job key -> record (JSON)
    plantpredict:batch:{<sweep>}:summaries    hash: job key -> result summary (JSON)
    plantpredict:batch:{<sweep>}:lease:<key>  the worker holding the job, expiring after the lease time

A lease is the usual Redis lease (``SET NX PX`` with a random owner token, the pattern redis-py's
``Lock`` implements): it expires on Redis's clock unless its holder renews it, so a worker that
dies frees its jobs after the timeout. The scripts are ours, not redis-py's ``Lock``, because every
journal write has to check the lease in the same atomic step (a fenced write), which ``Lock`` does
not offer.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ._batch_records import JobRecord, JournalError, LeaseLostError, check_meta, meta_document
from ._redis_url import redis_location, shown_url

if TYPE_CHECKING:
    import redis.asyncio

_SWEEP_NAME = re.compile(r"[A-Za-z0-9._:-]{1,100}")

# Take the lease if it is free or already ours.
_CLAIM = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
# Extend leases still ours; one that expired unclaimed is taken again. Returns 1/0 per key.
_RENEW = """
local held = {}
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder == ARGV[1] or not holder then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    held[i] = 1
  else
    held[i] = 0
  end
end
return held
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# The fenced write: only the lease holder (or nobody, after an expiry nobody took over) writes.
_SAVE = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[3], ARGV[3], ARGV[5]) end
return 1
"""


class RedisJournal:
    """A sweep's journal in Redis: several worker processes, on one machine or many, split the
    sweep through it, each job leased to one worker at a time."""

    def __init__(self, url: str, sweep: str, *, client: redis.asyncio.Redis | None = None) -> None:
        if not _SWEEP_NAME.fullmatch(sweep):
            raise JournalError(f"sweep name {sweep!r}: use 1 to 100 letters, digits, '.', '_', ':' or '-'")
        self.url = url
        self.sweep = sweep
        self._prefix = f"plantpredict:batch:{{{sweep}}}"
        self._given_client = client
        self._client: redis.asyncio.Redis | None = client
        self._sweep_id: str | None = None
        self._lease_seconds = 30.0

    def __repr__(self) -> str:
        return f"RedisJournal({shown_url(self.url)}, sweep={self.sweep!r})"

    def _where(self) -> str:
        return f"{redis_location(self.url)}, sweep {self.sweep!r}"

    def _redis(self) -> redis.asyncio.Redis:
        if self._client is None:
            import redis.asyncio as redis_async

            self._client = redis_async.Redis.from_url(self.url)
        return self._client

    @contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        from redis.exceptions import RedisError, ResponseError

        try:
            yield
        except ResponseError as exc:
            if "WRONGTYPE" in str(exc):
                raise JournalError(
                    f"{self._where()}: its keys hold another program's data, not a batch journal; nothing was changed"
                ) from None
            raise JournalError(f"{self._where()}: could not {what}: {exc}") from None
        except RedisError as exc:
            # Redis errors name the host, never the URL's password; the cause is dropped all the same.
            raise JournalError(f"{self._where()}: could not {what}: {type(exc).__name__}: {exc}") from None

    def _lease(self, key: str) -> str:
        return f"{self._prefix}:lease:{key}"

    @property
    def _jobs(self) -> str:
        return f"{self._prefix}:jobs"

    @property
    def _summaries(self) -> str:
        return f"{self._prefix}:summaries"

    async def open(self) -> str:
        if self._sweep_id is not None:
            return self._sweep_id
        meta_key = f"{self._prefix}:meta"
        with self._translated("open the journal"):
            client = self._redis()
            kind = _text(await client.type(meta_key))
            foreign = JournalError(f"{self._where()}: its keys hold another program's data; nothing was changed")
            if kind == "none":
                for key in (self._jobs, self._summaries):
                    if _text(await client.type(key)) not in ("none", "hash"):
                        raise foreign
                document = json.dumps(meta_document(secrets.token_hex(6), time.time()))
                await client.set(meta_key, document, nx=True)  # a worker starting at the same moment may win
            elif kind != "string":
                raise foreign
            raw = await client.get(meta_key)
        meta: object = None
        with contextlib.suppress(ValueError, TypeError):
            meta = json.loads(raw) if raw is not None else None
        self._sweep_id = check_meta(meta, self._where())
        return self._sweep_id

    async def record(self, key: str) -> JobRecord | None:
        with self._translated("read the journal"):
            raw = await self._redis().hget(self._jobs, key)
        return None if raw is None else JobRecord.from_json(key, raw, self._where())

    async def records(self) -> dict[str, JobRecord]:
        with self._translated("read the journal"):
            raw = await self._redis().hgetall(self._jobs)
        where = self._where()
        return {_text(key): JobRecord.from_json(_text(key), value, where) for key, value in raw.items()}

    async def summaries(self, keys: Collection[str]) -> dict[str, dict[str, Any]]:
        ordered = list(keys)
        if not ordered:
            return {}
        with self._translated("read the result summaries"):
            values = await self._redis().hmget(self._summaries, ordered)
        found: dict[str, dict[str, Any]] = {}
        for key, raw in zip(ordered, values, strict=True):
            if raw is not None:
                try:
                    found[key] = json.loads(raw)
                except ValueError as exc:
                    raise JournalError(f"{self._where()}: the summary of job {key!r} is unreadable: corrupt") from exc
        return found

    async def claim(self, key: str, owner: str, seconds: float) -> bool:
        self._lease_seconds = seconds
        with self._translated("take a job's lease"):
            client = self._redis()
            taken = await client.eval(_CLAIM, 1, self._lease(key), owner, _ms(seconds))
            if taken:
                await client.hsetnx(self._jobs, key, JobRecord(key).to_json())
        return bool(taken)

    async def renew(self, keys: Collection[str], owner: str, seconds: float) -> set[str]:
        ordered = list(keys)
        if not ordered:
            return set()
        with self._translated("renew leases"):
            leases = [self._lease(k) for k in ordered]
            held = await self._redis().eval(_RENEW, len(leases), *leases, owner, _ms(seconds))
        return {key for key, flag in zip(ordered, held, strict=True) if flag == 1}

    async def release(self, key: str, owner: str) -> None:
        with self._translated("release a lease"):
            await self._redis().eval(_RELEASE, 1, self._lease(key), owner)

    async def save(self, record: JobRecord, owner: str, summary: Mapping[str, Any] | None = None) -> None:
        raw_summary = "" if summary is None else json.dumps(summary, separators=(",", ":"))
        with self._translated("record a step"):
            # A fenced write re-takes an expired lease nobody else took, for one lease time.
            saved = await self._redis().eval(
                _SAVE,
                3,
                self._lease(record.key),
                self._jobs,
                self._summaries,
                owner,
                _ms(self._lease_seconds),
                record.key,
                record.to_json(),
                raw_summary,
            )
        if not saved:
            raise LeaseLostError(f"{self._where()}: job {record.key!r} is no longer leased to this worker")

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and client is not self._given_client:
            await client.aclose()
        self._sweep_id = None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))
