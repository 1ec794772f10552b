"""Parse GACC query-platform CSV exports (stats.customs.gov.cn, 导出数据) in the publisher's terms.

The platform's exports are quoted CSV with a trailing comma on every line, GBK/GB18030 as
served (UTF-8, with or without BOM, after a re-save), a Chinese or English header whose grouping
columns depend on the query, thousands separators in the value column, and a hard limit of
10,000 rows. This module turns one such file into a typed DataFrame and refuses anything it does
not understand with a ``ParseError`` naming the file, row and field. It does no I/O.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from customs_etl.core.errors import ParseError
from customs_etl.core.text import clean_code

PLATFORM_ROW_LIMIT = 10_000

# Header label (Chinese UI, English UI) → our column name. Order of the file does not matter.
HEADER_ALIASES: dict[str, str] = {
    "数据年月": "period",
    "date of data": "period",
    "商品编码": "commodity_code",
    "commodity code": "commodity_code",
    "商品名称": "commodity_name",
    "commodity": "commodity_name",
    "贸易伙伴编码": "partner_code",
    "trading partner code": "partner_code",
    "贸易伙伴名称": "partner_name",
    "trading partner": "partner_name",
    "贸易方式编码": "trade_mode_code",
    "customs regime code": "trade_mode_code",
    "贸易方式名称": "trade_mode_name",
    "customs regime": "trade_mode_name",
    "注册地编码": "region_code",
    "registration place code": "region_code",
    "注册地名称": "region_name",
    "registration place": "region_name",
    "第一数量": "quantity",
    "quantity": "quantity",
    "第一计量单位": "unit",
    "unit": "unit",
    "第二数量": "quantity2",
    "supplimentary quantity": "quantity2",
    "supplementary quantity": "quantity2",
    "第二计量单位": "unit2",
    "supplimentary unit": "unit2",
    "supplementary unit": "unit2",
    "美元": "value_usd",
    "us dollar": "value_usd",
    "人民币": "value_cny",
    "rmb": "value_cny",
    "renminbi yuan": "value_cny",
}
REQUIRED_COLUMNS = ("quantity", "unit")
GROUPING_COLUMNS = ("period", "commodity_code", "partner_code", "trade_mode_code", "region_code")
MISSING_MARKS = frozenset({"", "-", "?", "—", "－"})

# [0-9], not \d: other scripts' digits (١٢٣) would pass \d and then fail to convert.
_NUMBER = re.compile(r"-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?")
_MAX_INT_DIGITS = 18  # beyond int64: refused, never silently wrapped or floated
_PERIOD = re.compile(r"([0-9]{4})([0-9]{2})")
_HTML_HINTS = ("<html", "<!doctype", "<script", "<head", "<body")
_BUSY_HINT = "当前服务请求较多"


@dataclass(frozen=True)
class QueryExport:
    """One parsed export: rows in the publisher's terms plus what the file says about itself."""

    name: str
    currency: str  # "USD" or "CNY"
    monthly: bool  # True when 数据年月 is a column (monthFlag=1)
    columns: tuple[str, ...]  # our names of the columns present, in file order
    rows: pd.DataFrame
    period_start: date | None  # for cumulative exports: the range the query covered
    period_end: date | None
    encoding: str

    @property
    def grain(self) -> str:
        """Which breakdowns the export has, e.g. ``partner,trade_mode``; sums never mix grains."""
        dims = {"partner_code": "partner", "trade_mode_code": "trade_mode", "region_code": "region"}
        return ",".join(label for col, label in dims.items() if col in self.columns) or "total"


def decode_export(data: bytes, name: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM or not) or GB18030, the superset of the platform's GBK."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ParseError(
                name, f"starts with a UTF-8 BOM but is not UTF-8 text (byte {exc.start + 3})"
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ParseError(name, f"neither UTF-8 nor GBK/GB18030 text (byte {exc.start})") from None


def _refuse_non_csv(text: str, name: str) -> None:
    """Refuse pages the platform serves instead of data (WAF challenge, CAPTCHA, busy notice)."""
    head = text.lstrip()[:2048].lower()
    if not head:
        raise ParseError(name, "empty file: the export holds no header and no rows")
    if head.startswith("<") or any(hint in head for hint in _HTML_HINTS):
        raise ParseError(
            name,
            "an HTML page (WAF/JS challenge or CAPTCHA), not a CSV export: "
            "export the query again from a browser",
        )
    if _BUSY_HINT in head:
        raise ParseError(
            name, f"the platform answered '{_BUSY_HINT}' (busy), not data: retry later"
        )


def _read_records(text: str, name: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        raise ParseError(
            name, f"file cut off mid-row or malformed CSV ({exc})", row=len(records) + 1
        ) from None
    return records


def _map_header(header: list[str], name: str) -> tuple[list[str], bool]:
    trailing = bool(header) and header[-1].strip() == ""
    labels = header[:-1] if trailing else header
    mapped: list[str] = []
    unknown = []
    for label in labels:
        key = HEADER_ALIASES.get(label.strip().lstrip("\ufeff").lower())
        if key is None:
            unknown.append(label)
        mapped.append(key or "")
    if unknown:
        raise ParseError(
            name, f"unknown column(s) {unknown}: not a query-platform export header", row=1
        )
    if len(set(mapped)) != len(mapped):
        raise ParseError(name, "a column appears twice in the header", row=1)
    missing = [c for c in REQUIRED_COLUMNS if c not in mapped]
    value_cols = [c for c in mapped if c.startswith("value_")]
    if missing or len(value_cols) != 1:
        raise ParseError(
            name,
            "header lacks "
            + (", ".join(missing) if missing else "one value column (美元 or 人民币)"),
            row=1,
        )
    return mapped, trailing


def _check_row_shapes(records: list[list[str]], width: int, trailing: bool, name: str) -> None:
    expected = width + (1 if trailing else 0)
    if set(map(len, records[1:])) <= {expected} and not (
        trailing and any(record[-1] for record in records[1:])
    ):
        return  # the usual case, checked at C speed; the loop below names the bad row
    last = len(records)
    for line_no, record in enumerate(records[1:], start=2):
        if len(record) != expected or (trailing and record[-1] != ""):
            if line_no == last:
                raise ParseError(
                    name,
                    f"file cut off mid-row: {len(record)} fields, expected {expected}",
                    row=line_no,
                )
            raise ParseError(name, f"{len(record)} fields, expected {expected}", row=line_no)


def _numbers(values: pd.Series, name: str, field: str, *, allow_missing: bool) -> pd.Series:
    """Strict number parsing: grouped or plain digits; a typo names its row and field."""
    stripped = values.str.strip()
    missing = stripped.isin(MISSING_MARKS)
    ok = stripped.str.fullmatch(_NUMBER.pattern) | (missing if allow_missing else False)
    if not ok.all():
        bad = ok[~ok].index[0]
        raise ParseError(name, f"not a number: {values[bad]!r}", row=int(bad), field=field)
    cleaned = stripped.str.replace(",", "", regex=False).where(~missing, None)
    if cleaned.dropna().str.contains(".", regex=False).any():
        from decimal import Decimal  # exact: never through float

        return cleaned.map(lambda v: None if pd.isna(v) else Decimal(v)).astype(object)
    digits = cleaned.dropna().str.lstrip("-").str.len()
    if (digits > _MAX_INT_DIGITS).any():
        bad = digits[digits > _MAX_INT_DIGITS].index[0]
        raise ParseError(name, f"number too large: {values[bad]!r}", row=int(bad), field=field)
    return pd.to_numeric(cleaned, errors="raise").astype("Int64")


def _periods(values: pd.Series, name: str, field: str) -> pd.Series:
    parts = values.str.strip().str.fullmatch(_PERIOD.pattern)
    months = pd.to_numeric(values.str.strip().str[4:6], errors="coerce")
    years = pd.to_numeric(values.str.strip().str[:4], errors="coerce")
    ok = parts & months.between(1, 12) & (years >= 1)
    if not ok.all():
        bad = ok[~ok].index[0]
        raise ParseError(name, f"not a YYYYMM month: {values[bad]!r}", row=int(bad), field=field)
    return values.str.strip()


def parse_query_export(
    data: bytes,
    name: str,
    *,
    period_range: tuple[date, date] | None = None,
) -> QueryExport:
    """Parse one export. ``period_range`` is required for cumulative exports (no 数据年月)."""
    text, encoding = decode_export(data, name)
    _refuse_non_csv(text, name)
    records = _read_records(text, name)
    while records and not any(field.strip() for field in records[-1]):
        records.pop()  # blank lines at the end are harmless
    if not records:
        raise ParseError(name, "empty file: no header and no rows")
    columns, trailing = _map_header(records[0], name)
    _check_row_shapes(records, len(columns), trailing, name)
    if len(records) < 2:
        raise ParseError(name, "the export has a header but no data rows")
    fields = list(zip(*records[1:], strict=True))  # column-wise: one array per column
    index = pd.RangeIndex(2, len(records) + 1, name="source_row")  # file line numbers
    frame = pd.DataFrame(
        {col: pd.array(fields[i], dtype="string") for i, col in enumerate(columns)}, index=index
    )

    value_col = next(c for c in columns if c.startswith("value_"))
    frame["quantity"] = _numbers(frame["quantity"], name, "quantity", allow_missing=True)
    frame["value"] = _numbers(frame.pop(value_col), name, value_col, allow_missing=False)
    if "quantity2" in frame:
        frame["quantity2"] = _numbers(frame["quantity2"], name, "quantity2", allow_missing=True)
    monthly = "period" in frame
    if monthly:
        frame["period"] = _periods(frame["period"], name, "period")
    elif period_range is None:
        raise ParseError(
            name,
            "cumulative export (no 数据年月 column) and no month range: name the file "
            "…-YYYYMM-YYYYMM-… or pass the range at ingest",
        )
    for code_col in ("commodity_code", "partner_code", "trade_mode_code", "region_code"):
        if code_col in frame:
            frame[code_col] = frame[code_col].map(clean_code, na_action="ignore")
    frame = frame.reset_index()
    return QueryExport(
        name=name,
        currency="USD" if value_col == "value_usd" else "CNY",
        monthly=monthly,
        columns=tuple(c if not c.startswith("value_") else "value" for c in columns),
        rows=frame,
        period_start=None if monthly else period_range[0],
        period_end=None if monthly else period_range[1],
        encoding=encoding,
    )
