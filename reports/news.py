"""The news-desk report: one month of one commodity, as JSON, text or markdown.

Numbers come from the marts (``marts.world_monthly``, ``marts.partner_ranked``); this module
only selects and words them. JSON keeps full precision (tonnes from kilograms, percentages as
percent, unrounded); text and markdown round for reading.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from customs_etl.errors import CustomsEtlError
from transforms.partners import partner_name

ORDINALS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
)
TOP_PARTNERS_SHOWN = 10


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def build_report(
    con: duckdb.DuckDBPyConnection, period: date, commodity: str, flow: str = "export"
) -> dict[str, Any]:
    """The report's JSON contract (see README "Report")."""
    world = con.execute(
        "SELECT tonnes, mom_pct, yoy_pct, ytd_tonnes, ytd_yoy_pct, highest_since,"
        " consecutive_rises, source FROM marts.world_monthly"
        " WHERE commodity_code = ? AND flow = ? AND period = ? ORDER BY source LIMIT 1",
        [commodity, flow, period],
    ).fetchone()
    if world is None:
        raise CustomsEtlError(
            f"no {flow} figures for {commodity} in {period:%Y-%m} in the warehouse; "
            "run a backfill for that month first"
        )
    tonnes, mom, yoy, ytd, ytd_yoy, since, rises, source = world
    partners = con.execute(
        "SELECT partner, tonnes, mom_pct, yoy_pct, rank, share_pct FROM marts.partner_ranked"
        " WHERE commodity_code = ? AND flow = ? AND period = ? AND source = ?"
        " ORDER BY rank, partner",
        [commodity, flow, period, source],
    ).fetchall()
    return {
        "period": f"{period:%Y-%m}",
        "commodity": commodity,
        "flow": flow,
        "world": {
            "tonnes": _num(tonnes),
            "mom_pct": _num(mom),
            "yoy_pct": _num(yoy),
            "ytd_tonnes": _num(ytd),
            "ytd_yoy_pct": _num(ytd_yoy),
            "highest_since": since.strftime("%Y-%m") if since else None,
            "consecutive_rises": int(rises or 0),
        },
        "partners": [
            {
                "partner": p,
                "name": partner_name(p),
                "tonnes": _num(t),
                "mom_pct": _num(m),
                "yoy_pct": _num(y),
                "rank": int(r),
                "share_pct": _num(s),
            }
            for p, t, m, y, r, s in partners
        ],
    }


# ---------------------------------------------------------------- wording


def tonnes_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} t"


def pct_text(value: float | None) -> str:
    """Signed percent with one decimal, '.0' dropped, typographic minus: '+75.5 %', '−15 %'."""
    if value is None:
        return "n/a"
    text = f"{value:+.1f}".removesuffix(".0")
    return text.replace("-", "−") + " %"


def _month_name(ym: str, reference: date) -> str:
    moment = date(int(ym[:4]), int(ym[5:7]), 1)
    return f"{moment:%B}" if moment.year == reference.year else f"{moment:%B %Y}"


def _world_sentences(report: dict[str, Any], period: date, label: str | None) -> list[str]:
    world = report["world"]
    subject = label or report["commodity"]
    verb = "exports" if report["flow"] == "export" else "imports"
    lead = (
        f"{period:%B %Y}: China's {verb} of {subject} were {tonnes_text(world['tonnes'])}, "
        f"{pct_text(world['mom_pct'])} m/m and {pct_text(world['yoy_pct'])} y/y"
    )
    extras = []
    if world["highest_since"]:
        extras.append(f"the highest since {_month_name(world['highest_since'], period)}")
    elif world["tonnes"] is not None and world["mom_pct"] is not None:
        extras.append("the highest on record in the warehouse")
    rises = world["consecutive_rises"]
    if rises >= 1:
        word = ORDINALS[rises - 1] if rises <= len(ORDINALS) else f"{rises}th"
        extras.append(f"the {word} monthly rise in a row")
    sentences = [lead + (" — " + ", ".join(extras) if extras else "") + "."]
    if world["ytd_tonnes"] is not None:
        span = "January" if period.month == 1 else f"Jan–{period:%b}"
        sentences.append(
            f"{span} {period.year}: {tonnes_text(world['ytd_tonnes'])}, "
            f"{pct_text(world['ytd_yoy_pct'])} y/y."
        )
    return sentences


def _partner_sentences(report: dict[str, Any]) -> list[str]:
    partners = report["partners"]
    if not partners:
        return []
    top = partners[0]
    out = [
        f"{top['name']} was the largest buyer at {tonnes_text(top['tonnes'])} "
        f"({pct_text(top['mom_pct'])} m/m, {pct_text(top['yoy_pct'])} y/y, "
        f"{top['share_pct']:.1f} % of the total)."
    ]
    us = next((p for p in partners if p["partner"] == "US"), None)
    if us is not None and us is not top:
        out.append(
            f"To the {us['name']}: {tonnes_text(us['tonnes'])}, "
            f"{pct_text(us['mom_pct'])} m/m, {pct_text(us['yoy_pct'])} y/y "
            f"(rank {us['rank']})."
        )
    return out


def render_text(report: dict[str, Any], label: str | None = None) -> str:
    period = date(int(report["period"][:4]), int(report["period"][5:7]), 1)
    lines = [*_world_sentences(report, period, label), *_partner_sentences(report), ""]
    lines.append(
        f"{'rank':>4}  {'partner':<22} {'tonnes':>10} {'m/m':>10} {'y/y':>10} {'share':>7}"
    )
    for p in report["partners"][:TOP_PARTNERS_SHOWN]:
        lines.append(
            f"{p['rank']:>4}  {p['name'][:22]:<22} {tonnes_text(p['tonnes']):>10} "
            f"{pct_text(p['mom_pct']):>10} {pct_text(p['yoy_pct']):>10} "
            f"{p['share_pct']:>6.1f}%"
        )
    return "\n".join(lines)


def _image_target(path: str | os.PathLike[str]) -> str:
    """A markdown link target; angle brackets keep paths with spaces or parentheses intact."""
    text = Path(path).as_posix()
    return f"<{text}>" if any(c in text for c in " ()<>") else text


def render_markdown(
    report: dict[str, Any],
    label: str | None = None,
    chart_path: str | os.PathLike[str] | None = None,
) -> str:
    """The brief as markdown; with ``chart_path`` the chart is embedded after the prose."""
    period = date(int(report["period"][:4]), int(report["period"][5:7]), 1)
    title = label or report["commodity"]
    lines = [f"## {title} ({report['commodity']}), {report['flow']}s, {period:%B %Y}", ""]
    lines += [*_world_sentences(report, period, label), "", *_partner_sentences(report), ""]
    if chart_path is not None:
        alt = f"{title}: last 24 months, top partners, year to date ({period:%B %Y})"
        lines += [f"![{alt}]({_image_target(chart_path)})", ""]
    lines += [
        "| rank | partner | tonnes | m/m | y/y | share |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for p in report["partners"][:TOP_PARTNERS_SHOWN]:
        lines.append(
            f"| {p['rank']} | {p['name']} | {tonnes_text(p['tonnes'])} | "
            f"{pct_text(p['mom_pct'])} | {pct_text(p['yoy_pct'])} | "
            f"{p['share_pct']:.1f} % |"
        )
    return "\n".join(lines)


def render(
    report: dict[str, Any],
    fmt: str,
    label: str | None = None,
    chart_path: str | os.PathLike[str] | None = None,
) -> str:
    """``json`` (the contract), ``markdown`` or ``text``; only markdown embeds ``chart_path``
    (the JSON contract stays as documented, text has nowhere to put an image)."""
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False)
    if fmt == "markdown":
        return render_markdown(report, label, chart_path)
    return render_text(report, label)
