"""Real worker processes against a uvicorn-served simulator: killed with SIGKILL and resumed,
three of them splitting one sweep through Redis, a 429 cool-down shared between them.

"No run started twice" is checked on the simulator: it counts every run once when it ends (and a
run replaced by a second Run only after it ended), and answers 400 to a Run while one is going.
"""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from plantpredict_simulator import launched
from tests.conftest import REPO

pytestmark = pytest.mark.slow

MARK = re.compile(r'^\[plantpredict-batch \w+(?: (".*"))?\]$')
KILL_POINTS = random.Random(2026)  # random, and the same on every run of the suite


def worker(url: str, journal: str, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.batch.sweep_worker", url, "--journal", journal, *extra]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)


def report_of(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = process.communicate(timeout=180)
    assert process.returncode == 0, out[-2000:]
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    assert report["event"] == "report"
    return report


def kill_after(process: subprocess.Popen[str], events: int) -> list[dict[str, Any]]:
    """SIGKILL the worker once it has written ``events`` journal records; returns what it wrote."""
    assert process.stdout is not None
    seen: list[dict[str, Any]] = []
    for line in process.stdout:
        seen.append(json.loads(line))
        if len(seen) == events:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the worker finished before the kill point"
    process.stdout.close()
    return seen


def on_the_simulator(url: str) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=30) as admin:
        counters = admin.get("/_sim/counters").json()
        marks: dict[str, Counter[str]] = {}
        for kind in ("projects", "predictions"):
            marks[kind] = Counter()
            for item in admin.get(f"/_sim/objects/{kind}").json():
                for line in str(item.get("description") or "").splitlines():
                    match = MARK.match(line)
                    if match:
                        marks[kind][match.group(1) or ""] += 1
    return {"counters": counters, **marks}


def assert_each_job_once(seen: dict[str, Any], jobs: int) -> None:
    counters = seen["counters"]
    assert seen["projects"] == Counter({"": 1})  # the sweep's project, once
    assert len(seen["predictions"]) == jobs
    assert set(seen["predictions"].values()) == {1}  # 0 duplicate predictions
    assert counters["objects"]["projects"] == 1
    assert counters["objects"]["predictions"] == jobs
    assert counters["runs"] == {"3": jobs}  # every run started once, and ended in success
    assert counters["api_requests"].get("400", 0) == 0  # no Run sent while one was going


@pytest.mark.parametrize(("low", "high"), [(10, 150), (150, 350), (350, 520)], ids=["early", "middle", "late"])
def test_a_sweep_killed_at_a_random_point_resumes_without_duplicates(tmp_path: Path, low: int, high: int) -> None:
    jobs, point = 60, KILL_POINTS.randint(low, high)
    journal = f"sqlite:{tmp_path / 'sweep.sqlite'}"
    with launched("--admin", "--run-seconds", "0.5", "--seed", "8") as url:
        killed = kill_after(worker(url, journal, "--count", str(jobs), "--concurrency", "15"), point)
        resumed = report_of(worker(url, journal, "--count", str(jobs), "--concurrency", "15"))
        seen = on_the_simulator(url)
    assert resumed["succeeded"] == jobs
    assert resumed["finished_before"] + resumed["processed"] == jobs
    assert_each_job_once(seen, jobs)
    last = {e["key"]: e for e in killed}
    in_flight = [key for key, e in last.items() if e["step"] is not None]
    print(
        f"\nkilled after {point} journal writes ({sum(e['state'] == 'succeeded' for e in killed)} jobs done, "
        f"{len(in_flight)} with a step in flight); resumed: {resumed['processed']} jobs taken, "
        f"{resumed['resumed_runs']} started runs waited for, {resumed['reconciled']} steps reconciled, "
        f"{resumed['resent']} sent again after a look-up; 60 results, duplicates 0, runs {seen['counters']['runs']}"
    )


def test_a_worker_that_dies_leaves_its_jobs_to_the_others_after_its_lease(redis_url: str) -> None:
    jobs = 30
    redis.Redis.from_url(redis_url).flushdb()
    journal = f"redis:{redis_url}#dies"
    with launched("--admin", "--run-seconds", "0.5", "--seed", "9") as url:
        start = str(time.time() + 2.0)
        common = ("--count", str(jobs), "--concurrency", "4", "--lease", "1.5", "--start-at", start)
        doomed = worker(url, journal, *common)
        survivors = [worker(url, journal, *common) for _ in range(2)]
        touched = kill_after(doomed, 25)
        reports = [report_of(process) for process in survivors]
        seen = on_the_simulator(url)
    assert [r["succeeded"] for r in reports] == [jobs, jobs]
    assert_each_job_once(seen, jobs)
    dead_worker_jobs = {e["key"] for e in touched}
    finished_by_survivors = set(reports[0]["mine"]) | set(reports[1]["mine"])
    assert dead_worker_jobs & finished_by_survivors  # taken over after the lease timed out


# -- three workers, one Redis journal, 429s in bursts ------------------------------------------------


def answer_429_in_bursts(url: str, start: float, stop: threading.Event, count: int = 3) -> None:
    """429 to every API request for 2 s, every 3 s from 1 s after the start: the same schedule
    for each sweep compared."""
    with httpx.Client(base_url=url, timeout=10) as admin:
        for index in range(count):
            if stop.wait(max(0.0, start + 1.0 + 3.0 * index - time.time())):
                return
            admin.put("/_sim/faults", json={"routes": {"*": {"rate_429": 1.0}}}).raise_for_status()
            stop.wait(2.0)
            admin.put("/_sim/faults", json={"routes": {"*": {"rate_429": 0.0}}}).raise_for_status()


def sweep_under_bursts(redis_url: str, sweep: str, workers: int, concurrency: int, *extra: str) -> dict[str, Any]:
    jobs = 24
    with launched("--admin", "--run-seconds", "1.5", "--seed", "3") as url:
        start = time.time() + 2.5  # every worker imported and connected, then all begin together
        common = ("--count", str(jobs), "--concurrency", str(concurrency), "--start-at", str(start), *extra)
        processes = [
            worker(url, f"redis:{redis_url}#{sweep}", *common, "--seed", str(index)) for index in range(workers)
        ]
        stop = threading.Event()
        schedule = threading.Thread(target=answer_429_in_bursts, args=(url, start, stop))
        schedule.start()
        try:
            reports = [report_of(process) for process in processes]
        finally:
            stop.set()
            schedule.join()
        seen = on_the_simulator(url)
    assert_each_job_once(seen, jobs)
    assert all(r["succeeded"] == jobs for r in reports)
    return {"reports": reports, "served_429": seen["counters"]["api_requests"].get("429", 0)}


def test_three_workers_split_a_sweep_and_share_one_429_cooldown(redis_url: str) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    alone = sweep_under_bursts(redis_url, "alone", 1, 12)
    shared = sweep_under_bursts(redis_url, "shared", 3, 4, "--cooldown", redis_url)
    processed = [r["processed"] for r in shared["reports"]]
    assert sum(processed) == 24  # every job run exactly once, by one of the workers
    assert min(processed) > 0
    mine = [set(r["mine"]) for r in shared["reports"]]
    assert sum(len(m) for m in mine) == len(set.union(*mine)) == 24  # no job finished by two workers
    # How many 429s each arrangement is served depends on where each request is when a burst begins,
    # a race on a loaded machine: the counts are reported here and compared, over repeated runs, by
    # `python -m bench.cooldown`. That the cool-down is shared is proved exactly in test_cooldown.py.
    print(
        f"\n429 bursts (3 x 2 s): one process alone (12 jobs at once) was served {alone['served_429']} 429s; "
        f"three workers (4 each) sharing the cool-down through Redis were served {shared['served_429']} "
        f"(jobs per worker {processed})"
    )
