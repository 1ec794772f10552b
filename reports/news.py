"""The news-desk report: one month of one commodity, as JSON, text or markdown.

Numbers come from the marts (``marts.world_monthly``, ``marts.partner_ranked``: China's own
figures, reporter CN — partners' mirror figures are ``reports.mirror``'s); this module
only selects and words them, and words only what the data supports: "highest since" only on a
rise, "lowest since" only on a fall, no percentage from a zero or missing base (``null`` in
JSON, "n/a" in text), a combined January–February block reported as such, modeled sample data
labelled on its own line. JSON is strict (no NaN or Infinity) and keeps full precision (tonnes
from kilograms, percentages as percent, unrounded); text and markdown round for reading. No
partner is singled out in code: the focus partners come from the commodity's catalogue entry
or ``--focus``.
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
from customs_etl.core.partners import partner_name
from customs_etl.core.sql_text import inline

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
SAMPLE_SOURCE = "sample"
RECORD = "record"
MODELED_LINE = (
    "MODELED SAMPLE: these figures are the bundled demo data (partly modeled, source 'sample'), "
    "not a GACC release."
)
# Names that read "the United States", "the Netherlands" in running text.
_THE_PREFIXES = ("United ", "Republic of ", "Democratic Republic", "Central African Republic")
_THE_NAMES = frozenset(
    {
        "Netherlands",
        "Philippines",
        "Bahamas",
        "Gambia",
        "Maldives",
        "Comoros",
        "Czech Republic",
        "Dominican Republic",
        "Marshall Islands",
        "Solomon Islands",
        "Cayman Islands",
        "Faroe Islands",
        "Falkland Islands",
        "British Virgin Islands",
        "Virgin Islands",
        "Seychelles",
        "Vatican",
        "Holy See",
    }
)


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> tuple | None:
    """The first row, read to the end (DuckDB refuses other work on a half-read result).
    Values go in as literals (``core.sql_text``): binding them would import pandas."""
    rows = con.execute(inline(sql, params)).fetchall()
    return rows[0] if rows else None


def _num(value: Any) -> float | None:
    """A JSON-safe number: None for missing, NaN or infinite values (never printed)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _month(value: date | None) -> str | None:
    return None if value is None else f"{value:%Y-%m}"


def _since(when: date | None, record: bool) -> str | None:
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
        " AND period = ? ORDER BY source = ?, source LIMIT 1",
        [commodity, commodity, flow, period, SAMPLE_SOURCE],
    )
    return None if row is None else row[0]


def _missing_month(
    con: duckdb.DuckDBPyConnection, period: date, commodity: str, flow: str
) -> CustomsEtlError:
    partial = fetch_one(
        con,
        "SELECT count(*) FROM marts.partner_monthly_of([?])"
        " WHERE reporter = 'CN' AND commodity_code = ? AND flow = ?"
        " AND period = ?",
        [commodity, commodity, flow, period],
    )
    if partial and partial[0]:
        return CustomsEtlError(
            f"{period:%Y-%m}: only filtered (partial) exports cover {commodity} {flow}s, so "
            "there is no world total to report; load a full export of the month"
        )
    combined = fetch_one(
        con,
        "SELECT combined FROM marts.world_monthly_of([?])"
        " WHERE reporter = 'CN' AND commodity_code = ? AND flow = ?"
        " AND period = ? AND combined IS NOT NULL LIMIT 1",
        [commodity, commodity, flow, date(period.year, 2, 1)],
    )
    if period.month == 1 and combined:
        return CustomsEtlError(
            f"{period:%Y-%m} is published only combined with February ({combined[0]}): "
            f"ask for --period {period.year}-02"
        )
    return CustomsEtlError(
        f"no {flow} figures for {commodity} in {period:%Y-%m} in the warehouse; "
        "run a backfill for that month first"
    )


def _unit(
    con: duckdb.DuckDBPyConnection, period: date, commodity: str, flow: str, source: str
) -> str | None:
    """The published quantity unit when the line has no kilograms (a non-mass unit)."""
    row = fetch_one(
        con,
        "SELECT quantity_unit FROM core.latest_of([?])"
        " WHERE reporter = 'CN' AND commodity_code = ? AND flow = ?"
        " AND source = ? AND period_start = ? AND quantity_kg IS NULL"
        " AND quantity_unit IS NOT NULL LIMIT 1",
        [commodity, commodity, flow, source, period],
    )
    return None if row is None else row[0]


def build_report(
    con: duckdb.DuckDBPyConnection,
    period: date,
    commodity: str,
    flow: str = "export",
    focus: Sequence[str] = (),
) -> dict[str, Any]:
    """The report's JSON contract (see README "Report JSON contract")."""
    # The series to report and its figures in one read: a real release always wins over
    # the modeled sample (as ``choose_source`` says).
    world = fetch_one(
        con,
        "SELECT source, tonnes, value_usd, mom_pct, yoy_pct, ytd_tonnes, ytd_yoy_pct,"
        " highest_since, record_high, lowest_since, record_low, consecutive_rises, months_held,"
        " first_period, combined FROM marts.world_monthly_of([?])"
        " WHERE reporter = 'CN' AND commodity_code = ? AND flow = ? AND period = ?"
        " ORDER BY source = ?, source LIMIT 1",
        [commodity, commodity, flow, period, SAMPLE_SOURCE],
    )
    if world is None:
        raise _missing_month(con, period, commodity, flow)
    (source, tonnes, usd, mom, yoy, ytd, ytd_yoy, high, record_high, low, record_low, rises,
     held, first, combined) = world  # fmt: skip
    partners = con.execute(
        inline(
            "SELECT partner, partner_label, tonnes, value_usd, mom_pct, yoy_pct, rank, share_pct"
            " FROM marts.partner_ranked_of([?])"
            " WHERE reporter = 'CN' AND commodity_code = ? AND flow = ? AND period = ?"
            " AND source = ? ORDER BY rank, partner",
            [commodity, commodity, flow, period, source],
        )
    ).fetchall()
    return {
        "period": f"{period:%Y-%m}",
        "commodity": commodity,
        "flow": flow,
        "source": source,
        "modeled": source == SAMPLE_SOURCE,
        "unit": None
        if tonnes is not None or combined
        else _unit(con, period, commodity, flow, source),
        "combined": combined,
        "focus": [code.upper() for code in focus],
        "world": {
            "tonnes": _num(tonnes),
            "usd": _num(usd),
            "mom_pct": _num(mom),
            "yoy_pct": _num(yoy),
            "ytd_tonnes": _num(ytd),
            "ytd_yoy_pct": _num(ytd_yoy),
            "highest_since": _since(high, bool(record_high)),
            "lowest_since": _since(low, bool(record_low)),
            "consecutive_rises": int(rises or 0),
            "months_held": int(held or 0),
            "first_month": _month(first),
        },
        "partners": [
            {
                "partner": p,
                "name": _partner_display_name(p, label),
                "tonnes": _num(t),
                "usd": _num(v),
                "mom_pct": _num(m),
                "yoy_pct": _num(y),
                "rank": int(r),
                "share_pct": _num(s),
            }
            for p, label, t, v, m, y, r, s in partners
        ],
    }


def _partner_display_name(key: str, label: str | None) -> str:
    """The table's English name; for a code the table lacks, the name the export gave."""
    name = partner_name(key)
    if name == key and label:
        return label
    return name


# ---------------------------------------------------------------- wording


def tonnes_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} t"


def pct_text(value: float | None) -> str:
    """Signed percent with one decimal, '.0' dropped, typographic minus: '+75.5 %', '−15 %'."""
    if value is None:
        return "n/a"
    text = f"{value:+.1f}".removesuffix(".0")
    return text.replace("-", "−") + " %"


def share_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


def _parse_month(ym: str) -> date:
    return date(int(ym[:4]), int(ym[5:7]), 1)


def _month_name(ym: str, reference: date) -> str:
    moment = _parse_month(ym)
    return f"{moment:%B}" if moment.year == reference.year else f"{moment:%B %Y}"


def with_article(name: str) -> str:
    """'the United States', 'the Netherlands', but 'Germany'."""
    if name in _THE_NAMES or name.startswith(_THE_PREFIXES):
        return f"the {name}"
    return name


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _extremes(world: dict[str, Any], period: date) -> list[str]:
    """'the highest since January', 'the lowest in the 19 months held (since Jan 2024)'."""
    out = []
    held = world["months_held"]
    first = world["first_month"]
    for word, key in (("highest", "highest_since"), ("lowest", "lowest_since")):
        since = world[key]
        if since == RECORD:
            start = f" (since {_parse_month(first):%b %Y})" if first else ""
            out.append(f"the {word} in the {held} months held{start}")
        elif since:
            out.append(f"the {word} since {_month_name(since, period)}")
    return out


def _world_sentences(report: dict[str, Any], period: date, label: str | None) -> list[str]:
    world = report["world"]
    subject = label or report["commodity"]
    verb = "exports" if report["flow"] == "export" else "imports"
    if report["combined"]:
        return [
            f"Jan–Feb {period.year}: China's {verb} of {subject} were "
            f"{tonnes_text(world['ytd_tonnes'])} (January and February published together), "
            f"{pct_text(world['ytd_yoy_pct'])} y/y."
        ]
    if world["tonnes"] is None:
        unit = f"counted in {report['unit']}, " if report["unit"] else ""
        usd = f"; US${world['usd']:,.0f}" if world["usd"] is not None else ""
        return [
            f"{period:%B %Y}: China's {verb} of {subject}: no tonnage ({unit}no mass figure){usd}."
        ]
    lead = (
        f"{period:%B %Y}: China's {verb} of {subject} were {tonnes_text(world['tonnes'])}, "
        f"{pct_text(world['mom_pct'])} m/m and {pct_text(world['yoy_pct'])} y/y"
    )
    extras = _extremes(world, period)
    rises = world["consecutive_rises"]
    if rises >= 2:  # "the first rise in a row" says nothing the m/m figure does not
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
    if not partners or partners[0]["tonnes"] is None:
        return []
    export = report["flow"] == "export"
    role = "buyer" if export else "supplier"
    leaders = [p for p in partners if p["rank"] == partners[0]["rank"]]
    if len(leaders) > 1:
        names = _join([with_article(p["name"]) for p in leaders])
        first = names[:1].upper() + names[1:]
        out = [
            f"{first} were the largest {role}s at {tonnes_text(leaders[0]['tonnes'])} each "
            f"({share_text(leaders[0]['share_pct'])} of the total each)."
        ]
    else:
        top = leaders[0]
        name = with_article(top["name"])
        out = [
            f"{name[:1].upper() + name[1:]} was the largest {role} at "
            f"{tonnes_text(top['tonnes'])} ({pct_text(top['mom_pct'])} m/m, "
            f"{pct_text(top['yoy_pct'])} y/y, {share_text(top['share_pct'])} of the total)."
        ]
    named = {p["partner"] for p in leaders}
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
        tied = [p["name"] for p in partners if p["rank"] == found["rank"] and p is not found]
        rank = f"rank {found['rank']}" + (f", shared with {_join(tied)}" if tied else "")
        out.append(
            f"{preposition} {with_article(found['name'])}: {tonnes_text(found['tonnes'])}, "
            f"{pct_text(found['mom_pct'])} m/m, {pct_text(found['yoy_pct'])} y/y ({rank})."
        )
    return out


def _lines_before_table(report: dict[str, Any], label: str | None) -> list[str]:
    period = _parse_month(report["period"])
    lines = [MODELED_LINE] if report["modeled"] else []
    return [*lines, *_world_sentences(report, period, label), *_partner_sentences(report)]


def render_text(report: dict[str, Any], label: str | None = None) -> str:
    lines = [*_lines_before_table(report, label), ""]
    lines.append(
        f"{'rank':>4}  {'partner':<22} {'tonnes':>10} {'m/m':>10} {'y/y':>10} {'share':>7}"
    )
    for p in report["partners"][:TOP_PARTNERS_SHOWN]:
        lines.append(
            f"{p['rank']:>4}  {p['name'][:22]:<22} {tonnes_text(p['tonnes']):>10} "
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
    period = _parse_month(report["period"])
    title = label or report["commodity"]
    lines = [f"## {title} ({report['commodity']}), {report['flow']}s, {period:%B %Y}", ""]
    if report["modeled"]:
        lines += [f"> **{MODELED_LINE}**", ""]
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
