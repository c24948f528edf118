"""Plots of compliance and availability (extra ``slacalc[plot]``, matplotlib).

Every function returns a ``matplotlib.figure.Figure`` built without pyplot, so nothing opens
a window and no GUI backend is needed (the Agg canvas draws it); save it with
``fig.savefig("out.png")`` or let a notebook display it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .errors import SlacalcError
from .report import compliance, long_form

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .policy import Policy

__all__ = [
    "availability_chart",
    "breach_rate_by_month",
    "check_output",
    "dashboard",
    "response_times",
]

_RED, _GREEN, _GREY, _BLUE = "#c62828", "#2e7d32", "#757575", "#1565c0"


def _figure(width: float = 8.0, height: float = 4.0, rows: int = 1) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(width, height * rows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(rows, 1, i + 1) for i in range(rows)]
    return fig, axes


def _breach_rate(ax: Axes, evaluated: pd.DataFrame, metric: str, policy: Policy | None) -> None:
    table = compliance(evaluated, by="month", metrics=[metric], policy=policy)
    months = [str(m) for m in table.index]
    rate = table["late_rate"].to_numpy(dtype=float) * 100
    ax.bar(months, np.nan_to_num(rate), color=_RED, alpha=0.8, label="missed or breached")
    for x, (r, n) in enumerate(zip(rate, table["tickets"], strict=True)):
        if not np.isnan(r):
            ax.annotate(f"{r:.0f}%\n(n={n})", (x, r), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("% of decided tickets")
    ax.set_ylim(0, max(100.0, float(np.nanmax(rate, initial=0)) * 1.15))
    ax.set_title(f"{metric}: late rate (missed or breached) by month opened")
    ax.tick_params(axis="x", labelrotation=45)


def breach_rate_by_month(
    evaluated: pd.DataFrame, metric: str = "response", policy: Policy | None = None
) -> Figure:
    """Bars: the share of decided tickets (met, missed or breached) that were late, per month."""
    fig, (ax,) = _figure()
    _breach_rate(ax, evaluated, metric, policy)
    return fig


def _response_times(ax: Axes, evaluated: pd.DataFrame, metric: str, policy: Policy | None) -> None:
    long = long_form(evaluated, [metric], policy=policy)
    decided = long[long["state"].isin(("met", "missed"))]
    share = (decided["elapsed"] / decided["target"]).astype(float) * 100
    state = decided["state"].to_numpy()
    if len(share):
        top = max(200.0, float(np.quantile(share, 0.98)))
        width = top / 40
        bins = np.linspace(0, top + width, 42).tolist()  # the last bin holds everything above
        clipped = share.clip(upper=top + width / 2)
        ax.hist(clipped[state == "met"], bins=bins, color=_GREEN, alpha=0.8, label="met")
        ax.hist(clipped[state == "missed"], bins=bins, color=_RED, alpha=0.8, label="missed")
        over = int((share > top).sum())
        ax.axvspan(top, top + width, color=_GREY, alpha=0.15)
        ax.annotate(
            f"> {top:.0f}%\n({over})",
            (top + width / 2, 1),
            xycoords=("data", "axes fraction"),
            ha="center",
            va="top",
            fontsize=8,
        )
    ax.axvline(100, color="black", linestyle="--", linewidth=1.2, label="target")
    ax.set_xlabel(f"time to {metric}, as % of the ticket's target (business time on its clock)")
    ax.set_ylabel("tickets")
    ax.set_title(f"{metric}: elapsed against target, coloured by state (n={len(share)})")
    ax.legend(loc="upper center")  # the overflow bin is labelled at the upper right


def response_times(
    evaluated: pd.DataFrame, metric: str = "response", policy: Policy | None = None
) -> Figure:
    """Histogram of each stopped ticket's elapsed time as a share of its target, by state.

    Bars are coloured by the ticket's state (``met`` or ``missed``), not by where they fall,
    so a ticket the policy calls missed is never drawn as met. Values beyond the 98th
    percentile (at least 200%) share one last bin, labelled with its count.
    """
    fig, (ax,) = _figure()
    _response_times(ax, evaluated, metric, policy)
    return fig


def availability_chart(report: pd.DataFrame, now: datetime | None = None) -> Figure:
    """Availability per month (from ``report.availability_by_month``) against its target line.

    The month holding ``now`` (default: the current instant) is drawn hatched and labelled
    "so far": its figure covers only the part of the month that has passed.
    """
    fig, (ax,) = _figure()
    months = [str(m) for m in report.index]
    avail = report["availability"].to_numpy(dtype=float) * 100
    target = report["target"].to_numpy(dtype=float) * 100
    colours = [_GREEN if ok else _RED for ok in report["met"]]
    current = (now or datetime.now(UTC)).strftime("%Y-%m")
    bars = ax.bar(months, avail, color=colours, alpha=0.85)
    for bar, month in zip(bars, months, strict=True):
        if month == current:
            bar.set_hatch("//")
            bar.set_alpha(0.45)
            ax.annotate(
                "so far",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=8,
            )
        elif month > current:
            bar.set_alpha(0.2)
    if len(target):
        ax.axhline(
            target[0], color="black", linestyle="--", linewidth=1.2, label=f"target {target[0]:g}%"
        )
        low = min(float(np.min(avail)), float(target[0]))
        ax.set_ylim(max(0.0, low - (100 - low) * 0.5 - 0.01), 100.0)
        ax.legend(loc="lower right")
    ax.set_ylabel("availability, %")
    ax.set_title("availability by month")
    ax.tick_params(axis="x", labelrotation=45)
    return fig


def dashboard(
    evaluated: pd.DataFrame, metric: str = "response", policy: Policy | None = None
) -> Figure:
    """Breach rate by month above the time-against-target histogram (``report --plot``)."""
    fig, (top, bottom) = _figure(height=4.0, rows=2)
    _breach_rate(top, evaluated, metric, policy)
    _response_times(bottom, evaluated, metric, policy)
    return fig


def check_output(path: str | Path) -> None:
    """Refuse a file name whose extension matplotlib cannot draw (before any work is done)."""
    formats = FigureCanvasAgg.get_supported_filetypes()
    if Path(path).suffix.lower().lstrip(".") not in formats:
        raise SlacalcError(
            f"{path}: charts are drawn to a file ending in one of "
            f"{', '.join('.' + f for f in sorted(formats))}"
        )
