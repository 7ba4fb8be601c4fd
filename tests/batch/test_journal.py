"""The journals (SQLite file, Redis): leases, fenced writes, and refusing what is not a journal."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis

from plantpredict_auth import JobRecord, JobState, Journal, JournalError, LeaseLostError, RedisJournal, SqliteJournal

OWNER_A, OWNER_B = "worker-a", "worker-b"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "redis"])
async def journal(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Journal]:
    if request.param == "sqlite":
        opened: Journal = SqliteJournal(tmp_path / "journal.sqlite")
    else:
        url = request.getfixturevalue("redis_url")
        opened = RedisJournal(url, f"test-{request.node.name.replace('[', '-').rstrip(']')}")
        redis.Redis.from_url(url).flushdb()
    await opened.open()
    yield opened
    await opened.aclose()


def expire_lease(journal: Journal, key: str) -> None:
    """What a lease timing out does, without waiting for it."""
    if isinstance(journal, RedisJournal):
        redis.Redis.from_url(journal.url).delete(f"plantpredict:batch:{{{journal.sweep}}}:lease:{key}")
    else:
        assert isinstance(journal, SqliteJournal)
        with sqlite3.connect(journal.path) as conn:
            conn.execute("UPDATE jobs SET lease_until = 0 WHERE key = ?", (key,))


async def test_a_job_is_leased_to_one_worker_at_a_time(journal: Journal) -> None:
    assert await journal.claim("tilt=10", OWNER_A, 30)
    assert not await journal.claim("tilt=10", OWNER_B, 30)
    assert await journal.claim("tilt=10", OWNER_A, 30)  # its own lease, again
    await journal.release("tilt=10", OWNER_B)  # not B's to release
    assert not await journal.claim("tilt=10", OWNER_B, 30)
    await journal.release("tilt=10", OWNER_A)
    assert await journal.claim("tilt=10", OWNER_B, 30)
    assert await journal.record("tilt=10") == JobRecord("tilt=10")


async def test_a_worker_that_lost_its_lease_cannot_write(journal: Journal) -> None:
    assert await journal.claim("tilt=10", OWNER_A, 30)
    await journal.save(JobRecord("tilt=10", state=JobState.CREATED, prediction_id=5), OWNER_A)
    expire_lease(journal, "tilt=10")
    assert await journal.claim("tilt=10", OWNER_B, 30)  # B takes the job over
    with pytest.raises(LeaseLostError):
        await journal.save(JobRecord("tilt=10", state=JobState.READY, prediction_id=5), OWNER_A)
    assert await journal.renew(["tilt=10"], OWNER_A, 30) == set()
    assert await journal.renew(["tilt=10"], OWNER_B, 30) == {"tilt=10"}
    record = await journal.record("tilt=10")
    assert record is not None
    assert record.state is JobState.CREATED


async def test_an_expired_lease_nobody_took_stays_with_its_worker(journal: Journal) -> None:
    assert await journal.claim("tilt=10", OWNER_A, 30)
    expire_lease(journal, "tilt=10")
    assert await journal.renew(["tilt=10"], OWNER_A, 30) == {"tilt=10"}
    await journal.save(JobRecord("tilt=10", state=JobState.CREATED, prediction_id=7), OWNER_A)
    assert not await journal.claim("tilt=10", OWNER_B, 30)


async def test_records_and_summaries_round_trip(journal: Journal) -> None:
    record = JobRecord(
        "tilt=20",
        state=JobState.SUCCEEDED,
        digest="abc",
        project_id=190001,
        prediction_id=955001,
        runs=1,
        run_status="success",
        reconciled=("prediction",),
        orphans=("prediction 955002",),
        worker=OWNER_A,
        started_at=1.5,
        updated_at=2.5,
    )
    assert await journal.claim("tilt=20", OWNER_A, 30)
    await journal.save(record, OWNER_A, {"energy": 12.5})
    await journal.save(record, OWNER_A)  # no summary given: the recorded one stays
    assert await journal.records() == {"tilt=20": record}
    assert await journal.summaries(["tilt=20", "other"]) == {"tilt=20": {"energy": 12.5}}


async def test_sqlite_leases_time_out_on_their_clock(tmp_path: Path) -> None:
    clock = Clock()
    first = SqliteJournal(tmp_path / "j.sqlite", clock=clock)
    second = SqliteJournal(tmp_path / "j.sqlite", clock=clock)
    assert await first.open() == await second.open()  # one sweep id, from the file
    assert await first.claim("a", OWNER_A, 10)
    clock.now += 9.9
    assert not await second.claim("a", OWNER_B, 10)
    clock.now += 0.2
    assert await second.claim("a", OWNER_B, 10)
    await first.aclose()
    await second.aclose()


# -- what is not a journal -------------------------------------------------------------------------


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def foreign_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        conn.execute("INSERT INTO invoices(total) VALUES (12.5)")
    conn.close()


async def real_journal(path: Path) -> None:
    journal = SqliteJournal(path)
    await journal.open()
    for index in range(200):
        key = f"job {index}"
        await journal.claim(key, OWNER_A, 30)
        await journal.save(JobRecord(key, state=JobState.RUNNING, prediction_id=index + 1), OWNER_A, {"x": "y" * 500})
    await journal.aclose()


def truncated(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size // 2)


def scribbled(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096 : 4096 + 300] = b"\xa5" * 300  # garbage over the second page's header and cells
    path.write_bytes(bytes(data))


def newer_format(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        meta = json.loads(conn.execute("SELECT value FROM meta").fetchone()[0])
        conn.execute("UPDATE meta SET value = ?", (json.dumps({**meta, "format": 99}),))
    conn.close()


def broken_record(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute('UPDATE jobs SET record = \'{"key": "job 3", "state": "flying"}\' WHERE key = \'job 3\'')
    conn.close()


CASES: list[tuple[str, Callable[[Path], object], str]] = [
    ("random bytes", lambda p: p.write_bytes(bytes(range(256)) * 40), "not an SQLite file"),
    ("a JSON file", lambda p: p.write_text(json.dumps({"jobs": []})), "not an SQLite file"),
    ("another program's database", foreign_sqlite, "another program"),
    ("a truncated journal", truncated, "corrupt"),
    ("a scribbled-over journal", scribbled, "corrupt"),
    ("a journal of a newer format", newer_format, "format 99"),
    ("a journal with a broken record", broken_record, "unreadable"),
]


async def test_workers_opening_one_new_sqlite_journal_at_once_all_open_the_same_sweep(tmp_path: Path) -> None:
    # Four at once on a new file, forty times: switching the file to WAL raced with the other
    # openers and failed at once ("locked", no busy wait) about one time in seven.
    for attempt in range(40):
        journals = [SqliteJournal(tmp_path / f"sweep{attempt}.sqlite") for _ in range(4)]
        try:
            sweep_ids = await asyncio.gather(*(journal.open() for journal in journals))
        finally:
            for journal in journals:
                await journal.aclose()
        assert len(set(sweep_ids)) == 1


@pytest.mark.parametrize(("what", "make", "says"), CASES, ids=[c[0] for c in CASES])
async def test_a_corrupt_or_foreign_file_is_refused_and_left_as_it_was(
    tmp_path: Path, what: str, make: Callable[[Path], object], says: str
) -> None:
    path = tmp_path / "journal.sqlite"
    if make in (truncated, scribbled, newer_format, broken_record):
        await real_journal(path)
    make(path)
    before = digest(tmp_path)
    journal = SqliteJournal(path)

    async def use() -> None:
        await journal.open()
        await journal.records()

    with pytest.raises(JournalError, match=says) as raised:
        await use()
    await journal.aclose()
    assert str(path) in str(raised.value)
    assert digest(tmp_path) == before  # not a byte changed, no -wal or -shm file left beside it


async def test_redis_keys_of_another_program_are_refused_and_left_as_they_were(redis_url: str) -> None:
    plain = redis.Redis.from_url(redis_url)
    prefix = "plantpredict:batch:{foreign}"
    plain.delete(f"{prefix}:meta", f"{prefix}:jobs")
    plain.rpush(f"{prefix}:jobs", "someone else's list")
    journal = RedisJournal(redis_url, "foreign")
    with pytest.raises(JournalError, match="another program"):
        await journal.open()
    plain.delete(f"{prefix}:jobs")
    plain.set(f"{prefix}:meta", "not json")
    with pytest.raises(JournalError, match="not a plantpredict batch journal"):
        await journal.open()
    assert plain.get(f"{prefix}:meta") == b"not json"
    assert plain.exists(f"{prefix}:jobs") == 0
    await journal.aclose()


async def test_a_redis_journal_with_a_broken_record_is_refused(redis_url: str) -> None:
    plain = redis.Redis.from_url(redis_url)
    journal = RedisJournal(redis_url, "broken")
    plain.delete("plantpredict:batch:{broken}:meta", "plantpredict:batch:{broken}:jobs")
    await journal.open()
    plain.hset("plantpredict:batch:{broken}:jobs", "job 1", "[1, 2")
    with pytest.raises(JournalError, match="unreadable"):
        await journal.records()
    await journal.aclose()


def test_a_sweep_name_redis_cannot_key_is_refused() -> None:
    with pytest.raises(JournalError, match="sweep name"):
        RedisJournal("redis://127.0.0.1:1/0", "my sweep {2026}")


def test_a_journal_shows_no_redis_password() -> None:
    journal = RedisJournal("redis://:s3cret-pass@127.0.0.1:6390/0", "sweep")
    assert "s3cret" not in repr(journal)
