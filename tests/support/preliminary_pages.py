"""Pages of GACC's English preliminary release for the tests: the real ones and ours.

Real pages (GACC's publications) are the only files, copied verbatim into
``tests/fixtures/gacc_preliminary/``: the 2026 index, table (5) exports of January–February and
of May 2025 in CNY, and the 2018 image-only page. Everything else is built here, in memory, from
them, the same bytes every run: the USD siblings, March and April, table (6) imports, May 2024
(whose Jan–May rare-earth figure differs by 0.1 t from what the 2025 page reprints for it), the
2025 and 2024 indexes linking them (``page``, ``site_pages``), and one variant per page error,
each a named change to one base page (``VARIANTS``, ``variant``).

Numbers are consistent: every synthetic month of table (5) is derived from the two real pages
(March + April = Jan–May − May − Jan–Feb, each year-to-date the sum of its months), USD values
are the CNY values at a month's rate, every y/y % is computed from the printed columns. Table
(6) is invented whole (its labels too: no real import page is at hand), in the same format.

``python -m tests.support.preliminary_pages DIR`` writes them all into DIR, to look at.
"""

from __future__ import annotations

import html
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from bs4 import BeautifulSoup

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gacc_preliminary"
REAL_MAY = "exports-2025-05-cny.html"
REAL_JANFEB = "exports-2025-02-cny.html"
REAL_INDEX = "index-2026.html"
IMAGE_ONLY = "by-country-2018-01-cny-image-only.html"
REAL_PAGES = (REAL_MAY, REAL_JANFEB, REAL_INDEX, IMAGE_ONLY)
HOST = "http://english.customs.gov.cn"
MONTH_NAMES = [date(2025, m, 1).strftime("%B") for m in range(1, 13)]
TENTH = Decimal("0.1")
# CNY per USD used to write the USD pages (a month's rate; last year's columns at 7.10).
RATES = {2: Decimal("7.17"), 3: Decimal("7.17"), 4: Decimal("7.20"), 5: Decimal("7.19")}
LAST_YEAR_RATE = Decimal("7.10")
DATES = {(2025, 2): "2025/03/11", (2025, 3): "2025/04/15", (2025, 4): "2025/05/10",
         (2025, 5): "2025/06/10", (2024, 5): "2024/06/08"}  # fmt: skip
TABLE_NO = {"export": 5, "import": 6}
WORD = {"export": "Exports", "import": "Imports"}


@cache
def real_page(name: str) -> bytes:
    """One of GACC's pages, as committed (``REAL_PAGES``)."""
    if name not in REAL_PAGES:
        raise KeyError(f"{name}: not a real page (the real ones: {', '.join(REAL_PAGES)})")
    return (FIXTURES / name).read_bytes()


def tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class Row:
    """One table row: its label (indent in nbsp), printed unit, and figures per field."""

    label: str
    indent: int
    unit: str  # "10,000 Tons", "—" / "-" for value-only rows
    numbers: dict[str, Decimal | None] = field(default_factory=dict)

    @property
    def value_only(self) -> bool:
        return self.numbers.get("ytd_quantity") is None


@dataclass
class Page:
    """A page to render: its table, period, currency and the claims around it."""

    flow: str
    year: int
    first: int
    last: int
    currency: str
    rows: list[Row]
    unit_line: str = ""
    title: str = ""
    date: str = ""
    header: tuple[str, ...] = ()
    attachment: str = ""

    def __post_init__(self) -> None:
        scale = "CNY 100 Million" if self.currency == "CNY" else "USD1 Million"
        self.unit_line = self.unit_line or f"Unit: {scale}"
        span = (MONTH_NAMES[self.last - 1] if self.first == self.last
                else f"{MONTH_NAMES[self.first - 1]}-{MONTH_NAMES[self.last - 1]}")  # fmt: skip
        self.title = self.title or (
            f"({TABLE_NO[self.flow]}) China's Major {WORD[self.flow]} by Quantity and Value, "
            f"{span} {self.year} (in {self.currency})"
        )
        later = f"{self.year}/{self.last + 1:02d}/10"
        self.date = self.date or DATES.get((self.year, self.last), later)
        total = f"1-{self.last} Total"
        blocks = [] if self.first != self.last else [str(self.last)]
        self.header = self.header or (
            *blocks, total, f"{total}, {self.year - 1}", f"{total}, Year-On-Year(%)"
        )
        word = "人民币" if self.currency == "CNY" else "美元"
        number = 9 if self.flow == "export" else 10
        self.attachment = self.attachment or (
            f"{number}-en-{word}-{self.year}-{self.last}-{self.currency}{self.last}3.xls"
        )

    @property
    def fields(self) -> list[str]:
        month = ["month_quantity", "month_value"] if self.first == self.last else []
        return [*month, "ytd_quantity", "ytd_value", "ly_quantity", "ly_value", "pct_quantity",
                "pct_value"]  # fmt: skip


# --------------------------------------------------------------------------- real figures


def _real_rows(name: str) -> list[Row]:
    """The rows of a real page: label, indentation, unit and every figure as printed."""
    soup = BeautifulSoup(real_page(name), "lxml")
    table = soup.select_one(".atcl-cnt table")
    rows: list[Row] = []
    for tr in table.find_all("tr"):
        cells = [c.get_text() for c in tr.find_all("td")]
        if len(cells) not in (8, 10) or cells[0].strip() == "Quantity":
            continue
        raw = cells[0].strip("\r\n\t").replace("\r", "").replace("\n", " ")
        label = " ".join(raw.replace("\xa0", " ").split())
        indent = len(raw) - len(raw.lstrip("\xa0"))
        names = (["month_quantity", "month_value"] if len(cells) == 10 else []) + [
            "ytd_quantity", "ytd_value", "ly_quantity", "ly_value", "pct_quantity", "pct_value"]
        numbers = {}
        for name, text in zip(names, cells[2:], strict=True):
            t = text.replace("\xa0", "").replace(",", "").strip()
            numbers[name] = None if t in ("-", "—", "") else Decimal(t)
        rows.append(Row(label, indent, cells[1].strip(), numbers))
    return rows


def pct(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    if now is None or before is None or before == 0:
        return None
    return tenth((now / before - 1) * 100)


def _with_pct(numbers: dict[str, Decimal | None]) -> dict[str, Decimal | None]:
    out = dict(numbers)
    for kind in ("quantity", "value"):
        out[f"pct_{kind}"] = pct(out.get(f"ytd_{kind}"), out.get(f"ly_{kind}"))
    return out


def export_months() -> dict[int, list[Row]]:
    """Table (5) 2025 in CNY for months 2 (Jan–Feb, real), 3, 4 (derived) and 5 (real)."""
    may, janfeb = _real_rows(REAL_MAY), _real_rows(REAL_JANFEB)
    months: dict[int, list[Row]] = {2: janfeb, 5: may, 3: [], 4: []}
    for m5, m2 in zip(may, janfeb, strict=True):
        third, fourth = {}, {}
        for kind in ("quantity", "value"):
            ytd5, month5, ytd2 = (m5.numbers[f"ytd_{kind}"], m5.numbers[f"month_{kind}"],
                                  m2.numbers[f"ytd_{kind}"])  # fmt: skip
            ly5, ly2 = m5.numbers[f"ly_{kind}"], m2.numbers[f"ly_{kind}"]
            if ytd5 is None:
                for numbers in (third, fourth):
                    numbers.update({f"month_{kind}": None, f"ytd_{kind}": None,
                                    f"ly_{kind}": None})  # fmt: skip
                continue
            both = ytd5 - month5 - ytd2  # March + April
            march = tenth(both * Decimal("0.48"))
            third.update({f"month_{kind}": march, f"ytd_{kind}": ytd2 + march,
                          f"ly_{kind}": ly2 + tenth((ly5 - ly2) * Decimal("0.5"))})  # fmt: skip
            fourth.update({f"month_{kind}": both - march, f"ytd_{kind}": ytd5 - month5,
                           f"ly_{kind}": ly2 + tenth((ly5 - ly2) * Decimal("0.75"))})  # fmt: skip
        months[3].append(replace(m5, numbers=_with_pct(third)))
        months[4].append(replace(m5, numbers=_with_pct(fourth)))
    return months


# Table (6), invented: label, indent, unit, a month's quantity and value (100 million CNY).
IMPORT_ROWS = (
    ("Agricultural products*", 0, "—", None, "1600.0"),
    ("Grain", 4, "10,000 Tons", "1200.0", "300.0"),
    ("Soybean", 8, "10,000 Tons", "900.0", "280.0"),
    ("Edible vegetable oil", 4, "10,000 Tons", "50.0", "40.0"),
    ("Meat (including offal)", 4, "10,000 Tons", "55.0", "95.0"),
    ("Iron ore and its concentrate", 0, "10,000 Tons", "10000.0", "750.0"),
    ("Copper ore and its concentrate", 0, "10,000 Tons", "250.0", "500.0"),
    ("Coal and lignite", 0, "10,000 Tons", "3800.0", "240.0"),
    ("Crude oil", 0, "10,000 Tons", "4600.0", "1900.0"),
    ("Petroleum products", 0, "10,000 Tons", "380.0", "180.0"),
    ("Natural gas", 0, "10,000 Tons", "1050.0", "380.0"),
    ("Primary plastics", 0, "10,000 Tons", "230.0", "260.0"),
    ("Logs and sawn wood", 0, "10,000 CBM", "580.0", "90.0"),
    ("Steel products", 0, "10,000 Tons", "50.0", "60.0"),
    ("Unwrought copper and copper products", 0, "10,000 Tons", "45.0", "300.0"),
    ("Rare earth", 0, "Ton", "6000.0", "2.3"),
    ("Mechanical and electrical products*", 0, "-", None, "5500.0"),
    ("Integrated circuits", 4, "100 Million PCS", "45.0", "2700.0"),
    ("Motor vehicles（including chassis fitted with engines)", 4, "10,000 Autos", "4.5", "110.0"),
    ("Aircraft", 4, "Craft", "25.0", "120.0"),
    ("Hi-tech products*", 0, "-", None, "4300.0"),
)
# Month-by-month factors (January..May) for 2025 and 2024, quantity and value.
FACTORS = {
    (2025, "quantity"): ("1.00", "0.82", "1.05", "1.02", "1.04"),
    (2025, "value"): ("1.00", "0.83", "1.03", "1.01", "1.03"),
    (2024, "quantity"): ("0.97", "0.85", "1.01", "1.00", "1.02"),
    (2024, "value"): ("1.02", "0.86", "1.05", "1.03", "1.04"),
}


def import_months() -> dict[int, list[Row]]:
    """Table (6) 2025 in CNY for months 2 (Jan–Feb) to 5."""
    months: dict[int, list[Row]] = {m: [] for m in (2, 3, 4, 5)}
    for label, indent, unit, quantity, value in IMPORT_ROWS:
        base = {"quantity": quantity, "value": value}
        series = {
            (year, kind): [None if base[kind] is None else tenth(Decimal(base[kind]) * Decimal(f))
                           for f in FACTORS[(year, kind)]]
            for year in (2025, 2024) for kind in ("quantity", "value")
        }  # fmt: skip
        for last in months:
            numbers: dict[str, Decimal | None] = {}
            for kind in ("quantity", "value"):
                now, before = series[(2025, kind)], series[(2024, kind)]
                if now[0] is None:
                    numbers.update({f"month_{kind}": None, f"ytd_{kind}": None, f"ly_{kind}": None})
                    continue
                numbers[f"month_{kind}"] = now[last - 1]
                numbers[f"ytd_{kind}"] = sum(now[:last], Decimal(0))
                numbers[f"ly_{kind}"] = sum(before[:last], Decimal(0))
            months[last].append(Row(label, indent, unit, _with_pct(numbers)))
    return months


def in_usd(rows: list[Row], month: int) -> list[Row]:
    """The same rows with values in USD 1 million (quantities unchanged)."""
    out = []
    for row in rows:
        numbers = dict(row.numbers)
        for name, rate in (("month_value", RATES[month]), ("ytd_value", RATES[month]),
                           ("ly_value", LAST_YEAR_RATE)):  # fmt: skip
            if numbers.get(name) is not None:
                numbers[name] = tenth(numbers[name] * 100 / rate)
        out.append(replace(row, numbers=_with_pct(numbers)))
    return out


def may_2024(months_2025: dict[int, list[Row]]) -> list[Row]:
    """Table (5) of May 2024: its Jan–May is what the May 2025 page reprints as last year's,
    except rare earths, 0.1 t less (24,266.4 t: GACC later restated it to 24,266.5 t); its May
    is the reprints' Jan–May − Jan–Apr, so the year's figures add up across the pages."""
    out = []
    for may, april in zip(months_2025[5], months_2025[4], strict=True):
        numbers: dict[str, Decimal | None] = {}
        for kind in ("quantity", "value"):
            ytd, before = may.numbers[f"ly_{kind}"], april.numbers[f"ly_{kind}"]
            numbers[f"month_{kind}"] = None if ytd is None else ytd - before
            if ytd is not None and may.label == "Rare earth" and kind == "quantity":
                ytd -= TENTH
            numbers[f"ytd_{kind}"] = ytd
            numbers[f"ly_{kind}"] = None if ytd is None else tenth(ytd * Decimal("0.96"))
        out.append(replace(may, numbers=_with_pct(numbers)))
    return out


# --------------------------------------------------------------------------- rendering


def _cell(text: str, style: str, align: str = "right", bg: bool = False, span: int = 0) -> str:
    attrs = f' colspan="{span}"' if span else ""
    colour = ' bgcolor="#FFFFFF"' if bg else ""
    return (f'\t\t\t<td{attrs} class="{style}" align="{align}"{colour}>\r\n'
            f"\t\t\t\t<span><b>{text}</b></span>\r\n\t\t\t</td>\r\n")  # fmt: skip


def _number(value: Decimal | None, pad: bool) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}" + ("&nbsp;" if pad else "")


def render_table(page: Page, drop_unit_cells: bool = False) -> str:
    width = 2 + len(page.fields)
    out = ['<table style="border-collapse:collapse;" class="ke-zeroborder" width="1343" '
           'border="0" cellspacing="0">\r\n\t<tbody>\r\n']  # fmt: skip

    def row(cells: str) -> None:
        out.append(f"\t\t<tr>\r\n{cells}\t\t</tr>\r\n")

    row(_cell(html.escape(page.title, quote=False), "style1", "left", True, width))
    row(_cell(page.unit_line, "style2", "right", True, width))
    heads = _cell("Commodity", "style3", "center", True).replace("<td ", '<td rowspan="2" ')
    heads += _cell("Quantity Unit", "style3", "center", True).replace("<td ", '<td rowspan="2" ')
    heads += "".join(_cell(f"{h}&nbsp;" if "%" in h else h, "style4", "center", True, 2)
                     for h in page.header)  # fmt: skip
    row(heads)
    row("".join(_cell(t, "style5", "center", True) for t in ("Quantity", "Value") * (
        len(page.fields) // 2)))  # fmt: skip
    for r in page.rows:
        label = "&nbsp;" * r.indent + html.escape(r.label, quote=False)
        cells = _cell(label, "style6", "", True).replace(' align=""', "")
        if not drop_unit_cells:
            cells += _cell(r.unit, "style7", "center", True)
        for name in page.fields:
            pad = not name.startswith("pct_")
            cells += _cell(_number(r.numbers.get(name), pad),
                           "style10" if name == "pct_value" else "style9")  # fmt: skip
        row(cells)
    note = ('Note: "Agricultural products*", “Mechanical and electrical products*" and '
            '"Hi-tech products*" include relevant products listed in the table.')  # fmt: skip
    row(_cell(note, "style11", "left", True, width))
    out.append("\t</tbody>\r\n</table>")
    return "".join(out)


def render_page(page: Page, drop_unit_cells: bool = False) -> bytes:
    """The page in the real May 2025 page's chrome, with its own title, date, table and
    attachment."""
    chrome = real_page(REAL_MAY).decode("utf-8")
    start = chrome.index("<table ")
    end = chrome.index("</table>") + len("</table>")
    text = chrome[:start] + render_table(page, drop_unit_cells) + chrome[end:]
    real_title = "(5) China's Major Exports by Quantity and Value, May 2025 (in CNY)"
    text = text.replace(html.escape(real_title, quote=False), html.escape(page.title, quote=False))
    text = text.replace(real_title, page.title)
    text = text.replace('<div class="atcl-date">2025/06/10</div>',
                        f'<div class="atcl-date">{page.date}</div>')  # fmt: skip
    text = text.replace("9-en-人民币-2025-5-CNY45.xls", page.attachment)
    return text.encode("utf-8")


def page_uuid(flow: str, year: int, month: int, currency: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"gacc-preliminary/{flow}/{year}-{month}/{currency}"))


def page_path(flow: str, year: int, month: int, currency: str) -> str:
    return f"/Statics/{page_uuid(flow, year, month, currency)}.html"


def render_index(year: int, linked: dict[tuple[str, str], list[int]]) -> bytes:
    """A year's index in the real 2026 index's format: tables (1)-(8), both currencies, months
    linked (absolute, unquoted, to the real host) where ``linked`` says, ``<span>`` else."""
    real = real_page(REAL_INDEX).decode("utf-8")
    start, end = real.index("<tbody>") + len("<tbody>"), real.index("</tbody>")
    titles = [
        ("(1) China's Total Export & Import Values", None),
        ("(2) China's Total Export & Import Values by Trade Mode", None),
        ("(3) China's Total Export & Import Values by Trade Mode", None),
        ("(4) China's Total Export & Import Values by Country/Region", None),
        ("(5) China's Major Exports by Quantity and Value", "export"),
        ("(6) China's Major Imports by Quantity and Value", "import"),
    ]
    rows = []
    short = [f"{name[:3]}." for name in MONTH_NAMES]
    for title, flow in titles:
        for currency in ("CNY", "USD"):
            cells = []
            for month, name in enumerate(short, start=1):
                if flow and month in linked.get((flow, currency), []):
                    href = f"{HOST}{page_path(flow, year, month, currency)}"
                    cells.append(f"<a href={href}> {name}</a>")
                else:
                    cells.append(f"<span>{name}</span>")
                if month == 6:
                    cells.append("</br>")
            rows.append(f"<tr><td>{title} (in {currency})</td><td>{''.join(cells)}</td></tr>")
    for title in ("(7) Statistics Bulletin on Freight Supervision",
                  "(8)Statistics Bulletin on Goods Inspection & Quarantine"):  # fmt: skip
        spans = "".join(f"<span>{n}</span>" for n in short)
        rows.append(f"<tr><td>{title}</td><td>{spans}</td></tr>")
    return (real[:start] + "".join(rows) + real[end:]).encode("utf-8")


# --------------------------------------------------------------------------- the page set


def pages_2025() -> dict[str, Page]:
    """Page name → page, for every synthetic 2025 page (the two real CNY exports excluded)."""
    out: dict[str, Page] = {}
    for flow, months in (("export", export_months()), ("import", import_months())):
        for last, rows in months.items():
            first = 1 if last == 2 else last
            for currency in ("CNY", "USD"):
                name = f"{flow}s-2025-{last:02d}-{currency.lower()}.html"
                if name in (REAL_MAY, REAL_JANFEB):
                    continue
                table = rows if currency == "CNY" else in_usd(rows, last)
                out[name] = Page(flow, 2025, first, last, currency, table)
    return out


def pages_2024() -> dict[str, Page]:
    rows = may_2024(export_months())
    return {
        "exports-2024-05-cny.html": Page("export", 2024, 5, 5, "CNY", rows),
        "exports-2024-05-usd.html": Page("export", 2024, 5, 5, "USD", in_usd(rows, 5)),
    }


LINKED_2025 = {(flow, cur): [2, 3, 4, 5] for flow in ("export", "import") for cur in ("CNY", "USD")}
LINKED_2024 = {("export", "CNY"): [5], ("export", "USD"): [5]}


@cache
def _synthetic() -> dict[str, bytes]:
    pages = {name: render_page(p) for name, p in {**pages_2025(), **pages_2024()}.items()}
    pages["index-2025.html"] = render_index(2025, LINKED_2025)
    pages["index-2024.html"] = render_index(2024, LINKED_2024)
    return pages


def synthetic_pages() -> dict[str, bytes]:
    """Page name → bytes, for every page built here (variants aside)."""
    return dict(_synthetic())


def page(name: str) -> bytes:
    """A page by name: one of GACC's (``REAL_PAGES``) or one built from them."""
    return real_page(name) if name in REAL_PAGES else _synthetic()[name]


def site_files() -> dict[str, str]:
    """URL path on the stand-in site → page name, for the 2025 and 2024 indexes and pages."""
    files = {
        "/statics/report/preliminary2025.html": "index-2025.html",
        "/statics/report/preliminary2024.html": "index-2024.html",
    }
    for year, linked in ((2025, LINKED_2025), (2024, LINKED_2024)):
        for (flow, currency), months in linked.items():
            for month in months:
                files[page_path(flow, year, month, currency)] = (
                    f"{flow}s-{year}-{month:02d}-{currency.lower()}.html"
                )
    return files


def site_pages() -> dict[str, bytes]:
    """URL path → bytes of the stand-in site (a new dict: a test may change it)."""
    return {path: page(name) for path, name in site_files().items()}


# --------------------------------------------------------------------------- page errors
# A variant is its base page with one change, built from these: each finds exactly what it
# changes in the page's own markup (CRLF, tabs, ``<span><b>`` cells), or raises.

Change = Callable[[bytes], bytes]
USD_MAY = "exports-2025-05-usd.html"
MEDICINAL = "Medicinal materials and medicaments of Chinese type"
_ROW = re.compile(r"\t\t<tr>\r\n.*?\t\t</tr>\r\n", re.S)
_CELL = re.compile(r"\t\t\t<td[^>]*>\r\n\t\t\t\t<span><b>(.*?)</b></span>\r\n\t\t\t</td>\r\n", re.S)
QUANTITIES = ("month_quantity", "ytd_quantity", "ly_quantity")
_DATE = re.compile(rb'<div class="atcl-date">[^<]*</div>')


def swap(old: str, new: str, times: int = 1) -> Change:
    """``old`` → ``new``, where the page prints ``old`` exactly ``times`` times."""

    def change(data: bytes) -> bytes:
        found = data.count(old.encode())
        if found != times:
            raise ValueError(f"{old!r} is {found} times in the page, not {times}")
        return data.replace(old.encode(), new.encode())

    return change


def dated(day: str) -> Change:
    """The date line (``div.atcl-date``, one on the page) says ``day``."""

    def change(data: bytes) -> bytes:
        new, found = _DATE.subn(f'<div class="atcl-date">{day}</div>'.encode(), data)
        if found != 1:
            raise ValueError(f"{found} date lines in the page, not one")
        return new

    return change


_TITLES = (  # where a page shows its title (the attachment's link also carries it)
    re.compile(rb"(<title>)([^<]*)(</title>)"),
    re.compile(rb'(<div class="atcl-ttl">)([^<]*)(</div>)'),
    re.compile(rb'(<td colspan="\d+" class="style1"[^>]*>\r\n\t+<span><b>)([^<]*)(</b>)'),
)


def retitled(old: str, new: str) -> Change:
    """The title says ``new`` for ``old`` where the page shows it: ``<title>``, the heading, the
    table's first row (the attachment's link keeps its text)."""

    def change(data: bytes) -> bytes:
        for where in _TITLES:
            found = where.findall(data)
            if len(found) != 1 or old.encode() not in found[0][1]:
                raise ValueError(f"{where.pattern!r}: no one title with {old!r}")
            data = where.sub(lambda m: m[1] + m[2].replace(old.encode(), new.encode()) + m[3],
                             data)  # fmt: skip
        return data

    return change


def _columns(cells: int) -> list[str]:
    month = ["month_quantity", "month_value"] if cells == 10 else []
    return ["label", "unit", *month, "ytd_quantity", "ytd_value", "ly_quantity", "ly_value",
            "pct_quantity", "pct_value"]  # fmt: skip


def _body_rows(text: str) -> list[tuple[re.Match, list[re.Match]]]:
    """The table's commodity rows: each row and its cells."""
    rows = []
    for row in _ROW.finditer(text):
        cells = list(_CELL.finditer(row.group()))
        if len(cells) in (8, 10) and cells[0].group(1) != "Quantity":
            rows.append((row, cells))
    return rows


def _label(cell: re.Match) -> str:
    return " ".join(html.unescape(cell.group(1)).replace("\xa0", " ").split())


def _edit_rows(data: bytes, edit: Callable[[str, list[re.Match]], str | None]) -> bytes:
    """Each commodity row replaced by ``edit(row, cells)`` where it returns text."""
    text = data.decode("utf-8")
    out, at = [], 0
    for row, cells in _body_rows(text):
        new = edit(row.group(), cells)
        if new is not None:
            out += [text[at : row.start()], new]
            at = row.end()
    return "".join([*out, text[at:]]).encode("utf-8")


def _printed(cell: re.Match, figure: str) -> str:
    """``figure`` in the cell's own form (a figure cell keeps its ``&nbsp;`` pad)."""
    pad = "&nbsp;" if cell.group(1).endswith("&nbsp;") else ""
    inner = cell.group()
    start, end = cell.start(1) - cell.start(), cell.end(1) - cell.start()
    return inner[:start] + figure + pad + inner[end:]


def _in_row(label: str, edit: Callable[[dict[str, re.Match]], dict[str, str]]) -> Change:
    """The row labelled ``label`` (exactly one) with the cells ``edit`` names rewritten."""

    def change(data: bytes) -> bytes:
        seen = []

        def one(row: str, cells: list[re.Match]) -> str | None:
            if _label(cells[0]) != label:
                return None
            seen.append(row)
            named = dict(zip(_columns(len(cells)), cells, strict=True))
            new = {name: _printed(named[name], figure) for name, figure in edit(named).items()}
            parts, at = [], 0
            for name, cell in named.items():
                parts += [row[at : cell.start()], new.get(name, cell.group())]
                at = cell.end()
            return "".join([*parts, row[at:]])

        out = _edit_rows(data, one)
        if len(seen) != 1:
            raise ValueError(f"{len(seen)} rows labelled {label!r}, not one")
        return out

    return change


def cells(label: str, **figures: str) -> Change:
    """The row ``label`` prints ``figures`` (column → text, e.g. ``unit="10,000 Tons"``)."""
    return _in_row(label, lambda _: figures)


def quantities_divided(label: str, by: int) -> Change:
    """The row ``label``'s quantities divided by ``by`` (printed to 0.1; values, y/y kept)."""

    def edit(named: dict[str, re.Match]) -> dict[str, str]:
        out = {}
        for name in QUANTITIES:
            printed = named[name].group(1).replace("&nbsp;", "").replace(",", "")
            out[name] = f"{tenth(Decimal(printed) / by):,.1f}"
        return out

    return _in_row(label, edit)


def without_unit_cells(data: bytes) -> bytes:
    """Every commodity row without its quantity-unit cell (the header keeps its column)."""
    return _edit_rows(data, lambda row, cells: row.replace(cells[1].group(), "", 1))


def chain(*changes: Change) -> Change:
    def change(data: bytes) -> bytes:
        for each in changes:
            data = each(data)
        return data

    return change


@dataclass(frozen=True)
class Variant:
    """A page GACC got wrong (or could): ``base`` (a page name) with ``change`` applied."""

    base: str
    change: Change
    error: str


LAST_YEAR_2023 = swap("1-5 Total, 2024", "1-5 Total, 2023")
VARIANTS = {
    "usd-no-unit-cells": Variant(
        USD_MAY, without_unit_cells,
        "body rows lack the quantity-unit cell: 9 cells under a 10-column header"),
    "cny-rare-earth-in-10k-tons": Variant(
        REAL_MAY, cells("Rare earth", unit="10,000 Tons"),
        "rare earths printed 10,000 Tons over figures in tonnes"),
    "cny-medicinal-figures-in-10k-tons": Variant(
        REAL_MAY, quantities_divided(MEDICINAL, 10_000),
        "medicinal materials' figures in 10,000 t under Ton, the unit the Chinese table prints "
        "too: no reading fits"),
    "usd-medicinal-figures-in-10k-tons": Variant(
        USD_MAY, quantities_divided(MEDICINAL, 10_000), "the same on the USD page"),
    "cny-header-last-year-2023": Variant(
        REAL_MAY, LAST_YEAR_2023, "last year's column headed 2023 over 2024 figures"),
    "cny-header-last-year-2023-dated-late": Variant(
        REAL_MAY, chain(LAST_YEAR_2023, dated("2025/11/20")),
        "the same, dated outside May's release window"),
    "usd-header-last-year-2023-dated-late": Variant(
        USD_MAY, chain(LAST_YEAR_2023, dated("2025/11/20")), "the same on the USD page"),
    "cny-june-header-says-may": Variant(
        REAL_MAY, chain(retitled("May 2025 (in CNY)", "June 2025 (in CNY)"), dated("2025/07/14")),
        "a page titled June 2025 and dated in July whose header says 5 / 1-5 Total"),
    "cny-unit-line-says-usd": Variant(
        REAL_MAY, swap("Unit: CNY 100 Million", "Unit: USD1 Million"),
        "the unit line says USD; title, index row and attachment say CNY"),
    "cny-title-and-unit-say-usd": Variant(
        REAL_MAY, chain(swap("Unit: CNY 100 Million", "Unit: USD1 Million"),
                        retitled("May 2025 (in CNY)", "May 2025 (in USD)")),
        "title and unit line say USD; index row and attachment say CNY: two against two"),
    "usd-scale-100-million": Variant(
        USD_MAY, swap("Unit: USD1 Million", "Unit: USD 100 Million"),
        "the unit line says USD 100 million over values in millions"),
    "cny-rare-earth-yoy-3.2": Variant(
        REAL_MAY, cells("Rare earth", pct_quantity="3.2"),
        "rare earths' Jan–May y/y quantity printed 3.2 (its columns give 2.3)"),
    "usd-rare-earth-quantity-differs": Variant(
        USD_MAY, cells("Rare earth", month_quantity="5,846.6"),
        "rare earths' May quantity 5,846.6 (the CNY page: 5,864.6)"),
    "cny-month-above-ytd": Variant(
        REAL_MAY, cells("Rare earth", month_quantity="25,864.6"),
        "rare earths' May quantity 25,864.6, above its Jan–May"),
}  # fmt: skip


@cache
def variant(name: str) -> bytes:
    """The page of one error (``VARIANTS``): its base page with its change."""
    made = VARIANTS[name]
    return made.change(page(made.base))


def main(folder: str) -> None:
    """Write every page built here and every variant into ``folder`` (to look at, or diff)."""
    out = Path(folder)
    files = synthetic_pages() | {f"variants/{n}.html": variant(n) for n in VARIANTS}
    for name, data in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
        print(out / name)


if __name__ == "__main__":
    main(*sys.argv[1:])
