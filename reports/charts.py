"""The report's chart: 24 months of world totals, top partners stacked, YTD vs last year.

Why two steps: ``chart_data`` is a pure, read-only query of the marts (so tests can compare its
numbers with the marts'), and ``draw_chart`` only draws. Drawing uses matplotlib's Agg canvas
on a bare ``Figure`` — no pyplot, no GUI, no global state — so it works headless (cron, CI,
Prefect workers) whatever ``MPLBACKEND`` says.

A month the warehouse does not hold is a gap (NaN), never a zero: a zero would read as
"China exported nothing", which is news; a gap reads as "not loaded".

A chart of the modeled sample (source ``sample``, what the text, markdown and JSON reports mark
"MODELED SAMPLE") says so on the image itself, in its title and as a large watermark across
every panel: a PNG travels without the report that explains it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import SAMPLE_SOURCE
from customs_etl.core.partners import partner_name
from customs_etl.core.queries import fetch_one
from customs_etl.core.sql_text import literal
from customs_etl.reports.commodities import ReportSeries, single_line

WINDOW_MONTHS = 24
TOP_PARTNERS = 5
OTHER = "Other"
INK = "#1f4e79"
PARTNER_COLOURS = ("#1f4e79", "#2e86c1", "#48c9b0", "#f5b041", "#e74c3c", "#8e44ad", "#27ae60")
OTHER_COLOUR = "#a6acaf"
PREVIOUS_COLOUR = "#7f8c8d"
CURRENT_COLOUR = "#c0392b"
MODELED_MARK = "MODELED SAMPLE"
MODELED_NOTE = "bundled demo data, partly modeled: not a GACC release"
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class ChartData:
    """Everything the chart shows, in tonnes; NaN marks a month the warehouse lacks.

    ``world``: one value per month of the window. ``partners``: same index, one column per
    top partner (ISO code, largest first) plus ``Other``. ``ytd``: index 1..12 (month),
    columns previous year and report year, cumulative tonnes as the marts state them.
    """

    period: date
    commodity_code: str
    flow: str
    source: str
    world: pd.Series
    partners: pd.DataFrame
    ytd: pd.DataFrame


def add_months(month: date, count: int) -> date:
    """First day of the month ``count`` months after (or before) ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _source_for(
    con: duckdb.DuckDBPyConnection, period: date, macro_args: str, name: str, flow: str
) -> str:
    """The same series the report picks for this month (a real release over the sample)."""
    row = fetch_one(
        con,
        f"SELECT source FROM marts.series_months_of({macro_args})"
        " WHERE reporter = 'CN' AND flow = ? AND period = ? AND coverage <> 'missing'"
        " ORDER BY source = ?, coverage <> 'complete', source LIMIT 1",
        [flow, period, SAMPLE_SOURCE],
    )
    if row is None:
        raise CustomsEtlError(
            f"no {flow} figures for {name} in {period:%Y-%m} in the warehouse; "
            "run a backfill for that month first"
        )
    return row[0]


def _month_index(frame: pd.DataFrame) -> pd.DataFrame:
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    return frame


def chart_data(
    con: duckdb.DuckDBPyConnection,
    period: date,
    commodity: str | ReportSeries,
    flow: str = "export",
    *,
    months: int = WINDOW_MONTHS,
    top: int = TOP_PARTNERS,
) -> ChartData:
    """Query the marts for the chart ending at ``period``; the window starts no earlier than
    the first month held for this source, flow and series (clipped, not padded with gaps)."""
    series = commodity if isinstance(commodity, ReportSeries) else single_line(commodity)
    # the series macros read only these lines
    args = f"{literal(list(series.codes))}, {literal(series.grouped)}"
    commodity_code = "+".join(series.codes)
    source = _source_for(con, period, args, commodity_code, flow)
    key = [source, flow]
    (first_held,) = fetch_one(
        con,
        f"SELECT min(period) FROM marts.series_months_of({args})"
        " WHERE reporter = 'CN' AND source = ? AND flow = ? AND coverage <> 'missing'",
        key,
    ) or (None,)
    start = max(add_months(period, 1 - months), first_held)
    axis = pd.Index(
        [add_months(start, i) for i in range(_months_between(start, period) + 1)], name="period"
    )

    world = _month_index(
        con.execute(
            f"SELECT period, tonnes::DOUBLE AS tonnes FROM marts.series_months_of({args})"
            " WHERE reporter = 'CN' AND source = ? AND flow = ? AND period BETWEEN ? AND ?",
            [*key, start, period],
        ).df()
    )
    world_series = world.set_index("period")["tonnes"].reindex(axis).astype(float)
    world_series.name = "world"

    by_partner = _month_index(
        con.execute(
            "SELECT period, partner, tonnes::DOUBLE AS tonnes"
            f" FROM marts.series_partners_of({args})"
            " WHERE reporter = 'CN' AND source = ? AND flow = ? AND coverage = 'complete'"
            " AND period BETWEEN ? AND ?",
            [*key, start, period],
        ).df()
    )
    partners = _stack_partners(by_partner, axis, top)

    ytd = _month_index(
        con.execute(
            f"SELECT period, ytd_tonnes::DOUBLE AS ytd FROM marts.series_months_of({args})"
            " WHERE reporter = 'CN' AND source = ? AND flow = ? AND period BETWEEN ? AND ?",
            [*key, date(period.year - 1, 1, 1), period],
        ).df()
    )
    ytd_table = pd.DataFrame(
        index=pd.RangeIndex(1, 13, name="month"),
        columns=[period.year - 1, period.year],
        dtype=float,
    )
    for moment, value in zip(ytd["period"], ytd["ytd"], strict=True):
        ytd_table.loc[moment.month, moment.year] = value
    return ChartData(period, commodity_code, flow, source, world_series, partners, ytd_table)


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _stack_partners(by_partner: pd.DataFrame, axis: pd.Index, top: int) -> pd.DataFrame:
    """Top ``top`` partners by tonnes over the window, the rest summed as ``Other``.

    In a month the warehouse holds, a partner without a row bought nothing (0); a month with
    no partner rows at all stays NaN in every column (a gap in the stack).
    """
    if by_partner.empty:
        return pd.DataFrame(index=axis, columns=[OTHER], dtype=float)
    wide = by_partner.pivot_table(
        index="period", columns="partner", values="tonnes", aggfunc="sum"
    ).reindex(axis)
    held = wide.notna().any(axis=1)
    leaders = list(wide.sum().sort_values(ascending=False, kind="stable").index[:top])
    stacked = wide[leaders].fillna(0.0)
    stacked[OTHER] = wide.drop(columns=leaders).sum(axis=1)
    stacked.loc[~held] = float("nan")
    stacked.columns.name = None
    return stacked.astype(float)


# ---------------------------------------------------------------- drawing


def modeled(data: ChartData) -> bool:
    """The chart shows the modeled sample: the series the reports mark "MODELED SAMPLE"."""
    return data.source == SAMPLE_SOURCE


def chart_title(data: ChartData, label: str | None = None) -> str:
    """'Rare-earth permanent magnets (85051110): China exports, July 2025' (with
    ' — MODELED SAMPLE' when the figures are the modeled sample)."""
    verb = "exports" if data.flow == "export" else "imports"
    subject = data.commodity_code
    if label:
        subject = f"{label[:1].upper()}{label[1:]} ({data.commodity_code})"
    title = f"{subject}: China {verb}, {data.period:%B %Y}"
    return f"{title} — {MODELED_MARK}" if modeled(data) else title


def _mark_modeled(figure: Figure) -> None:
    """A large diagonal watermark across the panels and a footer line (laid out with the
    panels, so it never covers their labels): a cropped or shrunk image still shows it."""
    figure.text(
        0.5, 0.5, MODELED_MARK, fontsize=80, fontweight="bold", color=CURRENT_COLOUR,
        alpha=0.2, rotation=48, ha="center", va="center", zorder=10,
    )  # fmt: skip
    figure.supxlabel(
        f"{MODELED_MARK}: {MODELED_NOTE}", fontsize=11, fontweight="bold", color=CURRENT_COLOUR
    )


def _tonnes_axis(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.yaxis.set_major_locator(MaxNLocator(6))
    ax.set_ylabel("tonnes")
    ax.grid(axis="y", alpha=0.3)


def _month_ticks(ax: Axes, months: list[date]) -> None:
    """Every month when few, else every third ending at the report month; years shown once."""
    step = 1 if len(months) <= 12 else 3
    positions = [i for i in range(len(months)) if i % step == (len(months) - 1) % step]
    labels = []
    for i in positions:
        name = MONTH_ABBR[months[i].month - 1]
        labels.append(
            f"{name}\n{months[i].year}" if months[i].month == 1 or i == positions[0] else name
        )
    ax.set_xticks(positions, labels)
    ax.set_xlim(-0.6, len(months) - 0.4)


def _draw_world(ax: Axes, data: ChartData) -> None:
    x = range(len(data.world))
    ax.plot(x, data.world.to_numpy(), marker="o", markersize=3.5, linewidth=2, color=INK)
    latest = data.world.iloc[-1]
    if pd.notna(latest):
        ax.annotate(
            f"{latest:,.0f} t",
            (len(data.world) - 1, latest),
            textcoords="offset points",
            xytext=(-6, 8),
            ha="right",
            fontsize=9,
            color=INK,
        )
    first, last = data.world.index[0], data.world.index[-1]
    span = f"{first:%b %Y} – {last:%b %Y}, {len(data.world)} months"
    ax.set_title(f"World total, {span}", loc="left", fontsize=11)
    ax.set_ylim(0, max(float(data.world.max(skipna=True) or 0), 1.0) * 1.15)
    _tonnes_axis(ax)
    _month_ticks(ax, list(data.world.index))


def _draw_partners(ax: Axes, data: ChartData) -> None:
    x = range(len(data.partners))
    bottom = pd.Series(0.0, index=data.partners.index)
    for i, column in enumerate(data.partners.columns):
        values = data.partners[column]
        ax.bar(
            x,
            values.to_numpy(),
            bottom=bottom.to_numpy(),
            width=0.8,
            color=OTHER_COLOUR if column == OTHER else PARTNER_COLOURS[i % len(PARTNER_COLOURS)],
            label=OTHER if column == OTHER else partner_name(column),
            edgecolor="white",
            linewidth=0.4,
        )
        bottom = bottom + values
    leaders = len(data.partners.columns) - 1
    ax.set_title(
        f"By partner: top {leaders} over the window, rest as Other", loc="left", fontsize=11
    )
    ax.legend(ncols=6, fontsize=8, loc="upper left", frameon=False)
    peak = bottom.max(skipna=True)
    ax.set_ylim(0, (peak if pd.notna(peak) and peak > 0 else 1.0) * 1.3)  # legend head-room
    _tonnes_axis(ax)
    _month_ticks(ax, list(data.partners.index))


def _draw_ytd(ax: Axes, data: ChartData) -> None:
    year = data.period.year
    for column, colour, dash in ((year - 1, PREVIOUS_COLOUR, "--"), (year, CURRENT_COLOUR, "-")):
        series = data.ytd[column]
        ax.plot(
            list(series.index),
            series.to_numpy(),
            marker="o",
            markersize=3.5,
            linewidth=2,
            linestyle=dash,
            color=colour,
            label=str(column),
        )
    ax.set_title(f"Cumulative from January: {year} vs {year - 1}", loc="left", fontsize=11)
    ax.set_xticks(range(1, 13), MONTH_ABBR)
    ax.set_xlim(0.6, 12.4)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=9, loc="upper left", frameon=False)
    _tonnes_axis(ax)


def chart_figure(data: ChartData, title: str | None = None) -> Figure:
    """The three panels (world line, partner stack, YTD) on one figure, marked when modeled."""
    figure = Figure(figsize=(10, 11), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)  # explicit Agg canvas: headless whatever MPLBACKEND says
    world_ax, stack_ax, ytd_ax = figure.subplots(3, 1, height_ratios=[1, 1.2, 1])
    title = title or chart_title(data)
    if modeled(data) and MODELED_MARK not in title:  # a caller's own title is marked too
        title = f"{title} — {MODELED_MARK}"
    figure.suptitle(title, fontsize=14, fontweight="bold")
    _draw_world(world_ax, data)
    _draw_partners(stack_ax, data)
    _draw_ytd(ytd_ax, data)
    if modeled(data):
        _mark_modeled(figure)
    return figure


def draw_chart(data: ChartData, path: str | os.PathLike[str], title: str | None = None) -> Path:
    """Write the chart as one PNG; returns the path."""
    target = Path(path)
    figure = chart_figure(data, title)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, format="png")
    return target


def write_chart(
    con: duckdb.DuckDBPyConnection,
    period: date,
    commodity: str | ReportSeries,
    path: str | os.PathLike[str],
    flow: str = "export",
    label: str | None = None,
) -> Path:
    """Query and draw in one call (what ``customs-etl report --chart FILE.png`` does)."""
    data = chart_data(con, period, commodity, flow)
    return draw_chart(data, path, chart_title(data, label))
