"""Mirror statistics: what China reports exporting to each partner beside what the partner
reports importing from China, one HS6 line (or several, summed on both sides) and month.

Numbers come from ``marts.mirror_monthly`` (UN Comtrade, both sides under the same HS6 codes).
JSON keeps full precision (tonnes from exact kilograms, gaps in percent, unrounded) and is
strict; ``mirror`` is null where the partner's own report of the month is not loaded, and a gap
is null whenever one side is unknown or China's figure is zero. Text and markdown explain the
gaps the way a trade analyst would — valuation (CIF against FOB), timing, Hong Kong and other
hubs, how Comtrade files Taiwan and unallocated trade — and claim no more than that: a gap is
described, its possible reasons named, never one of them asserted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

from customs_etl.core.comtrade_areas import area_name
from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.partners import partner_name
from customs_etl.core.queries import named_rows
from customs_etl.reports.wording import pct_text

REPORTER = "CN"
CIF_FOB_TYPICAL = "5-10 %"  # the usual margin of freight and insurance (comtrade.md: ~8 %)
CONSISTENT_TONNES_PCT = 5.0  # a tonnage gap within this is "close"
NOTABLE_PCT = 20.0  # a gap beyond this is worth a sentence
# Caveats from the watchlist reference, by HS6 code.
HS6_CAVEATS = {
    "850511": "HS6 850511 is every permanent magnet of metal: it compares China's tariff lines "
    "85051110 (rare-earth magnets) + 85051190 (magnets of other metals) with the partner's "
    "850511, not the rare-earth magnets series (85051110) alone.",
}


@dataclass
class _Side:
    kg: Decimal | None = Decimal(0)
    usd: Decimal | None = Decimal(0)
    estimated: bool = False
    seen: bool = False

    def add(self, kg: Decimal | None, usd: Decimal | None, estimated: bool) -> None:
        self.kg = None if self.kg is None or kg is None else self.kg + kg
        self.usd = None if self.usd is None or usd is None else self.usd + usd
        self.estimated = self.estimated or bool(estimated)
        self.seen = True


@dataclass
class _Partner:
    key: str
    label: str | None
    reported: _Side = field(default_factory=_Side)
    mirror: _Side = field(default_factory=_Side)
    partner_reported: bool = True


def _tonnes(kg: Decimal | None) -> float | None:
    return None if kg is None else float(kg / 1000)


def _usd(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def gap_pct(mirror: Decimal | None, reported: Decimal | None) -> float | None:
    """(mirror − reported) / reported × 100, exact until the final float; None from a zero or
    missing base."""
    if mirror is None or reported is None or reported == 0:
        return None
    return float((mirror - reported) / reported * 100)


def display_name(key: str, label: str | None = None) -> str:
    """'United States' for US, Comtrade's name for an area (CT-899 'Areas, nes')."""
    name = partner_name(key)
    if name != key:
        return name
    return area_name(key) or label or key


def commodity_key(codes: Sequence[str]) -> str:
    return "+".join(codes)


@dataclass(frozen=True)
class MirrorReport:
    """The JSON contract (``data``) and what only the wording uses."""

    data: dict[str, Any]
    estimated: tuple[str, ...] = ()  # partners whose weight Comtrade flags as estimated


def build_mirror(
    con: duckdb.DuckDBPyConnection, period: date, codes: Sequence[str]
) -> MirrorReport:
    """The mirror JSON contract (README "Mirror JSON contract") for ``codes`` summed."""
    rows = named_rows(
        con,
        "SELECT partner, partner_label, reported_kg, reported_usd, reported_kg_estimated,"
        " partner_reported, mirror_kg, mirror_usd, mirror_kg_estimated"
        " FROM marts.mirror_monthly_of(?) WHERE period = ? AND list_contains(?, commodity_code)"
        " ORDER BY partner, commodity_code",
        [list(codes), period, list(codes)],
    )
    if not rows:
        raise CustomsEtlError(
            f"no China-reported UN Comtrade figures for HS {commodity_key(codes)} in "
            f"{period:%Y-%m} in the warehouse; run `customs-etl backfill --source comtrade "
            f"--start {period:%Y-%m} --end {period:%Y-%m}` first"
        )
    partners: dict[str, _Partner] = {}
    for row in rows:
        entry = partners.setdefault(row["partner"], _Partner(row["partner"], row["partner_label"]))
        entry.reported.add(row["reported_kg"], row["reported_usd"], row["reported_kg_estimated"])
        entry.partner_reported = entry.partner_reported and bool(row["partner_reported"])
        if row["partner_reported"]:
            entry.mirror.add(row["mirror_kg"], row["mirror_usd"], row["mirror_kg_estimated"])
    out = []
    for entry in partners.values():
        mirror = entry.mirror if entry.partner_reported else None
        out.append(
            {
                "partner": entry.key,
                "name": display_name(entry.key, entry.label),
                "reported": {
                    "tonnes": _tonnes(entry.reported.kg),
                    "usd": _usd(entry.reported.usd),
                },
                "mirror": None
                if mirror is None
                else {"tonnes": _tonnes(mirror.kg), "usd": _usd(mirror.usd)},
                "gap_tonnes_pct": None if mirror is None else gap_pct(mirror.kg, entry.reported.kg),
                "gap_usd_pct": None if mirror is None else gap_pct(mirror.usd, entry.reported.usd),
            }
        )
    out.sort(key=_order)
    estimated = sorted(
        e.key for e in partners.values() if e.reported.estimated or e.mirror.estimated
    )
    data = {
        "period": f"{period:%Y-%m}",
        "commodity": commodity_key(codes),
        "reporter": REPORTER,
        "partners": out,
    }
    return MirrorReport(data, tuple(estimated))


def _order(p: dict[str, Any]) -> tuple:
    tonnes = p["reported"]["tonnes"]
    return (tonnes is None, -(tonnes or 0.0), p["partner"])


# ---------------------------------------------------------------- wording


def fine_tonnes(value: float | None) -> str:
    """Tonnes with one decimal below 10 t (mirror gaps are often small): '3.4 t', '1,116 t'."""
    if value is None:
        return "n/a"
    return f"{value:,.1f} t" if abs(value) < 10 else f"{value:,.0f} t"


def _usd_text(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"US${value / 1e6:,.1f} m" if abs(value) >= 1e5 else f"US${value:,.0f}"


def _month(report: dict[str, Any]) -> str:
    return f"{date.fromisoformat(report['period'] + '-01'):%B %Y}"


def _totals(report: dict[str, Any]) -> tuple[float, float, float, float, int] | None:
    """Reported and mirror tonnes and USD over partners with both sides known."""
    both = [
        p for p in report["partners"]
        if p["mirror"] and None not in (p["mirror"]["tonnes"], p["reported"]["tonnes"],
                                        p["mirror"]["usd"], p["reported"]["usd"])
    ]  # fmt: skip
    if not both:
        return None
    return (
        sum(p["reported"]["tonnes"] for p in both),
        sum(p["mirror"]["tonnes"] for p in both),
        sum(p["reported"]["usd"] for p in both),
        sum(p["mirror"]["usd"] for p in both),
        len(both),
    )


def _partner_note(p: dict[str, Any], month: str) -> str | None:
    """One sentence on a partner's gap, naming possible reasons, never asserting one."""
    name = p["name"]
    key = p["partner"]
    if key == "CT-899":
        return f"{name}: trade China did not allocate to a partner; no one reports its mirror."
    if p["mirror"] is None:
        if key == "CT-490":
            return (
                f"{name}: Comtrade files Taiwan's trade under this code; "
                f"no report of {month} from it is loaded yet."
            )
        return f"{name}: has not reported {month} yet (or its report is not loaded): no mirror."
    tonnes, usd = p["gap_tonnes_pct"], p["gap_usd_pct"]
    if tonnes is None and usd is None:
        return None
    if p["mirror"]["tonnes"] == 0 and p["mirror"]["usd"] == 0:
        return (
            f"{name}: its report of {month} records no imports of this line from China — "
            "goods may be declared under another code, or arrive in a later month."
        )
    parts = []
    if tonnes is None:
        parts.append("no net weight on one side, so only values compare")
    elif abs(tonnes) <= CONSISTENT_TONNES_PCT:
        parts.append(f"tonnage agrees within {abs(tonnes):.1f} %")
    elif tonnes > 0 and key == "HK":
        parts.append(
            f"Hong Kong records {tonnes:.0f} % more tonnage than China reports — shipments "
            "at month end arrive a month later, and goods China files under their final "
            "destination can still pass through Hong Kong's books"
        )
    elif tonnes > 0:
        parts.append(
            f"the partner records {tonnes:.0f} % more tonnage than China reports — goods of "
            "Chinese origin shipped via Hong Kong or another hub count as imports from China "
            "there but as exports to the hub here, and shipments at month end arrive a month "
            "later"
        )
    else:
        parts.append(
            f"the partner records {abs(tonnes):.0f} % less tonnage than China reports — goods "
            "still at sea at month end, re-routing after departure, or a different code on "
            "entry could each account for it"
        )
    if usd is not None and tonnes is not None and 0 < usd - tonnes <= 10:
        parts.append(
            f"value runs {usd - tonnes:.0f} points above tonnage, in line with CIF (partner) "
            f"against FOB (China) valuation, typically {CIF_FOB_TYPICAL}"
        )
    elif usd is not None and (tonnes is None or abs(usd - tonnes) > 10):
        parts.append(f"value gap {pct_text(usd)}")
    if key == "HK":
        parts.append(
            "much of what Hong Kong imports from China is re-exported, so its figure is about "
            "transit, not final demand"
        )
    if key == "CT-490":
        parts.append("Comtrade files Taiwan's trade under 'Other Asia, nes'")
    return f"{name}: " + "; ".join(parts) + "."


def _summary(report: dict[str, Any], month: str) -> list[str]:
    totals = _totals(report)
    lines = []
    if totals is not None:
        r_t, m_t, r_usd, m_usd, n = totals
        t_gap = (m_t - r_t) / r_t * 100 if r_t else None
        usd_gap = (m_usd - r_usd) / r_usd * 100 if r_usd else None
        lines.append(
            f"Across the {n} partner(s) with both sides known, partners record "
            f"{fine_tonnes(m_t)} of imports from China against {fine_tonnes(r_t)} of exports "
            "China reports to them "
            f"({pct_text(t_gap)} by weight, {pct_text(usd_gap)} by value)."
        )
    missing = [p["name"] for p in report["partners"] if p["mirror"] is None
               and p["partner"] != "CT-899"]  # fmt: skip
    if missing:
        lines.append(f"No mirror figure for {month} yet from: {', '.join(missing)}.")
    lines.append(
        "Why mirrors differ: partners value imports CIF (cost, insurance and freight "
        f"included), China values exports FOB, so mirror values run higher by {CIF_FOB_TYPICAL} "
        "with no change in the goods; tonnage has no such bias. Shipments at month end are "
        "counted in different months on the two sides. Goods routed through Hong Kong or other "
        "hubs appear as exports to the hub in China's figures but as imports from China in the "
        "final buyer's."
    )
    return lines


def _caveats(report: dict[str, Any], estimated: Sequence[str]) -> list[str]:
    codes = report["commodity"].split("+")
    out = [HS6_CAVEATS[c] for c in codes if c in HS6_CAVEATS]
    if len(codes) > 1:
        out.append(
            f"HS {', '.join(codes)} are summed on both sides; each covers more goods than the "
            "controlled products of the watchlist entry."
        )
    if estimated:
        out.append(
            "UN Comtrade flags as estimated the net weight for: "
            + ", ".join(display_name(k) for k in estimated)
            + "."
        )
    return out


def _rows(report: dict[str, Any]) -> list[tuple[str, ...]]:
    return [
        (
            p["name"],
            fine_tonnes(p["reported"]["tonnes"]),
            fine_tonnes(p["mirror"]["tonnes"]) if p["mirror"] else "not reported",
            pct_text(p["gap_tonnes_pct"]),
            _usd_text(p["reported"]["usd"]),
            _usd_text(p["mirror"]["usd"]) if p["mirror"] else "not reported",
            pct_text(p["gap_usd_pct"]),
        )
        for p in report["partners"]
    ]


HEADERS = ("partner", "China reports", "partner reports", "gap t", "China US$",
           "partner US$", "gap US$")  # fmt: skip


def render_text(mirror: MirrorReport) -> str:
    report = mirror.data
    month = _month(report)
    lines = [
        f"{month}, HS {report['commodity']}: China's reported exports against each partner's "
        "reported imports from China (UN Comtrade), by China's reported tonnage.",
        *_caveats(report, mirror.estimated),
        "",
    ]
    widths = (24, 13, 15, 9, 12, 14, 9)
    lines.append("  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                           for i, (h, w) in enumerate(zip(HEADERS, widths, strict=True))))
    for row in _rows(report):
        lines.append("  ".join(c[:w].ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    lines.append("")
    lines += _summary(report, month)
    lines += [n for p in report["partners"] if (n := _partner_note(p, month))]
    return "\n".join(lines)


def render_markdown(mirror: MirrorReport) -> str:
    report = mirror.data
    month = _month(report)
    lines = [
        f"## Mirror check: HS {report['commodity']}, {month}",
        "",
        "China's reported exports against each partner's reported imports from China "
        "(UN Comtrade), sorted by China's reported tonnage.",
        "",
        *[f"> {c}" for c in _caveats(report, mirror.estimated)],
        "",
        "| " + " | ".join(HEADERS) + " |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *["| " + " | ".join(row) + " |" for row in _rows(report)],
        "",
        *_summary(report, month),
        "",
        *[f"* {n}" for p in report["partners"] if (n := _partner_note(p, month))],
    ]
    return "\n".join(lines)


def render(mirror: MirrorReport, fmt: str) -> str:
    """``json`` (the contract, strict), ``markdown`` or ``text``."""
    if fmt == "json":
        return json.dumps(mirror.data, indent=2, ensure_ascii=False, allow_nan=False)
    if fmt == "markdown":
        return render_markdown(mirror)
    return render_text(mirror)
