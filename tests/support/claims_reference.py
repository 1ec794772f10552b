"""What the brief may claim, computed from first principles over the documents a warehouse
loaded — the plainest code that can be right, written apart from the marts' SQL.

Input: the loaded documents in load order (what each carries, full or partial) — withdrawn
ones left out. From them, per line and month: what is known (a full release's cells, patched by
later partial ones), what is only partial, what is published only as a combined block, and the
published cumulatives with whether a newer month vintage broke them. Then every claim of the
report (``reports.news``) and of a watchlist entry, each with the caveats that withhold it —
the contract ``marts.series_months_of`` and ``marts.series_partners_of`` must meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from customs_etl.core.months import add_months
from customs_etl.core.rules import ytd_tolerance_kg


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


@dataclass(frozen=True)
class Row:
    line: str
    partner: str
    mode: str
    start: date
    end: date
    basis: str
    kg: int


@dataclass
class Loaded:
    """One loaded document: its rows and whether it is a filtered (partial) export."""

    index: int  # load order
    partial: bool
    rows: list[Row] = field(default_factory=list)


SliceKey = tuple[str, date, date, str]  # line, start, end, basis


def current(docs: Sequence[Loaded], key: SliceKey, before: int | None = None):
    """A slice's current cells (partner, mode) → (kg, load index), and whether a full release
    covers it: the newest full document's cells, replaced cell by cell by partial documents
    loaded after it. ``before``: as it stood when the document of that load index came."""
    mine = [d for d in docs if before is None or d.index < before]
    holding = [d for d in mine if any((r.line, r.start, r.end, r.basis) == key for r in d.rows)]
    fulls = [d for d in holding if not d.partial]
    base = max(fulls, key=lambda d: d.index) if fulls else None
    cells: dict[tuple[str, str], tuple[int, int]] = {}
    layers = ([base] if base else []) + sorted(
        (d for d in holding if d.partial and (base is None or d.index > base.index)),
        key=lambda d: d.index,
    )
    for d in layers:
        for r in d.rows:
            if (r.line, r.start, r.end, r.basis) == key:
                cells[(r.partner, r.mode)] = (r.kg, d.index)
    return cells, base is not None


@dataclass(frozen=True)
class Month:
    """How one line's month is known."""

    coverage: str  # complete | partial | combined | missing
    kg: int | None = None  # world total when complete
    partners: dict[str, int] | None = None  # partner totals when complete
    label: str = ""
    block_kg: int | None = None
    block_end: date | None = None
    newest: int = 0  # load index of its newest current cell (or of its block)

    @property
    def known(self) -> bool:
        return self.coverage == "complete" and self.kg is not None


class Line:
    """Everything known about one line (one flow) after the documents loaded."""

    def __init__(self, docs: Sequence[Loaded], line: str) -> None:
        self.docs = list(docs)
        self.line = line
        self.slices = {
            (r.line, r.start, r.end, r.basis)
            for d in self.docs for r in d.rows if r.line == line
        }  # fmt: skip

    def _month_of(self, month: date) -> Month:
        key = (self.line, month, month, "month")
        if key in self.slices:
            cells, complete = current(self.docs, key)
            newest = max(i for _, i in cells.values())
            if not complete:
                return Month("partial", label=month_label(month), newest=newest)
            partners: dict[str, int] = {}
            for (partner, _), (kg, _) in cells.items():
                partners[partner] = partners.get(partner, 0) + kg
            return Month("complete", sum(partners.values()), partners, month_label(month),
                         newest=newest)  # fmt: skip
        # published only together: a January-February cumulative, neither month on its own
        jan, feb = date(month.year, 1, 1), date(month.year, 2, 1)
        if month in (jan, feb) and not any(
            (self.line, m, m, "month") in self.slices for m in (jan, feb)
        ):
            block = self.cumulative(feb)
            if block is not None:
                kg, index = block
                return Month("combined", label=f"{month_label(jan)}..{month_label(feb)}",
                             block_kg=kg, block_end=feb, newest=index)  # fmt: skip
        return Month("missing", label=month_label(month))

    def month(self, month: date) -> Month:
        if not hasattr(self, "_months"):
            self._months: dict[date, Month] = {}
        if month not in self._months:
            self._months[month] = self._month_of(month)
        return self._months[month]

    def cumulative(self, month: date) -> tuple[int, int] | None:
        """The published January-to-month cumulative (world kg, load index), when a full
        release covers it."""
        key = (self.line, date(month.year, 1, 1), month, "ytd")
        if key not in self.slices:
            return None
        cells, complete = current(self.docs, key)
        if not complete:
            return None
        return sum(kg for kg, _ in cells.values()), max(i for _, i in cells.values())

    def months_with_data(self) -> list[date]:
        held = {s[1] for s in self.slices if s[3] == "month" and s[1] == s[2]}
        for year in {s[2].year for s in self.slices if s[3] == "ytd"}:
            for m in (date(year, 1, 1), date(year, 2, 1)):
                if self.month(m).coverage == "combined":
                    held.add(m)
        return sorted(held)

    def first_period(self) -> date | None:
        found = self.months_with_data()
        return found[0] if found else None

    def grid_start(self) -> date | None:
        """January of the first year the line has anything in (a month or a cumulative)."""
        ends = [s[2] for s in self.slices if s[3] == "ytd" and s[1].month == 1]
        found = self.months_with_data() + [e for e in ends if self.cumulative(e) is not None]
        return date(min(found).year, 1, 1) if found else None

    # ---------------------------------------------------------------- year to date

    def _summable(self, month: date) -> tuple[bool, int, list[tuple[str, str]]]:
        """Whether every month of the year to ``month`` is known (a combined block counted
        once, at its end), their sum, and the unknown ones as (reason, label)."""
        total, unknown = 0, []
        for k in range(1, month.month + 1):
            m = self.month(date(month.year, k, 1))
            if m.known:
                total += m.kg or 0
            elif m.coverage == "combined" and m.block_kg is not None:
                if date(month.year, k, 1) == m.block_end:
                    total += m.block_kg
            else:
                unknown.append((reason(m), m.label))
        here = self.month(month)
        if here.coverage == "combined" and month != here.block_end:
            return False, total, [("combined", here.label)]
        return not unknown, total, unknown

    def stale(self, month: date) -> date | None:
        """The month whose newer vintage broke the published cumulative to ``month`` (None
        when it stands)."""
        published = self.cumulative(month)
        if published is None:
            return None
        kg, index = published
        tolerance = ytd_tolerance_kg(kg)
        span = [date(month.year, k, 1) for k in range(1, month.month + 1)]
        newer = [k for k in span if self.month(k).newest > index]
        revised = []
        for k in newer:  # a month revised, beyond tolerance, after the cumulative was loaded
            now = self.month(k)
            if not now.known:
                continue
            cells, complete = current(self.docs, (self.line, k, k, "month"), before=index)
            if complete and cells:
                then = sum(kg for kg, _ in cells.values())
                if abs(now.kg - then) > tolerance:
                    revised.append(k)
        if revised:
            return max(revised)
        summable, total, _ = self._summable(month)
        if newer and summable and abs(total - kg) > tolerance:
            return max(newer)
        return None

    def ytd(self, month: date) -> tuple[int | None, str | None, list[tuple[str, str]]]:
        """(YTD kg, 'cumulative' | 'summed', why) — why: (reason, label) pairs that keep the
        cumulative or the whole YTD from being used."""
        published = self.cumulative(month)
        broken = self.stale(month)
        why = [("stale_cumulative", month_label(broken))] if broken else []
        if published is not None and broken is None:
            return published[0], "cumulative", why
        summable, total, unknown = self._summable(month)
        if summable:
            return total, "summed", why
        return None, None, why + unknown


def reason(month: Month) -> str:
    """Why a month's figure is not known, as the marts' caveats say it."""
    return "no_quantity" if month.coverage == "complete" else month.coverage


def _pct(now: float, base: float | None) -> float | None:
    if base is None or base == 0:
        return None
    return (now / base - 1) * 100


def caveat(claim: str, why: str, label: str, line: str | None, partner: str | None = None):
    return {"claim": claim, "reason": why, "period": label, "line": line, "partner": partner}


@dataclass
class SeriesClaims:
    """Every claim about a series (one line, or lines summed like for like) in one month."""

    coverage: str
    lines: list[str]
    tonnes: float | None
    mom_pct: float | None
    yoy_pct: float | None
    ytd_tonnes: float | None
    ytd_coverage: str | None
    ytd_yoy_pct: float | None
    highest_since: str | None
    lowest_since: str | None
    consecutive_rises: int | None
    months_held: int | None
    first_month: str | None
    combined: str | None
    caveats: list[dict[str, Any]]
    partners: list[dict[str, Any]]


def series_claims(lines: Sequence[Line], period: date) -> SeriesClaims:
    """The claims for ``period`` of ``lines`` summed like for like (one line: its own)."""
    grouped = len(lines) > 1
    present = [ln for ln in lines if ln.slices]
    months = {ln.line: ln.month(period) for ln in present}
    known = [ln for ln in present if months[ln.line].known]
    caveats: list[dict[str, Any]] = []
    for ln in present:
        m = months[ln.line]
        if m.known or (m.coverage == "missing" and not grouped):
            continue
        caveats.append(caveat("tonnes", reason(m), m.label, ln.line))
    if known:
        coverage = "complete"
    elif any(m.coverage == "partial" for m in months.values()):
        coverage = "partial"
    elif any(m.coverage == "combined" for m in months.values()):
        coverage = "combined"
    else:
        coverage = "missing"
    combined_labels = [m.label for m in months.values() if m.coverage == "combined"]
    combined = max(combined_labels) if coverage == "combined" and combined_labels else None
    tonnes_kg = sum(months[ln.line].kg for ln in known) if known else None

    def change(lag: int, claim: str) -> float | None:
        then = add_months(period, -lag)
        now_kg = base_kg = 0
        used = 0
        for ln in known:
            before = ln.month(then)
            if before.known:
                used += 1
                now_kg += months[ln.line].kg
                base_kg += before.kg
            else:
                caveats.append(caveat(claim, reason(before), before.label, ln.line))
        if used and base_kg == 0:
            caveats.append(caveat(claim, "zero_base", month_label(then), None))
        return _pct(now_kg, base_kg) if used else None

    mom = change(1, "mom_pct")
    yoy = change(12, "yoy_pct")
    for lag, claim in ((1, "partners.mom_pct"), (12, "partners.yoy_pct")):
        then = add_months(period, -lag)
        for ln in present:
            if months[ln.line].coverage != "complete":
                continue
            before = ln.month(then)
            if before.coverage != "complete":
                caveats.append(caveat(claim, reason(before), before.label, ln.line))
    # year to date over the known lines (else those with anything in the month)
    ytd_lines = known or [ln for ln in present if months[ln.line].coverage != "missing"] or [
        ln for ln in present if ln.cumulative(period) is not None
    ]
    ytd_values, ytd_kinds = [], []
    for ln in ytd_lines:
        kg, kind, why = ln.ytd(period)
        ytd_values.append(kg)
        ytd_kinds.append(kind)
        caveats += [caveat("ytd_tonnes", w, label, ln.line) for w, label in why]
    ytd_kg = sum(ytd_values) if ytd_lines and None not in ytd_values else None
    ytd_coverage = None
    if ytd_kg is not None:
        kinds = set(ytd_kinds)
        ytd_coverage = kinds.pop() if len(kinds) == 1 else "mixed"
    ytd_yoy = None
    starts = [ln.grid_start() for ln in present if ln.grid_start()]
    grid_start = min(starts) if starts else None  # the series' months start here
    if ytd_kg is not None:
        last = add_months(period, -12)
        now_kg = base_kg = 0
        used = 0
        for ln, kg in zip(ytd_lines, ytd_values, strict=True):
            if grid_start is None or last < grid_start:
                caveats.append(caveat("ytd_yoy_pct", "missing", month_label(last), ln.line))
                continue
            then, _, why = ln.ytd(last)
            if then is None:
                caveats += [caveat("ytd_yoy_pct", w, label, ln.line) for w, label in why]
                continue
            used += 1
            now_kg += kg
            base_kg += then
        if used and base_kg == 0:
            caveats.append(caveat("ytd_yoy_pct", "zero_base", month_label(last), None))
        ytd_yoy = _pct(now_kg, base_kg) if used else None
    firsts = [ln.first_period() for ln in present if ln.first_period()]
    first = min(firsts) if firsts else None
    high = low = None
    rises = None
    held = None
    if tonnes_kg is not None and first is not None:
        x = tonnes_kg
        held = (period.year - first.year) * 12 + period.month - first.month + 1

        def value(month: date) -> tuple[str, Any]:
            """('known', kg) | ('block', (total, months, label)) | ('gap', caveat parts)."""
            cells = [ln.month(month) for ln in known]
            if all(c.known for c in cells):
                return "known", sum(c.kg for c in cells)
            if all(c.coverage == "combined" and c.block_kg is not None for c in cells) and len(
                {c.label for c in cells}
            ) == 1:
                total = sum(c.block_kg for c in cells)
                return "block", (total, 2, cells[0].label, _line_of(known))
            gaps = sorted(
                (ln.line, c) for ln, c in zip(known, cells, strict=True) if not c.known
            )
            line, cell = gaps[0]
            return "gap", (reason(cell), cell.label, line)

        earlier = []
        month = add_months(period, -1)
        while month >= first:
            earlier.append((month, value(month)))
            month = add_months(month, -1)
        if mom is not None and mom > 0:
            for month, (kind, v) in earlier:
                if kind == "known" and v >= x:
                    high = month_label(month)
                    break
                if kind == "block":
                    total, n, label, _ = v
                    if total / n >= x:
                        high = label
                        break
                    if total < x:
                        continue
                    caveats.append(caveat("highest_since", "combined", label, _line_of(known)))
                    high = "withheld"
                    break
                if kind == "gap":
                    caveats.append(caveat("highest_since", *v))
                    high = "withheld"
                    break
                if kind == "known":
                    continue
            else:
                high = "record"
        if mom is not None and mom < 0:
            for month, (kind, v) in earlier:
                if kind == "known" and v <= x:
                    low = month_label(month)
                    break
                if kind == "block":
                    total, n, label, _ = v
                    if total / n <= x:
                        low = label
                        break
                    caveats.append(caveat("lowest_since", "combined", label, _line_of(known)))
                    low = "withheld"
                    break
                if kind == "gap":
                    caveats.append(caveat("lowest_since", *v))
                    low = "withheld"
                    break
            else:
                low = "record"
        high = None if high == "withheld" else high
        low = None if low == "withheld" else low
        if mom is not None:
            if mom <= 0:
                rises = 0
            else:
                count, now_value = 0, ("known", x)
                chain = [(period, now_value), *earlier]
                rises = None
                for i, (month, (kind, v)) in enumerate(chain):
                    if kind != "known":
                        caveats.append(caveat("consecutive_rises", *_gap_parts(kind, v)))
                        break
                    if i + 1 == len(chain):
                        caveats.append(caveat("consecutive_rises", "missing",
                                              month_label(add_months(month, -1)), None))
                        break
                    prev_kind, prev = chain[i + 1][1]
                    if prev_kind != "known":
                        caveats.append(caveat("consecutive_rises", *_gap_parts(prev_kind, prev)))
                        break
                    if v > prev:
                        count += 1
                        continue
                    rises = count
                    break
    partners = _partners(lines, present, period)
    return SeriesClaims(
        coverage=coverage,
        lines=sorted(ln.line for ln in known),
        tonnes=None if tonnes_kg is None else tonnes_kg / 1000,
        mom_pct=mom,
        yoy_pct=yoy,
        ytd_tonnes=None if ytd_kg is None else ytd_kg / 1000,
        ytd_coverage=ytd_coverage,
        ytd_yoy_pct=ytd_yoy,
        highest_since=high,
        lowest_since=low,
        consecutive_rises=rises,
        months_held=held,
        first_month=month_label(first) if first else None,
        combined=combined,
        caveats=caveats,
        partners=partners,
    )


def _line_of(known: Sequence[Line]) -> str | None:
    return sorted(ln.line for ln in known)[0] if known else None


def _gap_parts(kind: str, v: Any) -> tuple[str, str, str | None]:
    if kind == "block":
        return "combined", v[2], v[3]
    return v


def _partners(lines: Sequence[Line], present: Sequence[Line], period: date) -> list[dict]:
    complete = [ln for ln in present if ln.month(period).coverage == "complete"]
    if not complete:
        return []
    totals: dict[str, int] = {}
    for ln in complete:
        for partner, kg in (ln.month(period).partners or {}).items():
            totals[partner] = totals.get(partner, 0) + kg
    world = sum(ln.month(period).kg for ln in complete)

    def change(partner: str, lag: int) -> float | None:
        then = add_months(period, -lag)
        both = [ln for ln in complete if ln.month(then).coverage == "complete"]
        if not both:
            return None
        now = sum((ln.month(period).partners or {}).get(partner, 0) for ln in both)
        base = sum((ln.month(then).partners or {}).get(partner, 0) for ln in both)
        return _pct(now, base)

    out = []
    for partner, kg in totals.items():
        out.append(
            {
                "partner": partner,
                "tonnes": kg / 1000,
                "mom_pct": change(partner, 1),
                "yoy_pct": change(partner, 12),
                "rank": 1 + sum(other > kg for other in totals.values()),
                "share_pct": kg / world * 100 if world else None,
                "coverage": "complete",
            }
        )
    return sorted(out, key=lambda p: (p["rank"], -p["tonnes"], p["partner"]))


def refusal(lines: Sequence[Line], period: date) -> str | None:
    """Why the brief refuses the month ('missing' | 'partial' | 'combined'), or None."""
    claims = series_claims(lines, period)
    if claims.coverage in ("missing", "partial"):
        return claims.coverage
    if claims.coverage == "combined" and not (claims.combined or "").endswith(month_label(period)):
        return "combined"
    return None
