"""Read one page of GACC's English preliminary release, table (5) or (6), as published.

Pure: bytes in, a ``PreliminaryPage`` out, no I/O. This module reads what the page prints and
records what it claims (title, header, unit line, attachment, date) without deciding between
them; ``reconcile`` weighs those claims against each other and against the sibling page (the
other currency's page of the same month) and builds the observations.

Layout (real pages, 2025): a title ``(5) China's Major Exports by Quantity and Value, May 2025
(in CNY)`` in ``div.atcl-ttl``, a date ``2025/06/10`` (older ``06/10/2019``) in
``div.atcl-date``, a table whose first rows repeat the title and give the value unit (``Unit:
CNY 100 Million``; 2019 ``Value Unit: …``), then a header ``Commodity | Quantity Unit | 5 |
1-5 Total | 1-5 Total, 2024 | 1-5 Total, Year-On-Year(%)`` over Quantity/Value pairs (the
January–February page has no month block), body rows of 10 cells (8 on that page) indented
with ``&nbsp;``, and a footnote. The page links its spreadsheet (``…人民币…CNY45.xls``).

What is refused here (``ParseError`` naming the page, row and field): no title, an unknown
header or unit line, a cell that is neither a number nor a missing marker, a row that cannot be
aligned with the header. A row one cell short whose cells after the label are all numbers is
read as lacking its quantity-unit cell (GACC has published such pages): it is marked, and
``reconcile`` takes the unit from the sibling page or refuses. A page with no HTML table at all
(older years were published as images) raises ``ImageOnlyPage``: nothing to load, and the
publisher says so instead of loading zeros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from customs_etl.core.errors import ParseError
from customs_etl.transforms.bulletin import (
    MISSING_MARKERS,
    _assign_levels,
    _cell_text,
    _cells,
    _expanded,
    _indent_width,
    _is_blank,
    _parse_number,
    _rows,
    attachment_currency,
    clean_label,
    normalise_text,
    page_is_complete,
    parse_month_range,
    parse_unit_line,
)

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

MONTH, YTD, LAST_YEAR, PCT = "month", "ytd", "last_year", "pct"
FIELDS = {
    MONTH: ("month_quantity", "month_value"),
    YTD: ("ytd_quantity", "ytd_value"),
    LAST_YEAR: ("ly_quantity", "ly_value"),
    PCT: ("pct_quantity", "pct_value"),
}
QUANTITY_FIELDS = ("month_quantity", "ytd_quantity", "ly_quantity")
_MONTH_WORDS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_TITLE_PERIOD = re.compile(
    rf"({_MONTH_WORDS}(?:\s*(?:-|–|to)\s*{_MONTH_WORDS})?)\s*,?\s*((?:19|20)\d{{2}})", re.I
)
_CURRENCY_WORDS = (
    ("USD", re.compile(r"\bUSD\b|US\s*\$|US\s*dollars?", re.I)),
    ("CNY", re.compile(r"\bCNY\b|\bRMB\b|yuan", re.I)),
)


class ImageOnlyPage(ParseError):
    """The page carries no HTML table (older years published the table as an image)."""


@dataclass(frozen=True)
class Header:
    """What the header row claims: the blocks in order, the months they cover, and the year
    it prints over last year's cumulative (``1-5 Total, 2024``)."""

    blocks: tuple[str, ...]  # MONTH?, YTD, LAST_YEAR, PCT
    month_range: tuple[int, int] | None
    ytd_range: tuple[int, int]
    last_year: int | None
    texts: tuple[str, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f for block in self.blocks for f in FIELDS[block])


@dataclass
class PageRow:
    """One body row as printed: label, indentation level, unit text, numbers, markers."""

    row_number: int
    label: str
    label_raw: str
    level: int
    parent_label: str | None
    unit: str | None  # the printed unit text; None for value-only rows or a missing cell
    unit_cell_missing: bool  # the row is one cell short: no quantity-unit cell at all
    numbers: dict[str, Decimal | None]
    markers: dict[str, str]  # field → missing marker as printed ("-", "—", "blank")

    @property
    def aggregate(self) -> bool:
        """A ``*`` row (agricultural, mechanical and electrical, high-tech products): an
        overlapping aggregate of rows listed elsewhere, never their sum."""
        return self.label.rstrip().endswith("*")

    @property
    def value_only(self) -> bool:
        return all(self.numbers.get(f) is None for f in QUANTITY_FIELDS)


@dataclass
class PreliminaryPage:
    """One page as published: every claim it makes, unweighed (see ``reconcile``)."""

    source: str
    title: str
    flow: str
    title_currency: str | None
    title_year: int | None
    title_range: tuple[int, int] | None
    header: Header
    unit_line: str
    unit: tuple[str, int]  # (currency, scale) the unit line names
    attachment: tuple[str, str] | None  # (currency, file name) the attachment names
    release_date: date | None
    rows: list[PageRow]
    notes: tuple[str, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- small readers


def has_table(html: bytes) -> bool:
    """Whether the article holds an HTML table at all (older pages hold an image)."""
    from bs4 import BeautifulSoup  # here: a run reading no HTML page skips bs4 (0.25 s)

    soup = BeautifulSoup(html, "lxml")
    body = soup.select_one(".atcl-cnt") or soup
    return body.find("table") is not None


def release_date(html: bytes | BeautifulSoup) -> date | None:
    """The date line (``div.atcl-date``): ``2025/06/10`` or, on older pages, ``06/10/2019``."""
    from bs4 import BeautifulSoup  # here: a run reading no HTML page skips bs4 (0.25 s)

    soup = html if isinstance(html, BeautifulSoup) else BeautifulSoup(html, "lxml")
    node = soup.select_one(".atcl-date")
    if node is None:
        return None
    text = normalise_text(node.get_text())
    try:
        if m := re.search(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", text):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := re.search(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})", text):
            return date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    except ValueError:
        return None
    return None


def currency_named(text: str) -> str | None:
    """CNY or USD when ``text`` names exactly one of them (``(in CNY)``, ``USD1 Million``)."""
    named = {cur for cur, words in _CURRENCY_WORDS if words.search(text)}
    return named.pop() if len(named) == 1 else None


def flow_named(text: str) -> str | None:
    """export/import from a title's words (``Major Exports``, ``Major Imports``)."""
    exports = re.search(r"\bexports?\b", text, re.I) is not None
    imports = re.search(r"\bimports?\b", text, re.I) is not None
    if exports == imports:
        return None
    return "export" if exports else "import"


def title_period(text: str) -> tuple[int, tuple[int, int]] | None:
    """(year, (first, last month)) a title names: ``May 2025``, ``January-February 2025``."""
    m = _TITLE_PERIOD.search(normalise_text(text))
    if not m:
        return None
    months = parse_month_range(m.group(1))
    return (int(m.group(2)), months) if months else None


def _title_currency(title: str) -> str | None:
    """The currency of a title's ``(in CNY)`` / ``(in USD)``; None when it names none."""
    m = re.search(r"\(\s*in\s+([^)]*)\)", title, re.I)
    return currency_named(m.group(1)) if m else None


def _unit_line_reading(text: str) -> tuple[str, int] | None:
    """``Unit: CNY 100 Million`` → (CNY, 10**8); ``Value Unit: …`` (2019) too."""
    body = re.sub(r"^\s*(?:value\s+)?unit\s*:\s*", "", normalise_text(text), flags=re.I)
    return parse_unit_line(body)


# --------------------------------------------------------------------------- structure


def _find_table(soup: BeautifulSoup, source: str) -> Tag:
    tables = [
        table
        for table in soup.find_all("table")
        if any(normalise_text(c.get_text()).lower() == "commodity" for c in table.find_all("td"))
    ]
    if not tables:
        if (soup.select_one(".atcl-cnt") or soup).find("table") is None:
            raise ImageOnlyPage(source, "no HTML table on the page (image only): nothing to load")
        raise ParseError(
            source, "no table with a 'Commodity' header: an error page or a new layout?"
        )
    return max(tables, key=lambda t: len(t.find_all("tr")))


def _classify_block(text: str, source: str) -> tuple[str, tuple[int, int] | None, int | None]:
    """(kind, months, year printed) of one header block."""
    t = normalise_text(text)
    year = re.search(r"\b((?:19|20)\d{2})\b", t)
    spans = re.sub(r"\b(?:19|20)\d{2}\b", " ", t)
    spans = re.sub(r"(?i)year-on-year|y-o-y|\(%\)|%|in total|total|,", " ", spans)
    months = parse_month_range(" ".join(spans.split())) if spans.strip() else None
    lowered = t.lower()
    if "year-on-year" in lowered or "y-o-y" in lowered or "%" in lowered:
        return PCT, months, None
    if year:
        return LAST_YEAR, months, int(year.group(1))
    if "total" in lowered:
        return YTD, months, None
    if months is None:
        raise ParseError(source, f"cannot read the header block {t!r}")
    return MONTH, months, None


def _parse_header(rows: list[Tag], source: str) -> tuple[int, Header]:
    index = next(
        (
            i
            for i, row in enumerate(rows)
            if any(normalise_text(t).lower() == "commodity" for t, _ in _cells(row))
        ),
        None,
    )
    if index is None:
        raise ParseError(source, "no header row with 'Commodity'")
    cells = [(normalise_text(t), s) for t, s in _cells(rows[index])]
    names = [t.lower() for t, _ in cells]
    start = names.index("commodity")
    rest = cells[start + 1 :]
    if not rest or not re.fullmatch(r"(quantity|qty)\s*unit", rest[0][0], re.I):
        raise ParseError(source, f"expected 'Quantity Unit' after 'Commodity', got {names[start:]}")
    blocks = [(t, s) for t, s in rest[1:] if t]
    kinds = [_classify_block(t, source) for t, _ in blocks]
    order = tuple(kind for kind, _, _ in kinds)
    if order not in ((MONTH, YTD, LAST_YEAR, PCT), (YTD, LAST_YEAR, PCT)) or any(
        span != 2 for _, span in blocks
    ):
        raise ParseError(
            source,
            f"unknown header {[t for t, _ in blocks]!r}: expected [<month>] <1-m Total> "
            "<1-m Total, last year> <Year-On-Year(%)>, each over Quantity and Value",
        )
    by_kind = {kind: (months, year) for kind, months, year in kinds}
    ytd_range = by_kind[YTD][0]
    if ytd_range is None or ytd_range[0] != 1:
        text = blocks[order.index(YTD)][0]
        raise ParseError(source, f"the cumulative block {text!r} does not start in January")
    below = _expanded(rows[index + 1]) if index + 1 < len(rows) else []
    subheader = [t for t in (normalise_text(c).lower() for c in below) if t]
    if subheader != ["quantity", "value"] * len(blocks):
        raise ParseError(source, f"unknown sub-header {subheader!r}; expected Quantity/Value pairs")
    header = Header(
        blocks=order,
        month_range=by_kind[MONTH][0] if MONTH in by_kind else None,
        ytd_range=ytd_range,
        last_year=by_kind[LAST_YEAR][1],
        texts=tuple(t for t, _ in blocks),
    )
    return index, header


def _unit_line(rows: list[Tag], header_index: int, soup: BeautifulSoup, source: str) -> str:
    pattern = re.compile(r"^(value\s+)?unit\s*:", re.I)
    for row in rows[:header_index]:
        for text, _ in _cells(row):
            if pattern.match(normalise_text(text)):
                return normalise_text(text)
    for line in soup.get_text("\n").splitlines():
        if pattern.match(normalise_text(line)):
            return normalise_text(line)
    raise ParseError(source, "no unit line ('Unit: CNY 100 Million'): refusing to guess the scale")


def _is_number_cell(text: str) -> bool:
    t = normalise_text(text).replace(" ", "")
    return not t or t in MISSING_MARKERS or re.fullmatch(r"[+-]?[\d,]*\.?\d+", t) is not None


def _body(rows: list[Tag], start: int, header: Header, source: str) -> tuple[list[dict], list[str]]:
    width = 2 + len(header.fields)
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    for row in rows[start:]:
        cells = _expanded(row)
        while cells and _is_blank(cells[-1]):
            cells.pop()
        filled = [c for c in cells if not _is_blank(c)]
        if not filled:
            continue
        if len(filled) == 1 and re.match(r"notes?\s*:", normalise_text(filled[0]), re.I):
            notes.append(normalise_text(filled[0]))
            continue
        number = len(records) + 1
        missing_unit = False
        if len(cells) == width - 1 and all(_is_number_cell(c) for c in cells[1:]):
            missing_unit = True  # no quantity-unit cell: label, then the numbers
            cells = [cells[0], "", *cells[1:]]
        if len(cells) != width:
            raise ParseError(
                source, f"{len(cells)} cells under a {width}-column header", row=number
            )
        label_raw = cells[0].strip("\r\n\t").rstrip()
        if not clean_label(label_raw):
            raise ParseError(source, "a row with numbers but no commodity label", row=number)
        unit = normalise_text(cells[1])
        numbers: dict[str, Decimal | None] = {}
        markers: dict[str, str] = {}
        for name, text in zip(header.fields, cells[2:], strict=True):
            value, marker = _parse_number(text, source, number, name)
            numbers[name] = value
            if marker:
                markers[name] = marker
        records.append(
            {
                "row_number": number,
                "label": clean_label(label_raw),
                "label_raw": label_raw,
                "indent": _indent_width(cells[0]),
                "unit": None if not unit or unit in MISSING_MARKERS else unit,
                "unit_cell_missing": missing_unit,
                "numbers": numbers,
                "markers": markers,
            }
        )
    return records, notes


def parse_page(html: bytes, source: str) -> PreliminaryPage:
    """Read one table page; ``source`` (its URL or name) is named in every error."""
    from bs4 import BeautifulSoup  # here: a run reading no HTML page skips bs4 (0.25 s)

    soup = BeautifulSoup(html, "lxml")
    table = _find_table(soup, source)
    if not page_is_complete(html):
        raise ParseError(source, "the page is cut off (no closing </html>): a truncated download?")
    rows = _rows(table)
    header_index, header = _parse_header(rows, source)
    title_node = soup.select_one(".atcl-ttl")
    title = normalise_text(title_node.get_text()) if title_node else ""
    if not title:
        first = [_cell_text(c) for r in rows[:1] for c in r.find_all("td")]
        title = normalise_text(" ".join(first))
    flow = flow_named(title)
    if not title or flow is None:
        raise ParseError(source, f"no title naming major exports or imports: {title!r}")
    unit_line = _unit_line(rows, header_index, soup, source)
    unit = _unit_line_reading(unit_line)
    if unit is None:
        raise ParseError(source, f"unknown unit line {unit_line!r}")
    records, notes = _body(rows, header_index + 2, header, source)
    if not records:
        raise ParseError(source, "the table has a header but no data rows")
    _assign_levels(records)
    period = title_period(title)
    return PreliminaryPage(
        source=source,
        title=title,
        flow=flow,
        title_currency=_title_currency(title),
        title_year=period[0] if period else None,
        title_range=period[1] if period else None,
        header=header,
        unit_line=unit_line,
        unit=unit,
        attachment=attachment_currency(soup, source),
        release_date=release_date(soup),
        rows=[
            PageRow(
                row_number=r["row_number"],
                label=r["label"],
                label_raw=r["label_raw"],
                level=r["level"],
                parent_label=r["parent_label"],
                unit=r["unit"],
                unit_cell_missing=r["unit_cell_missing"],
                numbers=r["numbers"],
                markers=r["markers"],
            )
            for r in records
        ],
        notes=tuple(notes),
    )
