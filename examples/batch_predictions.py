"""Sweep one design parameter over a batch of PlantPredict predictions, then tabulate and plot.

For each value of the swept parameter (fixed-tilt angle, or DC/AC ratio) this program creates a
prediction in one project, attaches a power plant built from a library module and inverter, runs
it, waits for it to finish, and reads its result summary, on the runtime's ``BatchRunner``: up to
--concurrency predictions are in progress at once, every step is recorded in a journal, and a
prediction that fails is reported while the others carry on. Results land in an output folder:
results.csv, results.json, yield.png and the journal.

Stopped (Ctrl-C, a crash, a laptop that slept)? Run the same command again: it resumes from the
journal. Finished predictions are not touched, runs already started are waited for, nothing is
created twice; failed runs are rerun only with --retry-failed.

Against the local simulator (what `make demo` does)::

    python examples/batch_predictions.py --base-url http://127.0.0.1:8765

Against the real PlantPredict API, with PLANTPREDICT_* credentials in the environment::

    python examples/batch_predictions.py --live --sweep dcac --count 12

Several workers, on one machine or many, split one sweep when they share a Redis journal: run the
same command with --redis redis://HOST:6379/0 in each. They also share the 429 cool-down.

Ctrl-C stops the batch; with --cancel-on-interrupt the runs it started are cancelled too.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from attrs import evolve
from plant_design import dc_field, new_inverter, new_module, power_plant, prediction  # beside this file
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sweep_outputs import Row, results_table, write_outputs  # beside this file: run as a script

from plantpredict_auth import (
    BatchJob,
    BatchReport,
    BatchRunner,
    ClientCredentials,
    Credentials,
    Journal,
    PasswordCredentials,
    PlantPredictError,
    RedisCooldownStore,
    RedisJournal,
    RetryPolicy,
    SqliteJournal,
    connect,
    credentials_from_env,
    progress_of,
    share_cooldown,
)
from plantpredict_client import Client
from plantpredict_client.models import (
    Inverter,
    Module,
    PowerPlant,
    PredictionResultSummary,
    Project,
    Weather,
)
from plantpredict_client.types import Unset

SWEEPS = {
    "tilt": ("fixed tilt (degrees)", 0.0, 46.0),
    "dcac": ("DC/AC ratio", 1.0, 1.69),
}
DEMO_USERNAME = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # the simulator's published demo credentials, not a secret
DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"
STAGES = [
    ("created", "predictions created"),
    ("ready", "power plants attached"),
    ("started", "runs started"),
    ("finished", "runs finished"),
]


@dataclass
class Library:
    module: Module
    module_id: int
    inverter: Inverter
    inverter_id: int
    weather: Weather
    weather_id: int


# ------------------------------------------------------------------------------------------------
# command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="batch_predictions.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    target = parser.add_argument_group("where to run")
    target.add_argument(
        "--base-url",
        default=os.environ.get("PLANTPREDICT_BASE_URL", "http://127.0.0.1:8765"),
        help="the API (the simulator unless --live)",
    )
    target.add_argument(
        "--live",
        action="store_true",
        help="use the real PlantPredict API with PLANTPREDICT_* credentials from the environment "
        "(PLANTPREDICT_USERNAME/PASSWORD/CLIENT_ID/CLIENT_SECRET, or CLIENT_ID/SECRET alone)",
    )
    sweep = parser.add_argument_group("the sweep")
    sweep.add_argument("--sweep", choices=sorted(SWEEPS), default="tilt", help="the design parameter to vary")
    sweep.add_argument("--from", dest="start", type=float, help="first value (default: 0 for tilt, 1.0 for dcac)")
    sweep.add_argument("--to", dest="stop", type=float, help="last value (default: 46 for tilt, 1.69 for dcac)")
    sweep.add_argument("--count", "-n", type=int, default=24, help="number of predictions")
    sweep.add_argument("--latitude", type=float, default=34.85, help="site latitude (default: Daggett, CA)")
    sweep.add_argument("--longitude", type=float, default=-116.79, help="site longitude")
    sweep.add_argument("--elevation", type=float, default=588.0, help="site elevation (m)")
    sweep.add_argument("--utc-offset", type=float, default=-8.0, help="site standard offset from UTC (h)")
    sweep.add_argument("--plant-mw", type=float, default=5.0, help="AC size of each plant (MW)")
    run = parser.add_argument_group("running")
    run.add_argument("--concurrency", type=int, default=8, help="predictions in progress at once")
    run.add_argument("--deadline", type=float, default=1800.0, help="seconds a run may take before it is given up")
    run.add_argument("--poll", type=float, default=1.0, help="first polling interval (s); it backs off to --poll-max")
    run.add_argument("--poll-max", type=float, default=15.0, help="longest polling interval (s)")
    run.add_argument("--cancel-on-interrupt", action="store_true", help="on Ctrl-C, cancel the runs already started")
    run.add_argument("--retry-failed", action="store_true", help="rerun failed runs and jobs given up in the journal")
    run.add_argument(
        "--rate-limit-wait",
        type=float,
        default=30.0,
        help="first cool-down after a 429 (s); PlantPredict advises 30, the simulator demo uses less",
    )
    out = parser.add_argument_group("output and journal")
    out.add_argument("--output", type=Path, help="output folder (default: output/<sweep>-<from>-<to>-<count>)")
    out.add_argument("--name", default="Parameter sweep", help="project name")
    out.add_argument("--journal", type=Path, help="the sweep's SQLite journal (default: <output>/journal.sqlite)")
    out.add_argument(
        "--redis",
        metavar="URL",
        help="keep the journal in Redis instead, shared with other workers running the same command, "
        "and share the 429 cool-down with them",
    )
    out.add_argument("--sweep-name", help="the sweep's name in Redis (default: from the sweep's parameters)")
    out.add_argument("--lease", type=float, default=30.0, help="seconds before a dead worker's jobs are taken over")
    args = parser.parse_args(argv)
    label, start, stop = SWEEPS[args.sweep]
    args.label = label
    args.start = start if args.start is None else args.start
    args.stop = stop if args.stop is None else args.stop
    if args.count < 1 or args.concurrency < 1:
        parser.error("--count and --concurrency must be at least 1")
    # The same command finds the same journal, so running it again resumes the sweep.
    name = f"{args.sweep}-{args.start:g}-{args.stop:g}-{args.count}"
    args.output = args.output or Path("output") / name
    args.journal = args.journal or args.output / "journal.sqlite"
    args.sweep_name = args.sweep_name or name
    return args


def credentials_for(args: argparse.Namespace) -> Credentials:
    if args.live:
        return credentials_from_env()
    # The simulator plays both token servers; its demo credentials are printed when it starts.
    if os.environ.get("PLANTPREDICT_CLIENT_ID") and not os.environ.get("PLANTPREDICT_USERNAME"):
        return ClientCredentials(
            os.environ["PLANTPREDICT_CLIENT_ID"],
            os.environ.get("PLANTPREDICT_CLIENT_SECRET", DEMO_CLIENT_SECRET),
            token_url=f"{args.base_url}/oauth2/token",
        )
    return PasswordCredentials(
        os.environ.get("PLANTPREDICT_USERNAME", DEMO_USERNAME),
        os.environ.get("PLANTPREDICT_PASSWORD", DEMO_PASSWORD),
        os.environ.get("PLANTPREDICT_CLIENT_ID", DEMO_CLIENT_ID),
        os.environ.get("PLANTPREDICT_CLIENT_SECRET", DEMO_CLIENT_SECRET),
        token_url=f"{args.base_url}/oauth2/v1/token",
    )


def sweep_values(args: argparse.Namespace) -> list[float]:
    if args.count == 1:
        return [args.start]
    step = (args.stop - args.start) / (args.count - 1)
    return [round(args.start + i * step, 3) for i in range(args.count)]


# ------------------------------------------------------------------------------------------------
# the library: a module, an inverter and a weather file near the site


def _num(value: object, default: float = 0.0) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


LibraryItem = TypeVar("LibraryItem", Module, Inverter, Weather)


def with_ids(items: list[LibraryItem]) -> dict[int, LibraryItem]:
    """Library entries by id (a listed entry always has one; the schema only allows it not to)."""
    return {item.id: item for item in items if not isinstance(item.id, Unset)}


async def pick_library(client: Client, args: argparse.Namespace, console: Console) -> Library:
    modules = with_ids(await client.modules.list())
    inverters = with_ids(await client.inverters.list())
    weathers = with_ids(
        await client.weather.search(latitude=args.latitude, longitude=args.longitude, search_radius=200.0)
    )
    if not (modules and inverters and weathers):
        if args.live:
            raise SystemExit("the library has no module, inverter or weather file near the site: add them first")
        console.print("[yellow]The simulator's library is empty: adding a module, an inverter and a weather file.")
        modules = modules or await _add_module(client)
        inverters = inverters or await _add_inverter(client)
        weathers = weathers or await _add_weather(client, args)
    module_id = max(modules, key=lambda i: _num(modules[i].stc_max_power))
    inverter_id = max(inverters, key=lambda i: _num(inverters[i].power_rated))
    weather_id = min(weathers, key=lambda i: _num(weathers[i].distance, math.inf))
    return Library(modules[module_id], module_id, inverters[inverter_id], inverter_id, weathers[weather_id], weather_id)


async def _add_module(client: Client) -> dict[int, Module]:
    module = new_module()
    return {(await client.modules.create(module)).id: module}


async def _add_inverter(client: Client) -> dict[int, Inverter]:
    inverter = new_inverter()
    return {(await client.inverters.create(inverter)).id: inverter}


async def _add_weather(client: Client, args: argparse.Namespace) -> dict[int, Weather]:
    weather = Weather(name="Example TMY", latitude=args.latitude, longitude=args.longitude, distance=0.0)
    return {(await client.weather.create(weather)).id: weather}


# ------------------------------------------------------------------------------------------------
# one prediction


def design(library: Library, args: argparse.Namespace, value: float) -> PowerPlant:
    """One block of identical inverters, each with one DC field, sized for --plant-mw AC."""
    module_w = _num(library.module.stc_max_power, 550.0)
    inverter_kw = _num(library.inverter.power_rated, 3600.0) or 3600.0
    inverters = max(1, round(args.plant_mw * 1000.0 / inverter_kw))
    tilt = value if args.sweep == "tilt" else 25.0
    dcac = value if args.sweep == "dcac" else 1.3
    modules_in_series = 28
    strings = max(1, round(inverter_kw * dcac * 1000.0 / (module_w * modules_in_series)))
    field = dc_field(library.module_id, module_w, modules_in_series, strings, tilt)
    return power_plant(field, library.inverter_id, inverter_kw, inverters)


# ------------------------------------------------------------------------------------------------
# the sweep, on the batch runner


def job_key(args: argparse.Namespace, value: float) -> str:
    return f"{args.sweep}={value:g}"


def sweep_jobs(args: argparse.Namespace, library: Library, values: list[float]) -> list[BatchJob]:
    return [
        BatchJob(
            key=job_key(args, value),
            prediction=prediction(f"{args.sweep} = {value:g}", library.weather_id),
            power_plant=design(library, args, value),
        )
        for value in values
    ]


def summarize(summary: PredictionResultSummary) -> dict[str, float | None]:
    """What the journal keeps of each result summary: the first year's energy, yield and PR."""
    found: dict[str, float | None] = {"energy_mwh": None, "specific_yield": None, "performance_ratio": None}
    years = summary.years or []  # UNSET is falsy
    if not years:
        return found
    first = years[0]
    found["energy_mwh"] = _num(first.total_energy) / 1000.0
    factors = first.summary_factors or []
    p50 = next((f for f in factors if f.p_value == 50), factors[0] if factors else None)
    if p50 is not None:
        found["specific_yield"] = _num(p50.specific_yield_dc)
        found["performance_ratio"] = _num(p50.performance_ratio)
    return found


def journal_for(args: argparse.Namespace) -> Journal:
    if args.redis:
        return RedisJournal(args.redis, args.sweep_name)
    args.journal.parent.mkdir(parents=True, exist_ok=True)
    return SqliteJournal(args.journal)


async def show_progress(journal: Journal, keys: list[str], progress: Progress, stages: dict[str, TaskID]) -> None:
    """The bars follow the journal (so a resumed sweep starts where it stopped, and several
    workers' progress adds up)."""
    while True:
        now = progress_of(await journal.records(), keys)
        for name, _ in STAGES:
            progress.update(stages[name], completed=getattr(now, name))
        await asyncio.sleep(0.25)


def rows_from(report: BatchReport, values: list[float]) -> list[Row]:
    rows = []
    for value, record in zip(values, report.records, strict=True):
        row = Row(value, record.key, record.prediction_id)
        row.status = record.run_status or ("failed" if record.error else record.state.value)
        row.error = record.error
        if record.started_at and record.updated_at and record.finished:
            row.seconds = record.updated_at - record.started_at
        for name, number in report.summaries.get(record.key, {}).items():
            setattr(row, name, number)
        rows.append(row)
    return rows


def say_what_happened(report: BatchReport, console: Console) -> None:
    if report.finished_before:
        console.print(f"{report.finished_before} prediction(s) were already finished in the journal: not touched.")
    if report.resumed_runs:
        console.print(f"{report.resumed_runs} run(s) started earlier were waited for, not started again.")
    if report.reconciled or report.resent:
        console.print(
            f"{report.reconciled} create(s) or run(s) whose answer was lost were found and adopted"
            + (f", {report.resent} were looked up, not found, and sent again" if report.resent else "")
            + "."
        )
    for orphan in report.orphans:
        console.print(f"[yellow]orphan left in place: {orphan}")
    if report.unfinished:
        console.print(f"[yellow]{len(report.unfinished)} run(s) still going past --deadline: run again to wait.")


# ------------------------------------------------------------------------------------------------


def site(args: argparse.Namespace) -> Project:
    return Project(
        name=args.name,
        latitude=args.latitude,
        longitude=args.longitude,
        elevation=args.elevation,
        standard_offset_from_utc=args.utc_offset,
    )


async def run(args: argparse.Namespace, console: Console) -> int:
    values = sweep_values(args)
    keys = [job_key(args, value) for value in values]
    credentials = credentials_for(args)
    base_url = None if args.live else args.base_url
    retry = evolve(RetryPolicy.batch(), rate_limit_initial=args.rate_limit_wait)
    journal = journal_for(args)
    store = RedisCooldownStore(args.redis, credentials) if args.redis else None
    try:
        async with connect(credentials, base_url=base_url, retry=retry, max_concurrency=args.concurrency * 2) as client:
            share_cooldown(client, store)
            library = await pick_library(client, args, console)
            console.print(
                f"Library: module [bold]{library.module.name}[/], inverter [bold]{library.inverter.name}[/], "
                f"weather [bold]{library.weather.name}[/]"
            )
            await journal.open()
            before = progress_of(await journal.records(), keys)
            console.print(f"Journal: {journal!r}")
            if before.created:
                console.print(
                    f"[bold]Resuming[/]: {before.finished} of {before.total} finished, "
                    f"{before.started - before.finished} run(s) started earlier, {before.failed} given up."
                )
            runner = BatchRunner(
                client,
                journal,
                project=site(args),
                concurrency=args.concurrency,
                retry_failed=args.retry_failed,
                deadline=args.deadline,
                poll_initial=args.poll,
                poll_max=args.poll_max,
                lease_seconds=args.lease,
                summarize=summarize,
            )
            report = await run_with_progress(runner, sweep_jobs(args, library, values), args, console)
    finally:
        await journal.aclose()
        if store is not None:
            store.close()
    rows = rows_from(report, values)
    console.print(results_table(rows, args))
    say_what_happened(report, console)
    for path in write_outputs(rows, args):
        console.print(f"wrote {path}")
    failed = [row for row in rows if row.status != "success"]
    if failed:
        console.print(f"[yellow]{len(failed)} of {len(rows)} predictions did not succeed (see the status column).")
    return 0


async def run_with_progress(
    runner: BatchRunner, jobs: list[BatchJob], args: argparse.Namespace, console: Console
) -> BatchReport:
    columns = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    keys = [job.key for job in jobs]
    with Progress(*columns, console=console) as progress:
        stages = {name: progress.add_task(label, total=len(jobs)) for name, label in STAGES}
        watcher = asyncio.create_task(show_progress(runner.journal, keys, progress, stages))
        try:
            return await runner.run(jobs)
        except asyncio.CancelledError:
            if args.cancel_on_interrupt:
                cancelled = await asyncio.shield(runner.cancel_runs())
                console.print(f"[yellow]Cancelled {cancelled} started run(s).")
            raise
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
            now = progress_of(await asyncio.shield(runner.journal.records()), keys)
            for name, _ in STAGES:
                progress.update(stages[name], completed=getattr(now, name))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    try:
        return asyncio.run(run(args, console))
    except KeyboardInterrupt:
        where = args.sweep_name if args.redis else args.journal
        console.print(f"[yellow]Interrupted.[/] Run the same command again to resume from the journal ({where}).")
        return 130
    except PlantPredictError as exc:
        console.print(f"[red]{type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
