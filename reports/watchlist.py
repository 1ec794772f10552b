"""The watchlist: every mineral under China's export controls, one line each, for one month.

Per catalogue entry (``core.catalogue.WATCHLIST``): the month's tonnes with m/m, y/y and YTD y/y,
the top partner, and the largest mirror gap — each with the source it comes from, because they
can differ: the headline comes from China's own tariff lines (GACC query exports) when they are
loaded for the month, else from the bulletin row, else from China's reports to UN Comtrade (HS6);
the top partner from the first of GACC lines or Comtrade HS6 with partner figures; the mirror gap
always from UN Comtrade (both sides under the same HS6 codes). A series is the sum of the entry's
codes that have figures in the marts; a code with no figure counts as not traded, and the codes
used are listed. The largest gap is the largest in tonnes (not in percent: a small base makes any
percentage large). JSON is strict and unrounded; text is one line per entry.

The modeled sample (source ``sample``) is never a watchlist source. An entry whose month only
the sample holds says so (``sample_only``) instead of "no figures", and names how to load real
releases: after ``make demo`` the watchlist must not contradict the report that shows the sample.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from customs_etl.core import sources
from customs_etl.core.catalogue import WATCHLIST, CommoditySpec
from customs_etl.core.models import SAMPLE_SOURCE
from customs_etl.core.queries import fetch_one, named_rows
from customs_etl.core.sql_text import SqlValue
from customs_etl.reports.mirror import build_mirror, display_name, fine_tonnes
from customs_etl.reports.news import json_number
from customs_etl.reports.wording import pct_text

REPORTER = "CN"
FLOW = "export"
MIRROR_SOURCE = sources.COMTRADE
LOAD_REAL = (
    "load real releases: customs-etl backfill --start {month} --end {month} "
    "(the automated sources), or customs-etl ingest FILE.csv (query-platform exports)"
)


@dataclass(frozen=True)
class Series:
    source: str
    codes: tuple[str, ...]

    @property
    def grouped(self) -> bool:
        return len(self.codes) > 1


def headline_candidates(spec: CommoditySpec) -> list[Series]:
    """Where the entry's headline may come from, in order of preference."""
    lines = tuple(dict.fromkeys(([spec.code] if spec.source == sources.GACC_QUERY else [])
                                + list(spec.tariff_lines)))  # fmt: skip
    out = [Series(sources.GACC_QUERY, tuple(sorted(lines)))] if lines else []
    if spec.source == sources.GACC_BULLETIN:
        out.append(Series(sources.GACC_BULLETIN, (spec.code,)))
    if spec.hs6:
        out.append(Series(sources.COMTRADE, tuple(sorted(spec.hs6))))
    return out


def partner_candidates(spec: CommoditySpec) -> list[Series]:
    return [s for s in headline_candidates(spec) if s.source != sources.GACC_BULLETIN]


def _key(spec: CommoditySpec, series: Series) -> str:
    """The name a candidate series goes by in the one query that decides them all."""
    return f"{spec.name}|{series.source}"


def _members(candidates: Sequence[tuple[CommoditySpec, Series]]) -> list[SqlValue]:
    """The marts' series members (``marts.series_lines_in``): each candidate's lines of its
    source, summed like for like when there are several."""
    return [
        {"series": _key(spec, series), "source": series.source, "code": code,
         "grouped": series.grouped}
        for spec, series in candidates
        for code in series.codes
    ]  # fmt: skip


def _by_series(
    con: duckdb.DuckDBPyConnection,
    query: str,
    candidates: Sequence[tuple[CommoditySpec, Series]],
    period: date,
) -> dict[str, dict]:
    """One row per candidate series (by ``_key``) of ``query`` over ``marts.*_in(members)``,
    China's exports in the month, complete months only."""
    rows = named_rows(
        con,
        query.format(where="reporter = ? AND flow = ? AND period = ? AND coverage = 'complete'"),
        [_members(candidates), REPORTER, FLOW, period],
    )
    return {row["series"]: row for row in rows}


def _headlines(con: duckdb.DuckDBPyConnection, period: date) -> dict[str, dict]:
    """Every entry's candidate headline series for the month, as the marts decide them (like
    for like across its codes), in one query."""
    return _by_series(
        con,
        "SELECT series, tonnes, mom_pct, yoy_pct, ytd_yoy_pct, lines, caveats"
        " FROM marts.series_months_in(?) WHERE {where}",
        [(spec, s) for spec in WATCHLIST for s in headline_candidates(spec)],
        period,
    )


def _headline(spec: CommoditySpec, decided: dict[str, dict]) -> dict | None:
    """The first candidate of the entry's with a complete month."""
    for series in headline_candidates(spec):
        row = decided.get(_key(spec, series))
        if row is None:
            continue
        return {
            "tonnes": json_number(row["tonnes"]),
            "mom_pct": json_number(row["mom_pct"]),
            "yoy_pct": json_number(row["yoy_pct"]),
            "ytd_yoy_pct": json_number(row["ytd_yoy_pct"]),
            "source": series.source,
            "codes": list(row["lines"]),
            "caveats": [dict(c) for c in row["caveats"] or []],
        }
    return None


def _sample_lines(
    con: duckdb.DuckDBPyConnection, period: date, specs: Sequence[CommoditySpec]
) -> set[str]:
    """The lines of ``specs`` the modeled sample has figures for in the month (the sample is
    published as tariff lines, like query exports)."""
    codes = sorted({c for spec in specs for s in headline_candidates(spec) for c in s.codes})
    if not codes:
        return set()
    rows = named_rows(
        con,
        "SELECT DISTINCT commodity_code FROM marts.line_months_of(?) WHERE reporter = ?"
        " AND flow = ? AND source = ? AND period = ? AND coverage <> 'missing'",
        [codes, REPORTER, FLOW, SAMPLE_SOURCE, period],
    )
    return {row["commodity_code"] for row in rows}


def _sample_only(spec: CommoditySpec, sample_lines: set[str]) -> bool:
    """No watchlist source has the entry's month, but the modeled sample has its lines."""
    return any(c in sample_lines for s in headline_candidates(spec) for c in s.codes)


def _top_partners(con: duckdb.DuckDBPyConnection, period: date) -> dict[str, dict]:
    """Every entry's candidate partner series' largest partner of the month, in one query."""
    return _by_series(
        con,
        "SELECT series, partner, partner_label, tonnes, share_pct FROM marts.series_partners_in(?)"
        " WHERE {where} AND tonnes IS NOT NULL AND partner NOT LIKE 'CT-%'"
        " AND partner NOT LIKE 'GACC-%'"
        " QUALIFY row_number() OVER (PARTITION BY series ORDER BY tonnes DESC, partner DESC) = 1",
        [(spec, s) for spec in WATCHLIST for s in partner_candidates(spec)],
        period,
    )


def _top_partner(spec: CommoditySpec, tops: dict[str, dict]) -> dict | None:
    for series in partner_candidates(spec):
        top = tops.get(_key(spec, series))
        if top is None:
            continue
        return {
            "partner": top["partner"],
            "name": display_name(top["partner"], top["partner_label"]),
            "tonnes": json_number(top["tonnes"]),
            "share_pct": json_number(top["share_pct"]),
            "source": series.source,
            "codes": list(series.codes),
        }
    return None


def _largest_gap(con: duckdb.DuckDBPyConnection, period: date, spec: CommoditySpec) -> dict | None:
    if not spec.hs6:
        return None
    exists = fetch_one(
        con,
        "SELECT count(*) FROM marts.mirror_monthly_of(?) WHERE period = ?",
        [list(spec.hs6), period],
    )
    if not exists or not exists[0]:
        return None
    mirror = build_mirror(con, period, spec.hs6).data
    known = [
        p for p in mirror["partners"]
        if p["mirror"] and p["mirror"]["tonnes"] is not None and p["reported"]["tonnes"] is not None
    ]  # fmt: skip
    if not known:
        return None
    top = max(known, key=lambda p: (abs(p["mirror"]["tonnes"] - p["reported"]["tonnes"]),
                                    p["partner"]))  # fmt: skip
    return {
        "partner": top["partner"],
        "name": top["name"],
        "reported_tonnes": top["reported"]["tonnes"],
        "mirror_tonnes": top["mirror"]["tonnes"],
        "gap_tonnes": top["mirror"]["tonnes"] - top["reported"]["tonnes"],
        "gap_tonnes_pct": top["gap_tonnes_pct"],
        "source": MIRROR_SOURCE,
        "commodity": mirror["commodity"],
    }


def build_watchlist(con: duckdb.DuckDBPyConnection, period: date) -> dict[str, Any]:
    """The watchlist JSON contract (README "Watchlist JSON contract")."""
    decided, tops = _headlines(con, period), _top_partners(con, period)
    headlines = {spec.name: _headline(spec, decided) for spec in WATCHLIST}
    sample_lines = _sample_lines(con, period, [s for s in WATCHLIST if not headlines[s.name]])
    entries = []
    for spec in WATCHLIST:
        headline = headlines[spec.name] or {
            "tonnes": None, "mom_pct": None, "yoy_pct": None, "ytd_yoy_pct": None,
            "source": None, "codes": [], "caveats": [],
        }  # fmt: skip
        entries.append(
            {
                "entry": spec.name,
                "label": spec.label,
                "announcements": list(spec.announcements),
                **headline,
                "sample_only": headline["source"] is None and _sample_only(spec, sample_lines),
                "top_partner": _top_partner(spec, tops),
                "largest_mirror_gap": _largest_gap(con, period, spec),
            }
        )
    return {"period": f"{period:%Y-%m}", "entries": entries}


# ---------------------------------------------------------------- wording


def _codes(source: str | None, codes: Sequence[str]) -> str:
    if not codes:
        return source or ""
    shown = ", ".join(codes[:3]) + (f" +{len(codes) - 3}" if len(codes) > 3 else "")
    return f"{source} {shown}"


def entry_line(entry: dict[str, Any], period: str = "YYYY-MM") -> str:
    """One line: headline with its source · top partner with its source · largest gap."""
    if entry.get("sample_only"):
        head = (
            f"{entry['entry']}: only the MODELED SAMPLE (bundled demo data, not a watchlist "
            f"source) has figures for the month; {LOAD_REAL.format(month=period)}"
        )
    elif entry["source"] is None:
        head = f"{entry['entry']}: no figures for the month"
    else:
        head = (
            f"{entry['entry']}: {fine_tonnes(entry['tonnes'])}"
            f" ({_codes(entry['source'], entry['codes'])}),"
            f" {pct_text(entry['mom_pct'])} m/m, {pct_text(entry['yoy_pct'])} y/y,"
            f" YTD {pct_text(entry['ytd_yoy_pct'])} y/y"
        )
    top = entry["top_partner"]
    partner = (
        "top partner n/a"
        if top is None
        else f"top partner {top['name']} {fine_tonnes(top['tonnes'])}"
        + (f" ({top['share_pct']:.0f} %)" if top["share_pct"] is not None else "")
        + f" [{_codes(top['source'], top['codes'])}]"
    )
    gap = entry["largest_mirror_gap"]
    mirror = (
        "mirror gap n/a"
        if gap is None
        else f"largest mirror gap {gap['name']} {fine_tonnes(gap['gap_tonnes']).replace('-', '−')}"
        f" ({pct_text(gap['gap_tonnes_pct'])}) [comtrade HS {gap['commodity']}]"
    )
    return f"{head} · {partner} · {mirror}"


def render_text(report: dict[str, Any]) -> str:
    month = date.fromisoformat(report["period"] + "-01")
    lines = [f"Watchlist, {month:%B %Y}: China's exports of minerals under export control."]
    lines += [entry_line(e, report["period"]) for e in report["entries"]]
    lines.append(
        "Sources: gacc_query = China's tariff lines (8-digit lines can hold more than the "
        "controlled 10-digit item), gacc_bulletin = GACC's bulletin row, comtrade = China's "
        "and partners' reports to UN Comtrade (HS6, broader than the controlled items). "
        "Mirror gap = partner's reported imports − China's reported exports, by weight."
    )
    return "\n".join(lines)


def render_markdown(report: dict[str, Any]) -> str:
    month = date.fromisoformat(report["period"] + "-01")
    lines = [f"## Watchlist, {month:%B %Y}", ""]
    lines += [f"* {entry_line(e, report['period'])}" for e in report["entries"]]
    lines += ["", "Announcements cited per entry: see `customs_etl.core.catalogue`."]
    return "\n".join(lines)


def render(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False)
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report)
