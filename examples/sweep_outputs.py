"""The sweep's outputs: a table on the terminal, results.csv, results.json and yield.png.

Kept apart from batch_predictions.py (which imports it) so each file reads on its own.
"""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.table import Table


@dataclass
class Row:
    """One prediction of the sweep and what became of it (from the journal)."""

    value: float
    key: str
    prediction_id: int | None = None
    status: str = "pending"
    energy_mwh: float | None = None
    specific_yield: float | None = None
    performance_ratio: float | None = None
    error: str | None = None
    seconds: float = 0.0


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
    records: list[dict[str, Any]] = [asdict(row) for row in rows]
    (folder / "results.json").write_text(json.dumps({"sweep": args.sweep, "rows": records}, indent=2) + "\n")
    with (folder / "results.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    good = [(r.value, r.specific_yield) for r in rows if r.specific_yield is not None]
    bad = [r for r in rows if r.specific_yield is None]
    figure, axis = plt.subplots(figsize=(8, 4.5), dpi=120)
    axis.plot([v for v, _ in good], [y for _, y in good], "o-", color="tab:orange", label="specific yield")
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
