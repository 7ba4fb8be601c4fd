"""``SqliteJournal``: a sweep's journal in one SQLite file (the default: nothing to install).

SQLite commits atomically and survives a process killed at any point; ``synchronous=FULL`` makes
every commit durable before the runner sends the request it announces, so a power cut cannot lose
the record of a create that then happens. WAL mode lets another process read the progress while a
sweep writes it.

An existing file is checked before anything touches it: the SQLite header, the application id
(``PRAGMA application_id``, SQLite's own mark for "this file belongs to program X"), the format
and an integrity check. A corrupt or foreign file gives a ``JournalError`` and is left as it was.

Calls run on one worker thread, so the event loop never waits on the disk. That is all aiosqlite
does; the standard library's sqlite3 and a single-thread executor keep the default journal free
of extra dependencies.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from ._batch_records import JobRecord, JournalError, LeaseLostError, check_meta, meta_document

T = TypeVar("T")

#: "PPBJ": PlantPredict batch journal, in the header's application-id field (offset 68).
APPLICATION_ID = 0x5050424A
_HEADER = b"SQLite format 3\x00"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS jobs "
    "(key TEXT PRIMARY KEY, record TEXT NOT NULL, summary TEXT, lease_owner TEXT, lease_until REAL)",
)


class SqliteJournal:
    """A sweep's journal in a SQLite file. Several processes on one machine may share it (leases
    keep them off each other's jobs); for many machines use ``RedisJournal``."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        # Leases are about processes dying, so they run on real time, not the runtime's test clock.
        self._clock = clock
        self._busy_timeout = busy_timeout
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._sweep_id: str | None = None

    def __repr__(self) -> str:
        return f"SqliteJournal({str(self.path)!r})"

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plantpredict-journal")
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise JournalError(f"{self.path}: the journal is not open (call open() first)")
        return self._conn

    def _translated(self, what: str, exc: sqlite3.Error) -> JournalError:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            why = f"the file stayed locked by another process for {self._busy_timeout:.0f}s"
        elif isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            why = f"the file is corrupt ({exc})"
        else:
            why = f"{type(exc).__name__}: {exc}"
        return JournalError(f"{self.path}: could not {what}: {why}")

    # -- open ----------------------------------------------------------------------------------

    async def open(self) -> str:
        if self._sweep_id is None:
            self._sweep_id = await self._call(self._open)
        return self._sweep_id

    def _check_header(self) -> None:
        with self.path.open("rb") as handle:
            header = handle.read(100)
        if len(header) < 100 or not header.startswith(_HEADER):
            raise JournalError(
                f"{self.path} is not a batch journal (not an SQLite file: corrupt, or another program's file); "
                "nothing was changed"
            )
        application_id = int.from_bytes(header[68:72], "big")
        if application_id != APPLICATION_ID:
            raise JournalError(
                f"{self.path} is an SQLite database of another program (application id {application_id:#x}), "
                "not a batch journal; nothing was changed"
            )

    def _open(self) -> str:
        existing = self.path.exists() and self.path.stat().st_size > 0
        if existing:
            self._check_header()  # before SQLite opens it: a foreign file is never touched
        elif not self.path.parent.is_dir():
            raise JournalError(f"{self.path}: its folder does not exist")
        try:
            conn = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._translated("open the journal", exc) from exc
        try:
            sweep_id = self._check_existing(conn) if existing else self._create(conn)
            self._use_wal(conn)
            conn.execute("PRAGMA synchronous=FULL")
        except JournalError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise self._translated("open the journal", exc) from exc
        self._conn = conn
        return sweep_id

    def _use_wal(self, conn: sqlite3.Connection) -> None:
        """Switch the file to write-ahead logging (a no-op once it is). The switch needs the file to
        itself, and SQLite answers "locked" at once, without its busy timeout, while another process
        opening the same new journal reads or creates it (two workers started together did, about
        one time in seven): so try again until the busy timeout has passed. By hand because it is
        one pragma, on the journal's own thread; the creation before it stays in rollback mode so the
        application id is in the main file's header, where ``_check_header`` reads it."""
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL").fetchall()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(0.02)

    def _check_existing(self, conn: sqlite3.Connection) -> str:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise JournalError(f"{self.path}: the journal is corrupt ({'; '.join(problems[:3])}); nothing was changed")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"meta", "jobs"} <= tables:
            raise JournalError(f"{self.path}: the journal's tables are missing: it is corrupt; nothing was changed")
        row = conn.execute("SELECT value FROM meta WHERE name = 'journal'").fetchone()
        try:
            meta = json.loads(row[0]) if row else None
        except ValueError:
            meta = None
        return check_meta(meta, str(self.path))

    def _create(self, conn: sqlite3.Connection) -> str:
        sweep_id = secrets.token_hex(6)
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for statement in _SCHEMA:  # not executescript(), which would commit half-way
                conn.execute(statement)
            meta = json.dumps(meta_document(sweep_id, time.time()))
            conn.execute("INSERT OR IGNORE INTO meta(name, value) VALUES ('journal', ?)", (meta,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        # Another process may have created the same file a moment earlier: its sweep id wins.
        row = conn.execute("SELECT value FROM meta WHERE name = 'journal'").fetchone()
        return check_meta(json.loads(row[0]), str(self.path))

    # -- reads ---------------------------------------------------------------------------------

    async def record(self, key: str) -> JobRecord | None:
        return await self._call(self._record, key)

    def _record(self, key: str) -> JobRecord | None:
        try:
            row = self._db().execute("SELECT record FROM jobs WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise self._translated("read the journal", exc) from exc
        return None if row is None else JobRecord.from_json(key, row[0], str(self.path))

    async def records(self) -> dict[str, JobRecord]:
        return await self._call(self._records)

    def _records(self) -> dict[str, JobRecord]:
        try:
            rows = self._db().execute("SELECT key, record FROM jobs").fetchall()
        except sqlite3.Error as exc:
            raise self._translated("read the journal", exc) from exc
        return {key: JobRecord.from_json(key, raw, str(self.path)) for key, raw in rows}

    async def summaries(self, keys: Collection[str]) -> dict[str, dict[str, Any]]:
        return await self._call(self._summaries, list(keys))

    def _summaries(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        wanted = set(keys)
        try:
            rows = self._db().execute("SELECT key, summary FROM jobs WHERE summary IS NOT NULL").fetchall()
        except sqlite3.Error as exc:
            raise self._translated("read the result summaries", exc) from exc
        found: dict[str, dict[str, Any]] = {}
        for key, raw in rows:
            if key in wanted:
                try:
                    found[key] = json.loads(raw)
                except ValueError as exc:
                    raise JournalError(f"{self.path}: the summary of job {key!r} is unreadable: corrupt") from exc
        return found

    # -- leases and writes ---------------------------------------------------------------------

    def _write(self, what: str, statement: str, *rows: tuple[Any, ...]) -> list[int]:
        """Run one statement per row in one transaction; returns the rows each changed."""
        conn = self._db()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                changed = [conn.execute(statement, row).rowcount for row in rows]
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._translated(what, exc) from exc
        return changed

    async def claim(self, key: str, owner: str, seconds: float) -> bool:
        now = self._clock()
        statement = """
            INSERT INTO jobs(key, record, lease_owner, lease_until) VALUES (?, ?, ?, ?)
            ON CONFLICT(key) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
            WHERE jobs.lease_owner IS NULL OR jobs.lease_owner = excluded.lease_owner OR jobs.lease_until <= ?
        """
        row = (key, JobRecord(key).to_json(), owner, now + seconds, now)
        changed = await self._call(self._write, "take a job's lease", statement, row)
        return changed[0] == 1

    async def renew(self, keys: Collection[str], owner: str, seconds: float) -> set[str]:
        if not keys:
            return set()
        until = self._clock() + seconds
        ordered = list(keys)
        # An owner keeps its lease past the timeout as long as nobody else took it.
        statement = "UPDATE jobs SET lease_until = ? WHERE key = ? AND lease_owner = ?"
        changed = await self._call(self._write, "renew leases", statement, *[(until, k, owner) for k in ordered])
        return {key for key, n in zip(ordered, changed, strict=True) if n == 1}

    async def release(self, key: str, owner: str) -> None:
        statement = "UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE key = ? AND lease_owner = ?"
        await self._call(self._write, "release a lease", statement, (key, owner))

    async def save(self, record: JobRecord, owner: str, summary: Mapping[str, Any] | None = None) -> None:
        raw_summary = None if summary is None else json.dumps(summary, separators=(",", ":"))
        statement = "UPDATE jobs SET record = ?, summary = coalesce(?, summary) WHERE key = ? AND lease_owner = ?"
        row = (record.to_json(), raw_summary, record.key, owner)
        changed = await self._call(self._write, "record a step", statement, row)
        if changed[0] != 1:
            raise LeaseLostError(f"{self.path}: job {record.key!r} is no longer leased to this worker")

    async def aclose(self) -> None:
        if self._executor is None:
            return
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._call(conn.close)
        self._executor.shutdown(wait=True)
        self._executor = None
        self._sweep_id = None
