"""Sweep one design parameter over a batch of PlantPredict predictions, then tabulate and plot.

For each value of the swept parameter (fixed-tilt angle, or DC/AC ratio) this program creates a
prediction in one project, attaches a power plant built from a library module and inverter, runs
it, waits for it to finish, and reads its result summary. Up to --concurrency predictions are in
progress at once; a prediction that fails is reported with its error and the others carry on.
Results land in an output folder: results.csv, results.json and yield.png.

Against the local simulator (what `make demo` does)::

    python examples/batch_predictions.py --base-url http://127.0.0.1:8765

Against the real PlantPredict API, with PLANTPREDICT_* credentials in the environment::

    python examples/batch_predictions.py --live --sweep dcac --count 12

Ctrl-C stops the batch; with --cancel-on-interrupt the runs it started are cancelled too.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from attrs import evolve
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from plantpredict_auth import (
    ClientCredentials,
    Credentials,
    PasswordCredentials,
    PlantPredictError,
    PredictionRunError,
    RetryPolicy,
    connect,
    credentials_from_env,
    status_of,
    wait_for_prediction,
)
from plantpredict_client import Client
from plantpredict_client.api.inverters import create_inverter, list_inverters
from plantpredict_client.api.modules import create_module, list_modules
from plantpredict_client.api.power_plant import create_power_plant
from plantpredict_client.api.predictions import cancel_prediction, create_prediction, run_prediction
from plantpredict_client.api.projects import create_project
from plantpredict_client.api.results import get_result_summary
from plantpredict_client.api.weather import create_weather, search_weather
from plantpredict_client.models import (
    Block,
    DCField,
    DCFieldTrackingTypeEnum,
    Inverter,
    Module,
    PowerPlant,
    PowerPlantArray,
    PowerPlantInverter,
    Prediction,
    PredictionResultSummary,
    ProcessingStatusEnum,
    Project,
    Weather,
)
from plantpredict_client.types import UNSET

SWEEPS = {
    "tilt": ("fixed tilt (degrees)", 0.0, 46.0),
    "dcac": ("DC/AC ratio", 1.0, 1.69),
}
DEMO_USERNAME = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # the simulator's published demo credentials, not a secret
DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"


@dataclass
class Row:
    """One prediction of the sweep and what became of it."""

    value: float
    prediction_id: int | None = None
    status: str = "pending"
    energy_mwh: float | None = None
    specific_yield: float | None = None
    performance_ratio: float | None = None
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Library:
    module: Module
    inverter: Inverter
    weather: Weather


@dataclass
class Batch:
    args: argparse.Namespace
    client: Client
    project_id: int
    library: Library
    progress: Progress
    stages: dict[str, TaskID]
    started_runs: set[int] = field(default_factory=set)


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
    run.add_argument(
        "--rate-limit-wait",
        type=float,
        default=30.0,
        help="first cool-down after a 429 (s); PlantPredict advises 30, the simulator demo uses less",
    )
    out = parser.add_argument_group("output")
    out.add_argument("--output", type=Path, help="output folder (default: output/<time>-<sweep>)")
    out.add_argument("--name", default="Parameter sweep", help="project name")
    args = parser.parse_args(argv)
    label, start, stop = SWEEPS[args.sweep]
    args.label = label
    args.start = start if args.start is None else args.start
    args.stop = stop if args.stop is None else args.stop
    if args.count < 1 or args.concurrency < 1:
        parser.error("--count and --concurrency must be at least 1")
    if args.output is None:
        args.output = Path("output") / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{args.sweep}"
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


async def pick_library(client: Client, args: argparse.Namespace, console: Console) -> Library:
    modules = await list_modules.asyncio(client=client) or []
    inverters = await list_inverters.asyncio(client=client) or []
    weathers = (
        await search_weather.asyncio(
            client=client, latitude=args.latitude, longitude=args.longitude, search_radius=200.0
        )
        or []
    )
    if not (modules and inverters and weathers):
        if args.live:
            raise SystemExit("the library has no module, inverter or weather file near the site: add them first")
        console.print("[yellow]The simulator's library is empty: adding a module, an inverter and a weather file.")
        modules = modules or [await _add_module(client)]
        inverters = inverters or [await _add_inverter(client)]
        weathers = weathers or [await _add_weather(client, args)]
    module = max(modules, key=lambda m: _num(m.stc_max_power))
    inverter = max(inverters, key=lambda i: _num(i.power_rated))
    weather = min(weathers, key=lambda w: _num(w.distance, math.inf))
    return Library(module, inverter, weather)


async def _add_module(client: Client) -> Module:
    module = Module(
        name="Example 550 W module",
        manufacturer="Example",
        model="EX-550",
        stc_max_power=550.0,
        length=2278.0,
        width=1134.0,
        stc_power_temp_coef=-0.35,
    )
    created = await create_module.asyncio(client=client, body=module)
    module.id = created.id if created and isinstance(created.id, int) else UNSET
    return module


async def _add_inverter(client: Client) -> Inverter:
    inverter = Inverter(
        name="Example 3.6 MW inverter",
        manufacturer="Example",
        model="EX-3600",
        power_rated=3600.0,
        apparent_power=3600.0,
    )
    created = await create_inverter.asyncio(client=client, body=inverter)
    inverter.id = created.id if created and isinstance(created.id, int) else UNSET
    return inverter


async def _add_weather(client: Client, args: argparse.Namespace) -> Weather:
    weather = Weather(name="Example TMY", latitude=args.latitude, longitude=args.longitude, distance=0.0)
    created = await create_weather.asyncio(client=client, body=weather)
    weather.id = created.id if created and isinstance(created.id, int) else UNSET
    return weather


# ------------------------------------------------------------------------------------------------
# one prediction


def power_plant(library: Library, args: argparse.Namespace, value: float) -> PowerPlant:
    """One block of identical inverters, each with one DC field, sized for --plant-mw AC."""
    module_w = _num(library.module.stc_max_power, 550.0)
    inverter_kw = _num(library.inverter.power_rated, 3600.0) or 3600.0
    inverters = max(1, round(args.plant_mw * 1000.0 / inverter_kw))
    tilt = value if args.sweep == "tilt" else 25.0
    dcac = value if args.sweep == "dcac" else 1.3
    modules_in_series = 28
    strings = max(1, round(inverter_kw * dcac * 1000.0 / (module_w * modules_in_series)))
    field = DCField(
        name=1,
        repeater=1,
        module_id=library.module.id if isinstance(library.module.id, int) else None,
        tracking_type=DCFieldTrackingTypeEnum.FIXED_TILT,
        module_tilt=tilt,
        module_azimuth=180.0,
        modules_wired_in_series=modules_in_series,
        number_of_series_strings_wired_in_parallel=float(strings),
        ground_coverage_ratio=0.4,
        planned_module_rating=module_w,
    )
    inverter = PowerPlantInverter(
        name="1",
        repeater=inverters,
        inverter_id=library.inverter.id if isinstance(library.inverter.id, int) else None,
        setpoint_kw=inverter_kw,
        power_factor=1.0,
        dc_fields=[field],
    )
    return PowerPlant(
        blocks=[Block(name=1, repeater=1, arrays=[PowerPlantArray(name=1, repeater=1, inverters=[inverter])])],
        power_factor=1.0,
        availability_loss=0.0,
    )


def read_summary(row: Row, summary: PredictionResultSummary) -> None:
    years = summary.years if isinstance(summary.years, list) else []
    if not years:
        return
    first = years[0]
    row.energy_mwh = _num(first.total_energy) / 1000.0
    factors = first.summary_factors if isinstance(first.summary_factors, list) else []
    p50 = next((f for f in factors if f.p_value == 50), factors[0] if factors else None)
    if p50 is not None:
        row.specific_yield = _num(p50.specific_yield_dc)
        row.performance_ratio = _num(p50.performance_ratio)


async def one_prediction(batch: Batch, row: Row, slots: asyncio.Semaphore) -> None:
    args, client, stages = batch.args, batch.client, batch.stages
    async with slots:
        started = time.monotonic()
        try:
            prediction = Prediction(
                name=f"{args.sweep} = {row.value:g}",
                project_id=batch.project_id,
                weather_id=batch.library.weather.id if isinstance(batch.library.weather.id, int) else None,
                start=dt.datetime(2023, 1, 1),
                end=dt.datetime(2023, 12, 31, 23),
            )
            created = await create_prediction.asyncio(project_id=batch.project_id, client=client, body=prediction)
            if created is None or not isinstance(created.id, int):
                raise PlantPredictError("creating the prediction returned no id")
            row.prediction_id = created.id
            batch.progress.advance(stages["created"])
            await create_power_plant.asyncio_detailed(
                project_id=batch.project_id,
                prediction_id=created.id,
                client=client,
                body=power_plant(batch.library, args, row.value),
            )
            batch.progress.advance(stages["plant"])
            await run_prediction.asyncio_detailed(project_id=batch.project_id, prediction_id=created.id, client=client)
            batch.started_runs.add(created.id)
            batch.progress.advance(stages["running"])
            finished = await wait_for_prediction(
                client,
                batch.project_id,
                created.id,
                deadline=args.deadline,
                poll_initial=args.poll,
                poll_max=args.poll_max,
            )
            batch.started_runs.discard(created.id)
            status = status_of(finished)
            row.status = "unknown" if status is None else status.name.lower()
            if status is ProcessingStatusEnum.SUCCESS:
                summary = await get_result_summary.asyncio(
                    project_id=batch.project_id, prediction_id=created.id, client=client
                )
                if summary is not None:
                    read_summary(row, summary)
        except PredictionRunError as exc:
            row.status, row.error = "timed out", str(exc)
        except PlantPredictError as exc:
            # One failed item never sinks the batch: it is reported with its typed error.
            row.status, row.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            row.seconds = time.monotonic() - started
            batch.progress.advance(stages["done"])


async def cancel_started(batch: Batch, console: Console) -> None:
    """Cancel the runs this program started and that had not finished (on Ctrl-C, when asked)."""
    if not batch.started_runs:
        return
    console.print(f"[yellow]Cancelling {len(batch.started_runs)} started run(s)...")

    async def cancel(prediction_id: int) -> None:
        try:
            await cancel_prediction.asyncio_detailed(
                project_id=batch.project_id, prediction_id=prediction_id, client=batch.client
            )
        except PlantPredictError as exc:
            console.print(f"  could not cancel prediction {prediction_id}: {exc}")

    await asyncio.wait_for(asyncio.gather(*(cancel(p) for p in sorted(batch.started_runs))), timeout=30)


# ------------------------------------------------------------------------------------------------
# results


def results_table(rows: list[Row], args: argparse.Namespace) -> Table:
    table = Table(title=f"{args.name}: {len(rows)} predictions, {args.label}")
    for column, justify in [
        (args.label, "right"),
        ("energy (MWh/yr)", "right"),
        ("specific yield (kWh/kWp)", "right"),
        ("PR (%)", "right"),
        ("status", "left"),
        ("s", "right"),
    ]:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]  # rich's Literal of justify values
    for row in rows:
        style = "" if row.status == "success" else "red"
        table.add_row(
            f"{row.value:g}",
            "-" if row.energy_mwh is None else f"{row.energy_mwh:,.0f}",
            "-" if row.specific_yield is None else f"{row.specific_yield:,.0f}",
            "-" if row.performance_ratio is None else f"{row.performance_ratio:.1f}",
            row.status if row.error is None else f"{row.status}: {row.error[:60]}",
            f"{row.seconds:.1f}",
            style=style,
        )
    return table


def write_outputs(rows: list[Row], args: argparse.Namespace) -> list[Path]:
    folder: Path = args.output
    folder.mkdir(parents=True, exist_ok=True)
    records = [asdict(row) for row in rows]
    (folder / "results.json").write_text(json.dumps({"sweep": args.sweep, "rows": records}, indent=2) + "\n")
    with (folder / "results.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    good = [r for r in rows if r.specific_yield is not None]
    bad = [r for r in rows if r.specific_yield is None]
    figure, axis = plt.subplots(figsize=(8, 4.5), dpi=120)
    axis.plot(
        [r.value for r in good], [r.specific_yield for r in good], "o-", color="tab:orange", label="specific yield"
    )
    for row in bad:
        axis.axvline(row.value, color="tab:red", alpha=0.3, linewidth=1)
    axis.set_xlabel(args.label)
    axis.set_ylabel("specific yield (kWh/kWp per year)")
    axis.set_title(f"{args.name}: yield against {args.label} ({len(good)} of {len(rows)} runs)")
    axis.grid(True, alpha=0.3)
    if bad:
        axis.plot([], [], color="tab:red", alpha=0.3, label="failed run")
    axis.legend()
    figure.tight_layout()
    figure.savefig(folder / "yield.png")
    plt.close(figure)
    return [folder / "results.csv", folder / "results.json", folder / "yield.png"]


# ------------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace, console: Console) -> int:
    values = sweep_values(args)
    rows = [Row(value) for value in values]
    credentials = credentials_for(args)
    base_url = None if args.live else args.base_url
    retry = evolve(RetryPolicy.batch(), rate_limit_initial=args.rate_limit_wait)
    async with connect(credentials, base_url=base_url, retry=retry, max_concurrency=args.concurrency * 2) as client:
        library = await pick_library(client, args, console)
        console.print(
            f"Library: module [bold]{library.module.name}[/], inverter [bold]{library.inverter.name}[/], "
            f"weather [bold]{library.weather.name}[/]"
        )
        project = Project(
            name=args.name,
            latitude=args.latitude,
            longitude=args.longitude,
            elevation=args.elevation,
            standard_offset_from_utc=args.utc_offset,
        )
        created = await create_project.asyncio(client=client, body=project)
        if created is None or not isinstance(created.id, int):
            raise PlantPredictError("creating the project returned no id")
        columns = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as progress:
            stages = {
                name: progress.add_task(label, total=len(rows))
                for name, label in [
                    ("created", "predictions created"),
                    ("plant", "power plants attached"),
                    ("running", "runs started"),
                    ("done", "runs finished"),
                ]
            }
            batch = Batch(args, client, created.id, library, progress, stages)
            slots = asyncio.Semaphore(args.concurrency)
            try:
                await asyncio.gather(*(one_prediction(batch, row, slots) for row in rows))
            except asyncio.CancelledError:
                if args.cancel_on_interrupt:
                    await asyncio.shield(cancel_started(batch, console))
                raise
    console.print(results_table(rows, args))
    for path in write_outputs(rows, args):
        console.print(f"wrote {path}")
    failed = [row for row in rows if row.status != "success"]
    if failed:
        console.print(f"[yellow]{len(failed)} of {len(rows)} predictions did not succeed (see the status column).")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    try:
        return asyncio.run(run(args, console))
    except KeyboardInterrupt:
        console.print("[yellow]Interrupted.")
        return 130
    except PlantPredictError as exc:
        console.print(f"[red]{type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
