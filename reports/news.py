"""The news-desk report: one month of one series, as JSON, text or markdown.

A series is one line or a watchlist entry's lines summed like for like. Every claim comes
decided from the marts (``marts.series_months_of`` and ``marts.series_partners_of``: China's own
figures, reporter CN — partners' mirror figures are ``reports.mirror``'s): a claim whose
coverage preconditions do not hold arrives as NULL with the marts' caveats saying why, and this
module only selects and words them — each cause once (``reports.caveats``). JSON is strict (no
NaN or Infinity) and keeps full precision; text and markdown round as the press does
(``reports.wording``). No partner is singled out in code: the focus partners come from the
commodity's catalogue entry or ``--focus``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import SAMPLE_SOURCE
from customs_etl.core.partners import partner_name
from customs_etl.core.queries import fetch_one, named_rows
from customs_etl.reports.caveats import caveat_sentences
from customs_etl.reports.commodities import ReportSeries, single_line
from customs_etl.reports.wording import (
    PUBLICATION_NAMES,
    TONNES_DECIMALS,
    join_names,
    month_name,
    parse_month,
    pct_text,
    share_text,
    tonnes_text,
    with_article,
)

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
RECORD = "record"
MODELED_LINE = (
    "MODELED SAMPLE: these figures are the bundled demo data (partly modeled, source 'sample'), "
    "not a GACC release."
)


def json_number(value: Any) -> float | None:
    """A JSON-safe number: None for missing, NaN or infinite values (never printed)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _month(value: date | None) -> str | None:
    return None if value is None else f"{value:%Y-%m}"


def _since(when: date | None, block: str | None, record: bool) -> str | None:
    if block:
        return block
    if when is not None:
        return _month(when)
    return RECORD if record else None


def choose_source(
    con: duckdb.DuckDBPyConnection, period: date, commodity: str, flow: str
) -> str | None:
    """The series to report: a real release always wins over the modeled sample."""
    row = fetch_one(
        con,
        "SELECT source FROM marts.world_monthly_of([?])"
        " WHERE reporter = 'CN' AND commodity_code = ? AND flow = ?"
        " AND period = ? AND coverage <> 'missing' ORDER BY source = ?, source LIMIT 1",
        [commodity, commodity, flow, period, SAMPLE_SOURCE],
    )
    return None if row is None else row[0]


def _label_of(series: ReportSeries) -> str:
    return "+".join(series.codes)


def _refuse(
    con: duckdb.DuckDBPyConnection, period: date, series: ReportSeries, flow: str,
    world: dict[str, Any] | None,
) -> CustomsEtlError:  # fmt: skip
    """Why there is no brief for the month: nothing held, only filtered exports, only a
    combined block (January), or only a cumulative ending in it."""
    what = _label_of(series)
    if world is not None and world["coverage"] == "partial":
        cells = named_rows(
            con,
            "SELECT commodity_code, covered_partners, covered_trade_modes"
            " FROM marts.line_months_of(?) WHERE reporter = 'CN' AND flow = ? AND period = ?"
            " AND source = ? AND coverage = 'partial' ORDER BY commodity_code",
            [list(series.codes), flow, period, world["source"]],
        )
        partners = sorted({p for c in cells for p in (c["covered_partners"] or [])})
        modes = sorted({m for c in cells for m in (c["covered_trade_modes"] or [])})
        carried = f"partners {', '.join(partners) or 'none'}" + (
            f"; trade modes {', '.join(modes)}" if modes else ""
        )
        return CustomsEtlError(
            f"{period:%Y-%m}: only filtered (partial) exports cover {what} {flow}s ({carried}), "
            "so there is no world total to report; load a full export of the month"
        )
    if world is not None and world["coverage"] == "combined" and world["combined"]:
        block = world["combined"]
        last = block.split("..")[1]
        return CustomsEtlError(
            f"{period:%Y-%m} is published only combined with the months to {last} ({block}): "
            f"ask for --period {last}"
        )
    return CustomsEtlError(
        f"no {flow} figures for {what} in {period:%Y-%m} in the warehouse; "
        "run a backfill for that month first"
    )


WORLD_COLUMNS = (
    "source, commodity_code, coverage, lines, tonnes, value_usd, mom_pct, yoy_pct, ytd_tonnes,"
    " ytd_coverage, ytd_yoy_pct, highest_since, block_high_since, record_high,"
    " lowest_since, block_low_since, record_low, consecutive_rises, months_held,"
    " first_period, combined, non_mass_unit, caveats, release_id"
)


def _release(con: duckdb.DuckDBPyConnection, release_id: str | None) -> dict[str, Any] | None:
    """The vintage the month's figure comes from: which publication, when, where."""
    if release_id is None:
        return None
    rows = named_rows(
        con,
        "SELECT source, published_on, url, file_name FROM raw.releases WHERE release_id = ?",
        [release_id],
    )
    if not rows:
        return None
    found = rows[0]
    return {
        "source": found["source"],
        "published": None if found["published_on"] is None else found["published_on"].isoformat(),
        "url": found["url"] or found["file_name"],
        "id": release_id,
    }


def choose_series(
    con: duckdb.DuckDBPyConnection, options: Sequence[ReportSeries], period: date, flow: str
) -> tuple[ReportSeries, dict[str, Any] | None]:
    """The series a report shows for ``period`` and its month as the marts decide it, in one
    read: the first of ``options`` (``commodities.candidates``) that China's figures cover
    that month at all (any line not missing), else the first; of its sources, a real release
    over the modeled sample, a complete month over any other."""
    if any(len(option.codes) != 1 and not option.grouped for option in options):
        raise ValueError("a series of several lines is summed (grouped)")
    members = [
        {"series": str(n), "source": None, "code": code, "grouped": option.grouped}
        for n, option in enumerate(options)
        for code in option.codes
    ]
    rows = named_rows(
        con,
        f"SELECT series, {WORLD_COLUMNS} FROM marts.series_months_in(?)"
        " WHERE reporter = 'CN' AND flow = ? AND period = ?"
        " ORDER BY source = ?, coverage <> 'complete', source",
        [members, flow, period, SAMPLE_SOURCE],
    )
    by_option = [[row for row in rows if row["series"] == str(n)] for n in range(len(options))]
    chosen = next((n for n, found in enumerate(by_option)
                   if any(row["coverage"] != "missing" for row in found)), 0)  # fmt: skip
    found = by_option[chosen]
    return options[chosen], (found[0] if found else None)


def build_report(
    con: duckdb.DuckDBPyConnection,
    period: date,
    commodity: str | ReportSeries,
    flow: str = "export",
    focus: Sequence[str] = (),
    world: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report's JSON contract (see README "Report JSON contract"). ``world`` is the
    series' month when ``choose_series`` has read it already."""
    series = commodity if isinstance(commodity, ReportSeries) else single_line(commodity)
    if world is None:
        series, world = choose_series(con, [series], period, flow)
    if world is None or world["coverage"] in ("partial", "missing") or (
        world["coverage"] == "combined" and not str(world["combined"]).endswith(f"{period:%Y-%m}")
    ):
        raise _refuse(con, period, series, flow, world)
    source = world["source"]
    partners = named_rows(
        con,
        "SELECT partner, partner_label, tonnes, value_usd, mom_pct, yoy_pct, rank, share_pct,"
        " coverage FROM marts.series_partners_of(?, ?)"
        " WHERE reporter = 'CN' AND flow = ? AND period = ? AND source = ?"
        " ORDER BY rank NULLS LAST, quantity_kg DESC NULLS LAST, partner",
        [list(series.codes), series.grouped, flow, period, source],
    )
    combined = world["combined"] if world["coverage"] == "combined" else None
    return {
        "period": f"{period:%Y-%m}",
        "commodity": world["commodity_code"],
        "flow": flow,
        "source": source,
        "modeled": source == SAMPLE_SOURCE,
        "unit": world["non_mass_unit"] if world["tonnes"] is None and not combined else None,
        "combined": combined,
        "focus": [code.upper() for code in focus],
        "release": _release(con, world["release_id"]),
        "entry": series.entry,
        "entry_lines": list(series.entry_lines),
        "lines": list(world["lines"] or []),
        "world": {
            "coverage": world["coverage"],
            "tonnes": json_number(world["tonnes"]),
            "usd": json_number(world["value_usd"]),
            "mom_pct": json_number(world["mom_pct"]),
            "yoy_pct": json_number(world["yoy_pct"]),
            "ytd_tonnes": json_number(world["ytd_tonnes"]),
            "ytd_coverage": world["ytd_coverage"],
            "ytd_yoy_pct": json_number(world["ytd_yoy_pct"]),
            "highest_since": _since(
                world["highest_since"], world["block_high_since"], bool(world["record_high"])
            ),
            "lowest_since": _since(
                world["lowest_since"], world["block_low_since"], bool(world["record_low"])
            ),
            "consecutive_rises": world["consecutive_rises"],
            "months_held": world["months_held"],
            "first_month": _month(world["first_period"]),
        },
        "partners": [
            {
                "partner": p["partner"],
                "name": _partner_display_name(p["partner"], p["partner_label"]),
                "coverage": p["coverage"],
                "tonnes": json_number(p["tonnes"]),
                "usd": json_number(p["value_usd"]),
                "mom_pct": json_number(p["mom_pct"]),
                "yoy_pct": json_number(p["yoy_pct"]),
                "rank": p["rank"],
                "share_pct": json_number(p["share_pct"]),
            }
            for p in partners
        ],
        "caveats": [dict(c) for c in world["caveats"] or []],
    }


def _partner_display_name(key: str, label: str | None) -> str:
    """The table's English name; for a code the table lacks, the name the export gave."""
    name = partner_name(key)
    if name == key and label:
        return label
    return name


# ---------------------------------------------------------------- wording


def _extremes(world: dict[str, Any], period: date) -> list[str]:
    """'the highest since January', 'the highest since Jan–Feb 2025', 'the lowest in the 19
    months held (since Jan 2024)'."""
    out = []
    held = world["months_held"]
    first = world["first_month"]
    for word, key in (("highest", "highest_since"), ("lowest", "lowest_since")):
        since = world[key]
        if since == RECORD:
            start = f" (since {parse_month(first):%b %Y})" if first else ""
            out.append(f"the {word} in the {held} months held{start}")
        elif since:
            out.append(f"the {word} since {month_name(since, period)}")
    return out


def _subject(report: dict[str, Any], label: str | None) -> str:
    """What the figures are of: the label, and the lines when they are not all of an entry's."""
    subject = label or report["commodity"]
    lines, entry_lines = report["lines"], report["entry_lines"]
    if len(entry_lines) > 1 and lines and sorted(lines) != sorted(entry_lines):
        kind = "HS6 code" if all(len(code) == 6 for code in lines) else "tariff line"
        noun = kind if len(lines) == 1 else f"{kind}s"
        subject += (
            f" ({noun} {', '.join(lines)} only, of the entry's {len(entry_lines)})"
        )
    return subject


def _where_from(report: dict[str, Any]) -> str:
    """' (preliminary release of 10 June 2025)': the vintage the figure comes from."""
    release = report.get("release")
    if not release or not release.get("published"):
        return ""
    name = PUBLICATION_NAMES.get(release["source"], release["source"])
    published = date.fromisoformat(release["published"])
    return f" ({name} of {published.day} {published:%B %Y})"


def _decimals(report: dict[str, Any]) -> int:
    release = report.get("release") or {}
    return TONNES_DECIMALS.get(release.get("source") or report["source"], 0)


def _world_sentences(report: dict[str, Any], period: date, label: str | None) -> list[str]:
    world = report["world"]
    subject = _subject(report, label)
    verb = "exports" if report["flow"] == "export" else "imports"
    places = _decimals(report)
    where = _where_from(report)
    if report["combined"]:
        return [
            f"Jan–Feb {period.year}: China's {verb} of {subject} were "
            f"{tonnes_text(world['ytd_tonnes'], places)} (January and February published "
            f"together), {pct_text(world['ytd_yoy_pct'])} y/y{where}."
        ]
    if world["tonnes"] is None:
        usd = f"; US${world['usd']:,.0f}" if world["usd"] is not None else ""
        if report["unit"]:
            what = f"no tonnage (counted in {report['unit']}, no mass figure)"
        else:
            what = "no total: part of the month was published without a quantity"
        return [f"{period:%B %Y}: China's {verb} of {subject}: {what}{usd}{where}."]
    lead = (
        f"{period:%B %Y}: China's {verb} of {subject} were "
        f"{tonnes_text(world['tonnes'], places)}, {pct_text(world['mom_pct'])} m/m and "
        f"{pct_text(world['yoy_pct'])} y/y"
    )
    extras = _extremes(world, period)
    rises = world["consecutive_rises"]
    if rises is not None and rises >= 2:  # "the first rise in a row" says nothing new
        word = ORDINALS[rises - 1] if rises <= len(ORDINALS) else f"{rises}th"
        extras.append(f"the {word} monthly rise in a row")
    sentences = [lead + (" — " + ", ".join(extras) if extras else "") + where + "."]
    if world["ytd_tonnes"] is not None:
        span = "January" if period.month == 1 else f"Jan–{period:%b}"
        sentences.append(
            f"{span} {period.year}: {tonnes_text(world['ytd_tonnes'], places)}, "
            f"{pct_text(world['ytd_yoy_pct'])} y/y."
        )
    return sentences


def _partner_sentences(report: dict[str, Any]) -> list[str]:
    partners = report["partners"]
    if not partners:
        return []
    export = report["flow"] == "export"
    role = "buyer" if export else "supplier"
    out = []
    named: set[str] = set()
    if partners[0]["rank"] is not None and partners[0]["tonnes"] is not None:
        leaders = [p for p in partners if p["rank"] == partners[0]["rank"]]
        named = {p["partner"] for p in leaders}
        if len(leaders) > 1:
            names = join_names([with_article(p["name"]) for p in leaders])
            first = names[:1].upper() + names[1:]
            out.append(
                f"{first} were the largest {role}s at {tonnes_text(leaders[0]['tonnes'])} each "
                f"({share_text(leaders[0]['share_pct'])} of the total each)."
            )
        else:
            top = leaders[0]
            name = with_article(top["name"])
            share = (
                f", {share_text(top['share_pct'])} of the total"
                if top["share_pct"] is not None
                else ""
            )
            out.append(
                f"{name[:1].upper() + name[1:]} was the largest {role} at "
                f"{tonnes_text(top['tonnes'])} ({pct_text(top['mom_pct'])} m/m, "
                f"{pct_text(top['yoy_pct'])} y/y{share})."
            )
    by_code = {p["partner"]: p for p in partners}
    preposition = "To" if export else "From"
    for code in report["focus"]:
        if code in named:
            continue
        named.add(code)
        found = by_code.get(code)
        if found is None:
            out.append(
                f"{preposition} {with_article(partner_name(code))}: no {report['flow']}s recorded."
            )
            continue
        rank = ""
        if found["rank"] is not None:
            tied = [p["name"] for p in partners if p["rank"] == found["rank"] and p is not found]
            rank = f" (rank {found['rank']}" + (f", shared with {join_names(tied)}" if tied else "")
            rank += ")"
        out.append(
            f"{preposition} {with_article(found['name'])}: {tonnes_text(found['tonnes'])}, "
            f"{pct_text(found['mom_pct'])} m/m, {pct_text(found['yoy_pct'])} y/y{rank}."
        )
    return out


def _made(report: dict[str, Any]) -> Any:
    """Which claims were made all the same (their caveats say what they rest on)."""
    world = report["world"]
    values = {
        "tonnes": world["tonnes"],
        "mom_pct": world["mom_pct"],
        "yoy_pct": world["yoy_pct"],
        "ytd_tonnes": world["ytd_tonnes"],
        "ytd_yoy_pct": world["ytd_yoy_pct"],
    }
    return lambda claim: values.get(claim) is not None


def caveat_lines(report: dict[str, Any]) -> list[str]:
    """The caveats in words, once each."""
    return caveat_sentences(
        report["caveats"],
        parse_month(report["period"]),
        unit=report["unit"],
        show_lines=len(report["entry_lines"]) > 1,
        known=_made(report),
    )


def _lines_before_table(report: dict[str, Any], label: str | None) -> list[str]:
    period = parse_month(report["period"])
    lines = [MODELED_LINE] if report["modeled"] else []
    return [
        *lines,
        *_world_sentences(report, period, label),
        *_partner_sentences(report),
        *caveat_lines(report),
    ]


def _rank_text(rank: int | None) -> str:
    return "–" if rank is None else str(rank)


def render_text(report: dict[str, Any], label: str | None = None) -> str:
    lines = [*_lines_before_table(report, label), ""]
    lines.append(
        f"{'rank':>4}  {'partner':<22} {'tonnes':>10} {'m/m':>10} {'y/y':>10} {'share':>7}"
    )
    for p in report["partners"][:TOP_PARTNERS_SHOWN]:
        lines.append(
            f"{_rank_text(p['rank']):>4}  {p['name'][:22]:<22} {tonnes_text(p['tonnes']):>10} "
            f"{pct_text(p['mom_pct']):>10} {pct_text(p['yoy_pct']):>10} "
            f"{share_text(p['share_pct']):>7}"
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
    period = parse_month(report["period"])
    title = label or report["commodity"]
    lines = [f"## {title} ({report['commodity']}), {report['flow']}s, {period:%B %Y}", ""]
    if report["modeled"]:
        lines += [f"> **{MODELED_LINE}**", ""]
    lines += [*_world_sentences(report, period, label), "", *_partner_sentences(report), ""]
    notes = caveat_lines(report)
    if notes:
        lines += [*(f"* {note}" for note in notes), ""]
    if chart_path is not None:
        alt = f"{title}: last 24 months, top partners, year to date ({period:%B %Y})"
        lines += [f"![{alt}]({_image_target(chart_path)})", ""]
    lines += [
        "| rank | partner | tonnes | m/m | y/y | share |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for p in report["partners"][:TOP_PARTNERS_SHOWN]:
        lines.append(
            f"| {_rank_text(p['rank'])} | {p['name']} | {tonnes_text(p['tonnes'])} | "
            f"{pct_text(p['mom_pct'])} | {pct_text(p['yoy_pct'])} | "
            f"{share_text(p['share_pct'])} |"
        )
    return "\n".join(lines)


def to_json(report: dict[str, Any]) -> str:
    """Strict JSON: a NaN or an infinity is a bug, never a value a reader has to guess at."""
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False)


def render(
    report: dict[str, Any],
    fmt: str,
    label: str | None = None,
    chart_path: str | os.PathLike[str] | None = None,
) -> str:
    """``json`` (the contract), ``markdown`` or ``text``; only markdown embeds ``chart_path``
    (the JSON contract stays as documented, text has nowhere to put an image)."""
    if fmt == "json":
        return to_json(report)
    if fmt == "markdown":
        return render_markdown(report, label, chart_path)
    return render_text(report, label)
