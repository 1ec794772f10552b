"""Parse GACC English monthly-bulletin tables (13) exports / (14) imports into DataFrames.

Pure: bytes in, DataFrame out, no I/O. The parser reads the page in the publisher's own terms
(``parse_bulletin_table``); ``bulletin_observations`` maps that to canonical observations.
Anything the parser does not recognise (no table, no unit line, an unfamiliar header, a cell
that is neither a number nor a known missing marker) raises ``ParseError`` naming the page URL:
a silent misread of a unit or a column would poison every downstream series.

Layout (seen on 2025/2026 pages): a title ``（13）Major Export Commodities in Quantity and
Value,1-6.2025``, a date line ``2025/09/19``, a unit line ``Unit:RMB￥10,000`` and a table
``Commodity | Quantity Unit | <month> Q V | 1to<month> Q V | Percentage Change Q V`` where the
cumulative block is absent in January (and in combined ``1 to 2`` pages).

Currency: the unit line is not the only evidence, and has been seen wrong. A page links its
table's spreadsheet (``…（美元值）.xls`` = US-dollar values, ``…（人民币值）.xls`` = yuan); that
name is generated with the data file, the unit line is typed into the page. When both name a
currency and disagree, the attachment wins and the values take the scale the bulletin prints
for that currency (US$1,000, RMB￥10,000: ``STANDARD_SCALES``); every row is flagged
``currency=attachment`` and the table notes the contradiction. The real June 2025 export
table says ``Unit:RMB￥10,000`` over ``…（美元值）.xls`` and its values equal the preliminary USD
release × 1,000: it is read as US$1,000. Two attachments naming different currencies are
refused. A page without an attachment keeps the unit line's reading.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import pandas as pd

from customs_etl.core import sources
from customs_etl.core.catalogue import bulletin_key
from customs_etl.core.errors import ParseError
from customs_etl.core.schema import OBSERVATION_COLUMNS as CANONICAL_COLUMNS
from customs_etl.core.schema import check_exact
from customs_etl.core.units import unit_for

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

SOURCE = sources.GACC_BULLETIN

ROW_COLUMNS = [
    "row_number",
    "label",
    "label_raw",
    "level",
    "parent_label",
    "quantity_unit",
    "month_quantity",
    "month_value",
    "ytd_quantity",
    "ytd_value",
    "pct_quantity",
    "pct_value",
    "missing_flags",
]
OBSERVATION_COLUMNS = list(CANONICAL_COLUMNS)  # the one definition lives in observations

# Cell texts that mean "no number here". Kept in ``missing_flags`` as published; never 0.
MISSING_MARKERS = frozenset({"-", "—", "–", "―", "*REF!", "#REF!", "#N/A", "…", "..."})
BLANK_FLAG = "blank"
# The HTML spec clamps colspan to 1000; an unclamped "colspan=999999999" would exhaust memory.
MAX_COLSPAN = 1000
_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_NAME = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_RANGE_SEP = r"\s*(?:to|-|–|—|~|/)\s*"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_BRACKETS = str.maketrans({"【": "[", "】": "]", "〔": "(", "〕": ")", "〈": "<", "〉": ">"})

@dataclass
class BulletinTable:
    """One bulletin page as published: its metadata and its rows (see ``ROW_COLUMNS``)."""

    table_no: int
    flow: str
    title: str
    year: int
    month_start: int
    month_end: int
    has_cumulative: bool
    release_date: date | None
    currency: str
    value_scale: int
    rows: pd.DataFrame
    url: str = ""
    unit_line: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    currency_from_attachment: bool = False  # the unit line named another currency


@dataclass(frozen=True)
class _Layout:
    header_index: int
    offset: int
    month_range: tuple[int, int]
    ytd_range: tuple[int, int] | None
    fields: tuple[str, ...]

    @property
    def width(self) -> int:
        return 2 + len(self.fields)


# --------------------------------------------------------------------------- text helpers


def normalise_text(text: str) -> str:
    """NFKC (full-width → half-width, nbsp → space), CJK brackets mapped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    return " ".join(text.split())


def clean_label(raw: str) -> str:
    """A row label without indentation, line wraps or full-width brackets."""
    return normalise_text(raw)


def _is_blank(text: str) -> bool:
    return not normalise_text(text)


def _cell_text(cell: Tag) -> str:
    """Text of a cell with ``<br>`` kept as a line break (so wrapped words do not glue)."""
    for br in cell.find_all("br"):
        br.replace_with("\n")
    return cell.get_text()


def _cells(row: Tag) -> list[tuple[str, int]]:
    """(raw text, colspan) of each cell in a row; spans clamped to 1..1000 as browsers do."""
    out = []
    for cell in row.find_all(["td", "th"], recursive=False):
        try:
            span = min(MAX_COLSPAN, max(1, int(str(cell.get("colspan", "1")).strip() or "1")))
        except ValueError:
            span = 1
        out.append((_cell_text(cell), span))
    return out


def _expanded(row: Tag) -> list[str]:
    """Raw cell texts with colspans expanded into blank cells, one entry per grid column."""
    out: list[str] = []
    for text, span in _cells(row):
        out.append(text)
        out.extend([""] * (span - 1))
    return out


def _indent_width(raw: str) -> int:
    """Visual indentation of a label: nbsp/space/ideographic space after the last source newline.

    Tabs and the line break that only format the HTML source are ignored; an ideographic space
    counts double. The table's smallest width is later taken as level 0, so source formatting
    that indents every cell alike cancels out.
    """
    lead = raw[: len(raw) - len(raw.lstrip())]
    lead = lead.rsplit("\n", 1)[-1].replace("\t", "").replace("\r", "")
    return sum(2 if ch == "\u3000" else 1 for ch in lead)


# --------------------------------------------------------------------------- small parsers


def parse_month_range(text: str) -> tuple[int, int] | None:
    """Months covered by a header or link text: ``6`` → (6, 6); ``1 to 2``/``1to6``/``Jan.-Feb.``
    → (1, 2)/(1, 6)/(1, 2); ``Aug.`` → (8, 8). None when the text is not a month label."""
    t = normalise_text(text).lower().rstrip(".")
    m = re.fullmatch(rf"(\d{{1,2}})(?:{_RANGE_SEP}(\d{{1,2}}))?", t)
    if m:
        start, end = int(m.group(1)), int(m.group(2) or m.group(1))
    else:
        m = re.fullmatch(rf"{_MONTH_NAME}(?:{_RANGE_SEP}{_MONTH_NAME})?", t)
        if not m:
            return None
        start = _MONTHS[m.group(1)[:3]]
        end = _MONTHS[(m.group(2) or m.group(1))[:3]]
    if not 1 <= start <= end <= 12:
        return None
    return start, end


# The value scale the bulletin prints for each currency (``Unit:US$1,000``, ``Unit:RMB￥10,000``).
STANDARD_SCALES = {"USD": 1_000, "CNY": 10_000}
ATTACHMENT_FLAG = "currency=attachment"
_ATTACHMENT = re.compile(r"\.xlsx?\s*$", re.I)
_ATTACHMENT_WORDS = (
    ("USD", re.compile(r"美元|USD|US\$|dollar", re.I)),
    ("CNY", re.compile(r"人民币|RMB|CNY|yuan", re.I)),
)

_SCALE_WORDS = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "hundredmillion": 10**8}
_CJK_SCALES = {"千": 10**3, "万": 10**4, "百万": 10**6, "千万": 10**7, "亿": 10**8}


def parse_unit_line(text: str) -> tuple[str, int] | None:
    """``Unit:RMB￥10,000`` → ('CNY', 10000); ``Unit:US$1,000`` → ('USD', 1000).

    Also ``RMB￥100 million``/``亿元``/``US$ million``/``万元``. None when the currency or the
    scale is not recognised, or the scale is not a power of ten (a misread, not a unit).
    """
    body = re.sub(r"^\s*unit\s*:\s*", "", normalise_text(text), flags=re.I)
    if re.search(r"US\s*\$|USD|US\s*dollars?|美元", body, re.I):
        currency = "USD"
        rest = re.sub(r"US\s*\$|USD|US\s*dollars?|美元", "", body, flags=re.I)
    elif re.search(r"RMB|CNY|¥|yuan|人民币|元", body, re.I):
        currency = "CNY"
        rest = re.sub(r"RMB|CNY|¥|yuan|人民币|元", "", body, flags=re.I)
    else:
        return None
    rest = re.sub(r"\s+", "", rest).lower()
    scale = _CJK_SCALES.get(rest)
    if scale is None:
        m = re.fullmatch(r"(\d[\d,]*)?(thousand|million|billion|hundredmillion)?", rest)
        if not m:
            return None
        number = int(m.group(1).replace(",", "")) if m.group(1) else 1
        scale = number * _SCALE_WORDS.get(m.group(2) or "", 1)
    if scale <= 0 or str(scale).rstrip("0") != "1":
        return None
    return currency, scale


def attachment_currency(soup: BeautifulSoup, url: str) -> tuple[str, str] | None:
    """(currency, file name) the page's spreadsheet attachment names; None without one.

    The attachment is the ``.xls`` link of the article (``div.atcl-rct``, else anywhere on the
    page). Only the currency words of its file name are read (its period is not: one has been
    seen named for the wrong year). A name with no currency word, or both, is no evidence;
    attachments naming different currencies are refused.
    """
    links = soup.select(".atcl-rct a[href]") or soup.find_all("a", href=True)
    found: dict[str, str] = {}
    for link in links:
        href = str(link.get("href") or "")
        if not _ATTACHMENT.search(href):
            continue
        name = re.split(r"[/\\]", href.strip())[-1]
        named = {cur for cur, words in _ATTACHMENT_WORDS if words.search(name)}
        if len(named) == 1:
            found.setdefault(named.pop(), name)
    if len(found) > 1:
        raise ParseError(
            url, f"the page's attachments name two currencies: {sorted(found.values())}"
        )
    return next(iter(found.items()), None)


def resolve_currency(
    unit: tuple[str, int], unit_line: str, attached: tuple[str, str] | None
) -> tuple[str, int, str | None]:
    """(currency, scale, note) from the unit line and the attachment's name (see the module
    docstring: the attachment wins a disagreement, with the bulletin's scale for its currency).
    """
    if attached is None or attached[0] == unit[0]:
        return unit[0], unit[1], None
    currency, name = attached
    scale = STANDARD_SCALES[currency]
    note = (
        f"unit line {unit_line!r} says {unit[0]} but the attachment {name!r} is {currency}: "
        f"values read as {currency} x {scale:,} (the attachment's name wins)"
    )
    return currency, scale, note


def _parse_number(text: str, url: str, row: int, name: str) -> tuple[Decimal | None, str | None]:
    """A published number as Decimal, or (None, marker) for ``-``/``—``/``*REF!``/blank."""
    t = normalise_text(text).replace(" ", "")
    if not t:
        return None, BLANK_FLAG
    if t in MISSING_MARKERS:
        return None, t
    digits = t.replace(",", "")
    if not _NUMBER.fullmatch(digits):
        raise ParseError(url, f"not a number or a known missing marker: {t!r}", row=row, field=name)
    try:
        return Decimal(digits), None
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        raise ParseError(url, f"not a number: {t!r}", row=row, field=name) from None


# --------------------------------------------------------------------------- page structure


def _find_table(soup: BeautifulSoup, url: str) -> Tag:
    """The table holding a ``Commodity`` header cell (pages also carry layout tables)."""
    candidates = [
        table
        for table in soup.find_all("table")
        if any(
            normalise_text(c.get_text()).lower() in {"commodity", "commodities"}
            for c in table.find_all(["td", "th"])
        )
    ]
    if not candidates:
        raise ParseError(
            url,
            "no bulletin table found (no 'Commodity' header cell); "
            "an error page or a changed layout?",
        )
    return max(candidates, key=lambda t: len(t.find_all("tr")))


def _rows(table: Tag) -> list[Tag]:
    rows = []
    for section in [table, *table.find_all(["thead", "tbody", "tfoot"], recursive=False)]:
        rows.extend(section.find_all("tr", recursive=False))
    return rows


def _find_title(soup: BeautifulSoup, rows: list[Tag], url: str) -> str:
    candidates: list[str] = []
    for selector in (".atcl-ttl", "title"):
        node = soup.select_one(selector)
        if node:
            candidates.append(node.get_text())
    candidates.extend(_cell_text(c) for r in rows[:3] for c in r.find_all(["td", "th"]))
    for text in candidates:
        if re.match(r"\(\s*\d{1,2}\s*\)", normalise_text(text)):
            return " ".join(text.split())
    raise ParseError(url, "no table title like '(13)Major Export Commodities …' found")


def _parse_title(title: str, url: str) -> tuple[int, str, int, tuple[int, int] | None]:
    """(table number, flow, year, months named in the title or None)."""
    m = re.match(r"\(\s*(\d{1,2})\s*\)\s*(.*)", title)
    if not m:
        raise ParseError(url, f"title without a table number: {title!r}")
    table_no, rest = int(m.group(1)), m.group(2)
    is_export = re.search(r"\bexports?\b", rest, re.I) is not None
    is_import = re.search(r"\bimports?\b", rest, re.I) is not None
    if is_export == is_import:
        raise ParseError(url, f"cannot tell export from import in title {title!r}")
    flow = "export" if is_export else "import"
    period = re.search(
        rf"(\d{{1,2}}(?:{_RANGE_SEP}\d{{1,2}})?)\s*[.,/]\s*((?:19|20)\d{{2}})\s*$", rest
    )
    if period:
        return table_no, flow, int(period.group(2)), parse_month_range(period.group(1))
    year = re.search(r"((?:19|20)\d{2})\s*$", rest)
    if not year:
        raise ParseError(url, f"no year at the end of title {title!r}")
    return table_no, flow, int(year.group(1)), None


def _find_release_date(soup: BeautifulSoup, url: str) -> date | None:
    """The page's date line (``2025/09/19``); None when the page has none."""
    nodes = soup.select(".atcl-date") or [
        node
        for node in soup.find_all(["div", "p", "span", "td"])
        if re.fullmatch(r"\d{4}[/-]\d{1,2}[/-]\d{1,2}", normalise_text(node.get_text()))
    ]
    for node in nodes:
        m = re.search(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", normalise_text(node.get_text()))
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise ParseError(url, f"invalid date line {m.group(0)!r}") from None
    return None


def _find_unit_line(soup: BeautifulSoup, rows: list[Tag], header_index: int, url: str) -> str:
    """The ``Unit:…`` line: above the header inside the table, else anywhere on the page."""
    pattern = re.compile(r"\bunit\s*:", re.I)
    for row in rows[:header_index]:
        for text, _ in _cells(row):
            if pattern.search(normalise_text(text)):
                return " ".join(text.split())
    for line in soup.get_text("\n").splitlines():
        if pattern.match(normalise_text(line)):
            return " ".join(line.split())
    raise ParseError(
        url,
        "no unit line ('Unit:RMB￥10,000' / 'Unit:US$1,000') found; "
        "refusing to guess the currency and scale",
    )


def _parse_layout(rows: list[Tag], url: str) -> _Layout:
    """Locate the two header rows and derive the column blocks they announce."""
    index = next(
        (
            i
            for i, row in enumerate(rows)
            if {"commodity", "commodities"} & {normalise_text(t).lower() for t, _ in _cells(row)}
        ),
        None,
    )
    if index is None:
        raise ParseError(url, "no header row with 'Commodity'")
    cells = [(normalise_text(t), s) for t, s in _cells(rows[index])]
    names = [t.lower() for t, _ in cells]
    start = names.index("commodity") if "commodity" in names else names.index("commodities")
    if any(t for t, _ in cells[:start]):
        raise ParseError(url, f"unexpected text before 'Commodity' in header: {names[:start]}")
    offset = sum(span for _, span in cells[:start])
    rest = cells[start + 1 :]
    if not rest or not re.fullmatch(r"quantity\s*unit", rest[0][0], re.I):
        raise ParseError(url, f"expected 'Quantity Unit' after 'Commodity', got {names[start:]}")
    blocks = [(t, s) for t, s in rest[1:] if t]
    if len(blocks) not in (2, 3) or any(span != 2 for _, span in blocks):
        raise ParseError(
            url,
            f"unknown header layout {[t for t, _ in blocks]!r}: expected "
            "<month> [1to<month>] Percentage Change, each over two columns",
        )
    if not re.fullmatch(r"percentage\s*change|%|change\s*\(%\)", blocks[-1][0], re.I):
        raise ParseError(url, f"last header block is {blocks[-1][0]!r}, not 'Percentage Change'")
    month_range = parse_month_range(blocks[0][0])
    if month_range is None:
        raise ParseError(url, f"cannot read the month block header {blocks[0][0]!r}")
    ytd_range = None
    if len(blocks) == 3:
        ytd_range = parse_month_range(blocks[1][0])
        if ytd_range is None or ytd_range[0] != 1 or ytd_range[1] != month_range[1]:
            raise ParseError(
                url,
                f"cumulative block header {blocks[1][0]!r} does not run from "
                f"January to month {month_range[1]}",
            )
    _check_subheader(rows, index, len(blocks), url)
    fields: list[str] = ["month_quantity", "month_value"]
    if ytd_range:
        fields += ["ytd_quantity", "ytd_value"]
    fields += ["pct_quantity", "pct_value"]
    return _Layout(index, offset, month_range, ytd_range, tuple(fields))


def _check_subheader(rows: list[Tag], index: int, n_blocks: int, url: str) -> None:
    if index + 1 >= len(rows):
        raise ParseError(url, "header has no Quantity/Value sub-header row")
    names = [normalise_text(t).lower() for t in _expanded(rows[index + 1])]
    while names and not names[0]:
        names.pop(0)
    while names and not names[-1]:
        names.pop()
    if names != ["quantity", "value"] * n_blocks:
        raise ParseError(url, f"unknown sub-header {names!r}; expected Quantity/Value pairs")


def _align(cells: list[str], layout: _Layout, url: str, row_number: int) -> list[str]:
    """Drop an extra leading empty column and trailing empties; fail on anything else."""
    if layout.offset and len(cells) >= layout.width + layout.offset:
        if not all(_is_blank(c) for c in cells[: layout.offset]):
            raise ParseError(url, "text in the leading empty column", row=row_number)
        cells = cells[layout.offset :]
    if len(cells) == layout.width + 1 and _is_blank(cells[0]) and not _is_blank(cells[1]):
        cells = cells[1:]
    while len(cells) > layout.width and _is_blank(cells[-1]):
        cells = cells[:-1]
    if len(cells) != layout.width:
        raise ParseError(url, f"expected {layout.width} cells, found {len(cells)}", row=row_number)
    return cells


_NOTE = re.compile(r"(notes?|remarks?|sources?)\s*:", re.I)


def _data_records(rows: list[Tag], layout: _Layout, url: str) -> tuple[list[dict], list[str]]:
    """Raw per-row records (label, indent, unit, numbers, flags) and the footnotes."""
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    for row in rows[layout.header_index + 2 :]:
        cells = _expanded(row)
        filled = [c for c in cells if not _is_blank(c)]
        if not filled:
            continue
        if len(filled) == 1 and _NOTE.match(normalise_text(filled[0])):
            notes.append(normalise_text(filled[0]))
            continue
        row_number = len(records) + 1
        cells = _align(cells, layout, url, row_number)
        label_raw = cells[0].strip("\r\n\t").rstrip()
        if not clean_label(label_raw):
            raise ParseError(url, "row with numbers but no commodity label", row=row_number)
        unit = normalise_text(cells[1])
        record: dict[str, Any] = {
            "row_number": row_number,
            "label": clean_label(label_raw),
            "label_raw": label_raw,
            "indent": _indent_width(cells[0]),
            "quantity_unit": None if not unit or unit in MISSING_MARKERS else unit,
        }
        flags = []
        for name, text in zip(layout.fields, cells[2:], strict=True):
            number, flag = _parse_number(text, url, row_number, name)
            record[name] = number
            if flag:
                flags.append(f"{name}={flag}")
        record["missing_flags"] = ";".join(flags)
        records.append(record)
    return records, notes


def _indent_step(widths: list[int]) -> int:
    """Indentation per level: the smallest positive width seen on two rows or more.

    Requiring two sightings keeps one mistyped indent (a single row with 2 nbsp) from
    becoming the unit; the table's other widths are then read as multiples of it.
    """
    positive = sorted(w for w in widths if w > 0)
    repeated = [w for w in positive if positive.count(w) > 1]
    return (repeated or positive or [1])[0]


def _assign_levels(records: list[dict[str, Any]]) -> None:
    """Level and parent from indentation.

    Widths are quantised to the table's indentation step (rounding half up) because real pages
    contain odd widths: the 2026 import table indents 'Wheat and wheat flour' by 6 nbsp among
    rows at 4/8/12. A level never jumps more than one below the previous row's, and a row's
    parent is the nearest row above that is one level shallower.
    """
    base = min((r["indent"] for r in records), default=0)
    widths = [r["indent"] - base for r in records]
    step = _indent_step(widths)
    last_at_level: list[str] = []
    previous = -1
    for record, width in zip(records, widths, strict=True):
        level = min(int(width / step + 0.5), previous + 1)
        del last_at_level[level:]
        record["level"] = level
        record["parent_label"] = last_at_level[-1] if last_at_level else None
        last_at_level.append(record["label"])
        previous = level


def _rows_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a DataFrame; object columns keep ``None`` and ``Decimal`` as they are."""
    data: dict[str, pd.Series] = {}
    for name in ROW_COLUMNS:
        values = [r.get(name) for r in records]
        dtype = "int64" if name in ("row_number", "level") else object
        data[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data, columns=ROW_COLUMNS)


def page_is_complete(html: bytes) -> bool:
    """Whether a page got to its closing ``</html>``.

    A download cut off mid-table still parses (lxml closes the tags) with rows missing, so
    a page without its end is refused rather than loaded short.
    """
    return _HTML_END.search(html) is not None


def parse_bulletin_table(html: bytes, url: str) -> BulletinTable:
    """Read one bulletin table page; ``url`` names the page in every ParseError."""
    from bs4 import BeautifulSoup  # here: a run reading no HTML page skips bs4 (0.25 s)

    soup = BeautifulSoup(html, "lxml")
    table = _find_table(soup, url)
    if not page_is_complete(html):
        raise ParseError(url, "the page is cut off (no closing </html>): a truncated download?")
    rows = _rows(table)
    layout = _parse_layout(rows, url)
    title = _find_title(soup, rows, url)
    table_no, flow, year, title_months = _parse_title(normalise_text(title), url)
    month_start, month_end = layout.month_range
    if title_months and title_months[1] != month_end:
        raise ParseError(
            url, f"title {title!r} ends in month {title_months[1]} but the header says {month_end}"
        )
    unit_line = _find_unit_line(soup, rows, layout.header_index, url)
    unit = parse_unit_line(unit_line)
    if unit is None:
        raise ParseError(url, f"unknown unit line {unit_line!r}")
    currency, scale, currency_note = resolve_currency(
        unit, unit_line, attachment_currency(soup, url)
    )
    records, notes = _data_records(rows, layout, url)
    if not records:
        raise ParseError(url, "the table has a header but no data rows")
    _assign_levels(records)
    return BulletinTable(
        table_no=table_no,
        flow=flow,
        title=title,
        year=year,
        month_start=month_start,
        month_end=month_end,
        has_cumulative=layout.ytd_range is not None,
        release_date=_find_release_date(soup, url),
        currency=currency,
        value_scale=scale,
        rows=_rows_frame(records),
        url=url,
        unit_line=unit_line,
        notes=tuple(notes) + ((currency_note,) if currency_note else ()),
        currency_from_attachment=currency_note is not None,
    )


# --------------------------------------------------------------------------- canonical form


def _bases(table: BulletinTable) -> list[tuple[str, date, date, str, str, str]]:
    """(basis, period_start, period_end, quantity field, value field, extra flag) per row.

    A block that starts in January is also year-to-date: January pages and combined
    ``1 to 2`` pages publish no cumulative block, so their month block is emitted a second time
    as ``ytd`` (flagged ``ytd=month_block``) to keep the YTD history complete.
    """
    start = date(table.year, table.month_start, 1)
    end = date(table.year, table.month_end, 1)
    jan = date(table.year, 1, 1)
    bases = [("month", start, end, "month_quantity", "month_value", "")]
    if table.has_cumulative:
        bases.append(("ytd", jan, end, "ytd_quantity", "ytd_value", ""))
    elif table.month_start == 1:
        bases.append(("ytd", jan, end, "month_quantity", "month_value", "ytd=month_block"))
    return bases


def _flags_for(missing_flags: str, fields: Iterable[str], extra: str) -> str:
    wanted = tuple(f"{name}=" for name in fields)
    parts = [p for p in missing_flags.split(";") if p and p.startswith(wanted)]
    if extra:
        parts.append(extra)
    return ";".join(parts)


def _commodity_codes(
    table: BulletinTable, catalogue_key: Callable[[str, str | None], str]
) -> list[str]:
    """One key per row; two rows sharing a key would merge two series, so that fails."""
    codes: list[str] = []
    seen: dict[str, int] = {}
    for row in table.rows.itertuples(index=False):
        code = catalogue_key(row.label, row.parent_label)
        if code in seen:
            raise ParseError(
                table.url,
                f"rows {seen[code]} and {row.row_number} both map to commodity key {code!r}",
                row=row.row_number,
            )
        seen[code] = row.row_number
        codes.append(code)
    return codes


def bulletin_observations(
    table: BulletinTable,
    release_id: str,
    catalogue_key: Callable[[str, str | None], str] = bulletin_key,
) -> pd.DataFrame:
    """Canonical observations (``OBSERVATION_COLUMNS``): one per row and basis with a number.

    Rows with neither quantity nor value in a basis (aggregates with ``-`` everywhere) are
    skipped. Values are kept as published and also resolved to plain USD or CNY.
    """
    bases = _bases(table)
    records: list[dict[str, Any]] = []
    codes = _commodity_codes(table, catalogue_key)
    evidence = ATTACHMENT_FLAG if table.currency_from_attachment else ""
    for code, row in zip(codes, table.rows.to_dict("records"), strict=True):
        unit = row["quantity_unit"]
        known = unit_for(unit) if unit is not None else None
        if unit is not None and known is None:
            raise ParseError(
                table.url,
                f"unknown quantity unit {unit!r}: its kilograms cannot be known",
                row=int(row["row_number"]),
                field="quantity_unit",
            )
        factor = known.kg if known is not None and known.is_mass else None
        for basis, start, end, q_field, v_field, extra in bases:
            quantity, value = row[q_field], row[v_field]
            if quantity is None and value is None:
                continue
            scaled = None if value is None else value * table.value_scale
            records.append(
                {
                    "release_id": release_id,
                    "source": SOURCE,
                    "reporter": "CN",
                    "flow": table.flow,
                    "commodity_code": code,
                    "commodity_label": row["label"],
                    "partner": "WLD",
                    "source_partner_code": None,
                    "trade_mode": None,
                    "region_code": None,
                    "period_start": start,
                    "period_end": end,
                    "basis": basis,
                    "quantity": quantity,
                    "quantity_unit": unit,
                    "quantity_kg": None
                    if quantity is None or factor is None
                    else quantity * factor,
                    "value": value,
                    "currency": table.currency,
                    "value_usd": scaled if table.currency == "USD" else None,
                    "value_cny": scaled if table.currency == "CNY" else None,
                    "flags": _flags_for(
                        row["missing_flags"],
                        (q_field, v_field),
                        ";".join(filter(None, (extra, evidence))),
                    ),
                    "source_row": int(row["row_number"]),
                    "grain": "total",
                }
            )
    frame = pd.DataFrame(
        {
            name: pd.Series(
                [r.get(name) for r in records], dtype="int64" if name == "source_row" else object
            )
            for name in OBSERVATION_COLUMNS
        },
        columns=OBSERVATION_COLUMNS,
    )
    check_exact(frame, table.url)
    return frame
