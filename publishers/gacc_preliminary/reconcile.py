"""Weigh what a month's pages claim, then build canonical observations. Pure: no I/O.

A document of this publisher is one table of one month in both currencies (``bundle``): the
CNY page and the USD page carry the same rows and the same quantities, each its own values.
Every claim a page makes is checked against the page itself and against its sibling, and a
contradiction is either resolved by one of the rules below, with the evidence named in the
table's notes and the rows' flags, or the document is refused with one line (``ParseError``:
the page, row and field) saying what contradicts what. Nothing is guessed.

Rules (README "GACC preliminary release" lists them with the pages they were seen on):

* **Period.** The title's period must be the month asked for (the index's cell); the header
  (``5`` / ``1-5 Total`` / ``1-5 Total, 2024``) must say the same. When it does not, the
  title is read — and the header flagged ``header_corrected`` — only if the sibling page's
  header agrees with the title, or the page's date line falls in the title's release window
  (the three months after the period); otherwise refused. A dateless title (older pages)
  leaves the header as the page's word on its period, which must then be the month asked for.
* **Currency and scale.** Witnesses: the index row the page was linked from (``(in CNY)``),
  the title, the unit line, the attachment's file name (``…人民币…CNY45.xls``). All agree: the
  unit line's scale. One dissenter against two or more: the majority's currency, flagged
  ``currency_corrected``; if the dissenter is the unit line its scale is not trusted either,
  and the channel's own scale for that currency (CNY 100 million, USD 1 million) is taken only
  when the sibling page confirms it. Anything else is refused. The two pages must then be one
  CNY and one USD, and their value totals must imply a CNY/USD rate in 5.5–8.5 (the sibling
  check of the scales).
* **Rows and quantities.** Both pages list the same rows (keys) in the same order and print
  the same quantities cell for cell; a row without its quantity-unit cell (9 cells under a
  10-column header) takes the sibling's unit, or is refused when there is none to take.
* **Units.** A printed unit whose figures give an implausible value per unit (YTD value ÷
  quantity, in CNY per kg/item/pair, outside the series' band in the catalogue — or, for a
  mass unit of an unlisted series, outside 0.01–100,000 CNY/kg) contradicts the figures. The
  one other reading considered is the unit GACC's Chinese table prints for the series
  (``core.catalogue.PRELIMINARY_SERIES``): if it fits, the row is read in it and flagged
  ``unit_corrected=<printed>-><read>``; otherwise refused. Real 2025 pages print ``Ton`` over
  aluminium figures in 10,000 t and ``10,000 Pairs`` over footwear in hundreds of millions.
* **Arithmetic.** A month's quantity or value above its year to date is refused, and so is a
  published YTD y/y % that the two YTD columns cannot give at the printed rounding.

Observations: one row per table row and basis with a number — ``month`` (the month pair),
``ytd`` (January to the month), ``ytd`` of last year (flagged ``last_year_reprint``: GACC's
current figure for last year's same period, a new vintage of that slice). A page without a
month block (the combined January–February page, ``1-2 Total``) is represented as the bulletin
represents its combined ``1 to 2`` block: a ``month`` row over January..February and a ``ytd``
row over the same months flagged ``ytd=month_block``. ``value``/``currency`` are the CNY page's
as printed (the USD page's when it is alone), ``value_cny`` and ``value_usd`` each page's in
plain units. ``*`` rows are flagged ``aggregate``, rows without quantities ``value_only``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, DecimalException
from typing import Any

import pandas as pd

from customs_etl.core import sources
from customs_etl.core.catalogue import preliminary_key, preliminary_series
from customs_etl.core.errors import ParseError
from customs_etl.core.months import add_months
from customs_etl.core.rules import LAST_YEAR_REPRINT_FLAG
from customs_etl.core.schema import OBSERVATION_COLUMNS, check_exact
from customs_etl.core.units import Unit, unit_for
from customs_etl.publishers.gacc_preliminary.page import (
    MONTH,
    QUANTITY_FIELDS,
    PageRow,
    PreliminaryPage,
)

SOURCE = sources.GACC_PRELIMINARY
CURRENCIES = ("CNY", "USD")
ANY = "ANY"  # an index row that names no currency: the page's own evidence decides
STANDARD_SCALES = {"CNY": 10**8, "USD": 10**6}  # CNY 100 Million, USD1 Million
RATE_BAND = (Decimal("5.5"), Decimal("8.5"))  # CNY per USD the two pages' totals may imply
CNY_PER_USD_FOR_BANDS = Decimal(7)  # only to place a USD page's unit values in a CNY band
GENERIC_MASS_BAND = (0.01, 100_000.0)  # CNY per kg, a mass series the catalogue lacks
RELEASE_WINDOW_MONTHS = 3  # a page's date line falls within these months after its period

LAST_YEAR_FLAG = LAST_YEAR_REPRINT_FLAG
COMBINED_FLAG = "ytd=month_block"  # as transforms.bulletin flags a combined block's ytd row
_BASE_WORD = {"mass": "kg", "pairs": "pair", "volume": "m³"}


@dataclass(frozen=True)
class Part:
    """One page of a document, under the currency the index row named (or ``ANY``)."""

    label: str
    page: PreliminaryPage


@dataclass(frozen=True)
class Reading:
    """How a page's values are read: currency, scale, and what was resolved to get there."""

    currency: str
    scale: int
    note: str | None = None
    needs_sibling: bool = False  # the scale is the channel's, to be confirmed by the sibling


@dataclass
class Month:
    """A table of one month in one or two currencies, every contradiction settled."""

    flow: str
    year: int
    first: int  # months the page covers: (1, 2) for the combined January-February page
    last: int
    has_month_block: bool
    pages: dict[str, PreliminaryPage]  # currency → page
    readings: dict[str, Reading]
    units: list[tuple[str | None, str | None]]  # per row: (unit read, unit_corrected flag)
    keys: list[str]
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # for every row (header_corrected, …)

    @property
    def primary(self) -> str:
        """Whose value and currency a row carries as printed: CNY, else the page there is."""
        return "CNY" if "CNY" in self.pages else next(iter(self.pages))


def _fmt(number: Decimal | float | None) -> str:
    """A printed figure as printed (``24,827.0``); a computed one to a sensible precision."""
    if number is None:
        return "-"
    if isinstance(number, Decimal):
        return f"{number:,}"
    return f"{number:,.0f}" if abs(number) >= 100 else f"{number:.3g}"


def _span(year: int, first: int, last: int) -> str:
    return f"{year}-{last:02d}" if first == last else f"{year}-{first:02d}..{year}-{last:02d}"


# --------------------------------------------------------------------------- currency


def read_currency(part: Part) -> Reading:
    """The page's currency and scale from its witnesses (see the module docstring)."""
    page = part.page
    witnesses: list[tuple[str, str]] = []
    if part.label != ANY:
        witnesses.append((f"the index row (in {part.label})", part.label))
    if page.title_currency:
        witnesses.append(("the title", page.title_currency))
    witnesses.append((f"the unit line {page.unit_line!r}", page.unit[0]))
    if page.attachment:
        witnesses.append((f"the attachment {page.attachment[1]!r}", page.attachment[0]))
    said = {cur: [w for w, c in witnesses if c == cur] for cur in CURRENCIES}
    majority = max(CURRENCIES, key=lambda cur: len(said[cur]))
    dissent = [w for w, c in witnesses if c != majority]
    unit_agrees = page.unit[0] == majority
    if not dissent:
        return Reading(majority, page.unit[1])
    if len(dissent) > 1 or len(said[majority]) < 2:
        listed = "; ".join(f"{w} says {c}" for w, c in witnesses)
        raise ParseError(page.source, f"currency contradiction: {listed}: cannot tell")
    scale = page.unit[1] if unit_agrees else STANDARD_SCALES[majority]
    note = (
        f"{dissent[0]} says {page.unit[0] if not unit_agrees else _other(majority)}, "
        f"{', '.join(said[majority])} say {majority}: read as {majority} x {scale:,}"
    )
    return Reading(majority, scale, note, needs_sibling=not unit_agrees)


def _other(currency: str) -> str:
    return "USD" if currency == "CNY" else "CNY"


def _check_rate(month: Month, source: str) -> None:
    """The two pages' YTD value totals must imply a plausible CNY/USD rate."""
    cny, usd = month.pages["CNY"], month.pages["USD"]
    totals = {"CNY": Decimal(0), "USD": Decimal(0)}
    for row_cny, row_usd in zip(cny.rows, usd.rows, strict=True):
        a, b = row_cny.numbers.get("ytd_value"), row_usd.numbers.get("ytd_value")
        if a is not None and b is not None:
            totals["CNY"] += a * month.readings["CNY"].scale
            totals["USD"] += b * month.readings["USD"].scale
    if not totals["USD"]:
        return
    rate = totals["CNY"] / totals["USD"]
    if not RATE_BAND[0] <= rate <= RATE_BAND[1]:
        raise ParseError(
            source,
            f"the CNY page's values ({cny.unit_line!r}) are {_fmt(float(rate))} times the USD "
            f"page's ({usd.unit_line!r}); a CNY/USD rate is {RATE_BAND[0]}-{RATE_BAND[1]}: "
            "one page's currency or scale is wrong",
        )


# --------------------------------------------------------------------------- period


def _header_disagrees(page: PreliminaryPage, year: int, last: int) -> list[str]:
    """What the header says against a period: its months (``5`` / ``1-5 Total``) and the year
    over its last-year column (``1-5 Total, 2024`` must be the year before)."""
    header, wrong = page.header, []
    months = [header.ytd_range] + ([header.month_range] if header.month_range else [])
    if any(span[1] != last for span in months):
        wrong.append(f"the header says {' / '.join(header.texts[:2])!r}")
    if header.last_year is not None and header.last_year != year - 1:
        wrong.append(f"the last-year column says {header.last_year}")
    return wrong


def _in_window(page: PreliminaryPage, year: int, last: int) -> bool:
    if page.release_date is None:
        return False
    start = add_months(date(year, last, 1), 1)
    return start <= page.release_date < add_months(start, RELEASE_WINDOW_MONTHS)


def read_period(
    pages: list[PreliminaryPage], requested: date | None, source: str
) -> tuple[int, int, int, list[str]]:
    """(year, first month, last month, notes): the title's period, checked (module docstring)."""
    claims = []
    for page in pages:
        if page.title_year is not None and page.title_range is not None:
            claims.append((page.title_year, *page.title_range))
        else:  # a dateless title (older pages): the header's period, checked below
            header = page.header
            year = header.last_year + 1 if header.last_year is not None else None
            year = year or (requested.year if requested is not None else None)
            if year is None:
                raise ParseError(page.source, f"the title {page.title!r} names no period")
            first = (header.month_range or header.ytd_range)[0]
            claims.append((year, first, header.ytd_range[1]))
    if len(set(claims)) > 1:
        listed = ", ".join(f"{_span(*c)} ({p.source})" for c, p in zip(claims, pages, strict=True))
        raise ParseError(source, f"the pages are for different periods: {listed}")
    year, first, last = claims[0]
    if requested is not None and (year, last) != (requested.year, requested.month):
        raise ParseError(
            pages[0].source,
            f"the page is for {_span(year, first, last)} but {requested:%Y-%m} was requested",
        )
    notes = []
    agreeing = [p for p in pages if not _header_disagrees(p, year, last)]
    for page in pages:
        wrong = _header_disagrees(page, year, last)
        if not wrong:
            continue
        claim = f"{' and '.join(wrong)} but the title says {_span(year, first, last)}"
        evidence = []
        if any(p is not page for p in agreeing):
            evidence.append("the sibling page's header agrees with the title")
        if _in_window(page, year, last):
            evidence.append(f"the page is dated {page.release_date:%Y-%m-%d}")
        if not evidence:
            raise ParseError(
                page.source, f"{claim}; neither the sibling page nor the date line confirms either"
            )
        notes.append(f"{page.source}: {claim}: read as the title ({'; '.join(evidence)})")
    return year, first, last, notes


# --------------------------------------------------------------------------- arithmetic


def _half_unit(number: Decimal) -> Decimal:
    """Half the last printed digit: 12.1 → 0.05 (the rounding the page applied)."""
    exponent = number.as_tuple().exponent
    return Decimal(5).scaleb(int(exponent) - 1) if isinstance(exponent, int) else Decimal(0)


def pct_consistent(ytd: Decimal, last: Decimal, pct: Decimal) -> bool | None:
    """Whether a printed y/y % can come from the two printed YTD figures at their rounding;
    None when it cannot be computed (last year's figure rounds to zero)."""
    h_ytd, h_last, h_pct = _half_unit(ytd), _half_unit(last), _half_unit(pct)
    if last - h_last <= 0:
        return None
    lowest = ((ytd - h_ytd) / (last + h_last) - 1) * 100
    highest = ((ytd + h_ytd) / (last - h_last) - 1) * 100
    return pct + h_pct >= lowest and pct - h_pct <= highest


def check_arithmetic(page: PreliminaryPage) -> None:
    """Month ≤ year to date; the published YTD y/y % against the two YTD columns."""
    covers_month = page.header.month_range is not None and page.header.ytd_range != (
        page.header.month_range
    )
    for row in page.rows:
        n = row.numbers
        if covers_month:
            for kind in ("quantity", "value"):
                month, ytd = n.get(f"month_{kind}"), n.get(f"ytd_{kind}")
                if month is not None and ytd is not None and month > ytd:
                    raise ParseError(
                        page.source,
                        f"{row.label!r}: the month's {kind} {_fmt(month)} exceeds the year to "
                        f"date's {_fmt(ytd)}",
                        row=row.row_number,
                        field=f"month_{kind}",
                    )
        for kind in ("quantity", "value"):
            ytd, last, pct = n.get(f"ytd_{kind}"), n.get(f"ly_{kind}"), n.get(f"pct_{kind}")
            if ytd is None or last is None or pct is None:
                continue
            if pct_consistent(ytd, last, pct) is False:
                computed = (ytd / last - 1) * 100
                raise ParseError(
                    page.source,
                    f"{row.label!r}: the published y/y {_fmt(pct)} % contradicts the year-to-date "
                    f"{kind} columns {_fmt(ytd)} and {_fmt(last)} ({computed:.2f} %)",
                    row=row.row_number,
                    field=f"pct_{kind}",
                )


# --------------------------------------------------------------------------- units


def _unit_value(row: PageRow, unit: Unit, reading: Reading) -> float | None:
    """CNY per base unit (kg, item, pair, m³) from the row's year-to-date figures (else the
    month's); None when the figures are too coarse to tell (a value under 1.0 printed)."""
    if unit.per_unit is None:
        return None
    for kind in ("ytd", "month", "ly"):
        quantity, value = row.numbers.get(f"{kind}_quantity"), row.numbers.get(f"{kind}_value")
        if quantity and value is not None and quantity > 0 and value >= 1:
            money = value * reading.scale
            if reading.currency == "USD":
                money *= CNY_PER_USD_FOR_BANDS
            try:
                return float(money / (quantity * unit.per_unit))
            except (DecimalException, ZeroDivisionError):  # pragma: no cover - guarded above
                return None
    return None


def read_unit(
    row: PageRow, printed: str | None, reading: Reading, source: str
) -> tuple[str | None, str | None, str | None]:
    """(unit read, flag, note) for a row: the printed unit, or the series' own unit when the
    figures contradict the printed one and fit it (module docstring); refused otherwise."""
    if printed is None or row.value_only:
        return printed, None, None
    unit = unit_for(printed)
    if unit is None:
        raise ParseError(
            source,
            f"{row.label!r}: unknown quantity unit {printed!r}: its kilograms cannot be known",
            row=row.row_number,
            field="quantity_unit",
        )
    series = preliminary_series(row.label)
    band = series.band if series is not None and series.band else None
    if band is None and unit.is_mass:
        band = GENERIC_MASS_BAND
    price = _unit_value(row, unit, reading)
    if band is None or price is None or band[0] <= price <= band[1]:
        return printed, None, None
    per = _BASE_WORD.get(unit.kind, "item")
    claim = (
        f"{row.label!r}: the unit {printed!r} contradicts the figures: they give "
        f"{_fmt(price)} CNY per {per} (plausible {band[0]:,g}-{band[1]:,g})"
    )
    other = unit_for(series.unit) if series is not None and series.unit else None
    if other is not None and other.name != unit.name and other.kind == unit.kind:
        read = _unit_value(row, other, reading)
        if read is not None and band[0] <= read <= band[1]:
            assert series is not None
            note = (
                f"{claim}; read in {other.name!r}, the unit GACC's Chinese table prints for "
                f"{series.chinese} ({_fmt(read)} CNY per {per})"
            )
            return other.name, f"unit_corrected={printed}->{other.name}", note
        claim += f"; in {other.name!r} they give {_fmt(read)}"
    raise ParseError(source, claim, row=row.row_number, field="quantity_unit")


# --------------------------------------------------------------------------- the month


def _same_rows(month: Month, source: str) -> None:
    """Both pages list the same rows (keys, in order) and print the same quantities."""
    if len(month.pages) < 2:
        return
    cny, usd = month.pages["CNY"], month.pages["USD"]
    if len(cny.rows) != len(usd.rows):
        raise ParseError(
            source, f"the CNY page has {len(cny.rows)} rows, the USD page {len(usd.rows)}"
        )
    for a, b in zip(cny.rows, usd.rows, strict=True):
        if preliminary_key(a.label, a.parent_label) != preliminary_key(b.label, b.parent_label):
            raise ParseError(
                source,
                f"row {a.row_number} is {a.label!r} on the CNY page, {b.label!r} on the USD page",
                row=a.row_number,
            )
        for name in QUANTITY_FIELDS:
            if a.numbers.get(name) != b.numbers.get(name):
                raise ParseError(
                    source,
                    f"{a.label!r}: {name} {_fmt(a.numbers.get(name))} on the CNY page but "
                    f"{_fmt(b.numbers.get(name))} on the USD page: the two currencies' pages "
                    "must print the same quantities",
                    row=a.row_number,
                    field=name,
                )


def _row_unit(month: Month, rows: dict[str, PageRow], source: str) -> tuple[str | None, str | None]:
    """(unit read, its flag) of one row across the pages: a missing unit cell takes the
    sibling's unit; each page's figures are checked against the unit (``read_unit``); the
    pages must end up reading the same unit."""
    row = next(iter(rows.values()))
    printed = {c: r.unit for c, r in rows.items() if not r.unit_cell_missing}
    if len(printed) < len(rows):
        if not printed and not row.value_only:
            raise ParseError(
                next(iter(month.pages.values())).source,
                f"{row.label!r}: no quantity-unit cell under the 'Quantity Unit' header and no "
                "sibling page that prints one",
                row=row.row_number,
                field="quantity_unit",
            )
        taken = next(iter(printed.values()), None)
        for currency in rows.keys() - printed.keys():
            printed[currency] = taken
            if taken is not None:
                month.notes.append(
                    f"{month.pages[currency].source} row {row.row_number} {row.label!r}: no "
                    f"quantity-unit cell; the sibling page's {taken!r} taken"
                )
    read = {
        c: read_unit(r, printed[c], month.readings[c], month.pages[c].source)
        for c, r in rows.items()
    }
    if len({unit for unit, _, _ in read.values()}) > 1:
        listed = ", ".join(f"{c} page {u!r}" for c, (u, _, _) in read.items())
        raise ParseError(
            source,
            f"{row.label!r}: the pages' units disagree ({listed})",
            row=row.row_number,
            field="quantity_unit",
        )
    month.notes.extend(note for _, _, note in read.values() if note)
    unit = next(iter(read.values()))[0]
    flag = next((flag for _, flag, _ in read.values() if flag), None)
    return unit, flag


def _read_rows(month: Month, source: str) -> None:
    """Rows paired, units read and keys given (one key per row: two rows on one key would
    merge two series, so that is refused)."""
    _same_rows(month, source)
    seen: dict[str, int] = {}
    columns = [p.rows for p in month.pages.values()]
    for rows in zip(*columns, strict=True):
        by_currency = dict(zip(month.pages, rows, strict=True))
        month.units.append(_row_unit(month, by_currency, source))
        row = rows[0]
        key = preliminary_key(row.label, row.parent_label)
        if key in seen:
            raise ParseError(
                source,
                f"rows {seen[key]} and {row.row_number} both map to commodity key {key!r}",
                row=row.row_number,
            )
        seen[key] = row.row_number
        month.keys.append(key)


def reconcile(parts: list[Part], requested: date | None, source: str) -> Month:
    """Settle a month's pages (one or two currencies) into one table, or refuse."""
    if not parts:
        raise ParseError(source, "the document holds no page")
    readings = [read_currency(part) for part in parts]
    pages: dict[str, PreliminaryPage] = {}
    for part, reading in zip(parts, readings, strict=True):
        if reading.currency in pages:
            both = f"{pages[reading.currency].source} and {part.page.source}"
            raise ParseError(source, f"both pages read as {reading.currency}: {both}")
        pages[reading.currency] = part.page
    by_currency = {r.currency: r for r in readings}
    flows = {p.flow for p in pages.values()}
    if len(flows) > 1:
        raise ParseError(source, "one page is of exports, the other of imports")
    layouts = {p.header.blocks for p in pages.values()}
    if len(layouts) > 1:
        raise ParseError(source, "the two pages' headers have different blocks")
    for page in pages.values():
        check_arithmetic(page)
    year, first, last, notes = read_period(list(pages.values()), requested, source)
    month = Month(
        flow=flows.pop(),
        year=year,
        first=first,
        last=last,
        has_month_block=MONTH in layouts.pop(),
        pages=dict(sorted(pages.items())),
        readings=by_currency,
        units=[],
        keys=[],
        notes=notes,
    )
    if notes:
        month.flags.append("header_corrected")
    if len(pages) == 2:
        _same_rows(month, source)  # the rate below sums the two pages row by row
        _check_rate(month, source)
    for reading in readings:
        if reading.needs_sibling and len(pages) < 2:
            raise ParseError(source, f"{reading.note}; no sibling page to confirm the scale")
        if reading.note:
            month.notes.append(reading.note)
    if any(r.note for r in readings):
        month.flags.append("currency_corrected")
    _read_rows(month, source)
    return month


# --------------------------------------------------------------------------- observations


def _bases(month: Month) -> list[tuple[str, date, date, str, str, str]]:
    """(basis, start, end, quantity field, value field, flag) of each row's figures."""
    year, last = month.year, month.last
    jan, end = date(year, 1, 1), date(year, last, 1)
    previous = (date(year - 1, 1, 1), date(year - 1, last, 1))
    if month.has_month_block:
        start = date(year, month.first, 1)
        bases = [
            ("month", start, end, "month_quantity", "month_value", ""),
            ("ytd", jan, end, "ytd_quantity", "ytd_value", ""),
        ]
    else:  # the combined block, as the bulletin represents it
        bases = [
            ("month", jan, end, "ytd_quantity", "ytd_value", ""),
            ("ytd", jan, end, "ytd_quantity", "ytd_value", COMBINED_FLAG),
        ]
    return [*bases, ("ytd", *previous, "ly_quantity", "ly_value", LAST_YEAR_FLAG)]


def observations(month: Month, release_id: str, source: str) -> pd.DataFrame:
    """Canonical observations (``core.schema.OBSERVATION_COLUMNS``) of a settled month."""
    primary = month.primary
    records: list[dict[str, Any]] = []
    rows_by_currency = {c: p.rows for c, p in month.pages.items()}
    for index, row in enumerate(month.pages[primary].rows):
        unit_text, unit_flag = month.units[index]
        unit = unit_for(unit_text) if unit_text else None
        factor = unit.kg if unit is not None and unit.is_mass else None
        row_flags = [*month.flags]
        row_flags += ["aggregate"] if row.aggregate else []
        row_flags += ["value_only"] if row.value_only else []
        row_flags += [unit_flag] if unit_flag else []
        for basis, start, end, q_field, v_field, extra in _bases(month):
            quantity = row.numbers.get(q_field)
            values = {c: rows[index].numbers.get(v_field) for c, rows in rows_by_currency.items()}
            if quantity is None and all(v is None for v in values.values()):
                continue
            plain = {
                c: None if v is None else v * month.readings[c].scale for c, v in values.items()
            }
            markers = [f"{f}={row.markers[f]}" for f in (q_field, v_field) if f in row.markers]
            records.append(
                {
                    "release_id": release_id,
                    "source": SOURCE,
                    "reporter": "CN",
                    "flow": month.flow,
                    "commodity_code": month.keys[index],
                    "commodity_label": row.label,
                    "partner": "WLD",
                    "grain": "total",
                    "period_start": start,
                    "period_end": end,
                    "basis": basis,
                    "quantity": quantity,
                    "quantity_unit": unit_text if quantity is not None else None,
                    "quantity_kg": None if None in (quantity, factor) else quantity * factor,
                    "value": values[primary],
                    "currency": primary,
                    "value_usd": plain.get("USD"),
                    "value_cny": plain.get("CNY"),
                    "flags": ";".join([*markers, *filter(None, [extra]), *row_flags]),
                    "source_row": row.row_number,
                }
            )
    frame = pd.DataFrame(
        {
            name: pd.Series(
                [r.get(name) for r in records], dtype="int64" if name == "source_row" else object
            )
            for name in OBSERVATION_COLUMNS
        },
        columns=list(OBSERVATION_COLUMNS),
    )
    check_exact(frame, source)
    return frame
