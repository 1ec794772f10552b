"""What an export's file name says about the query behind it.

The platform's download is always called ``downloadQueryData.csv``; users rename it. We document
one convention (README "Query-platform exports") and read it back: tokens separated by ``-``,
``_`` or ``.`` anywhere in the name —

* flow: ``export``/``exports``/``出口`` or ``import``/``imports``/``进口``;
* commodity: an 8-digit tariff line, bare or as ``hs85051110``;
* months: ``YYYYMM`` (one month) or ``YYYYMM-YYYYMM`` (the query's month range; required for
  cumulative exports, which have no 数据年月 column);
* currency: ``usd`` or ``cny``/``rmb`` (informational; the header decides);
* ``partial``: the query was filtered (some partners or trade modes only): the export updates
  only the figures it carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from customs_etl.core.errors import ParseError

_FLOW = re.compile(r"(?:^|[-_.\s])(exports?|imports?|出口|进口)(?=$|[-_.\s])", re.IGNORECASE)
_RANGE = re.compile(r"(?<!\d)(\d{4})(\d{2})-(\d{4})(\d{2})(?!\d)")
_MONTH = re.compile(r"(?<!\d)(\d{4})(\d{2})(?!\d)")
_CODE = re.compile(r"(?:^|[-_.\s]|hs)(\d{8})(?=$|[-_.\s])", re.IGNORECASE)
_PARTIAL = re.compile(r"(?:^|[-_.\s])partial(?=$|[-_.\s])", re.IGNORECASE)


@dataclass(frozen=True)
class NameHints:
    """Metadata read from a file name; each part is ``None`` when the name does not say."""

    flow: str | None = None
    commodity_code: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    partial: bool = False  # the name says the export was filtered (token "partial")


def _month(year: str, month: str, name: str) -> date:
    # Year 0000 has no date; digits in other scripts (\d matches them) are read as numbers.
    if not 1 <= int(month) <= 12 or int(year) < 1:
        raise ParseError(name, f"file name month {year}{month} is not a month")
    return date(int(year), int(month), 1)


def hints_from_name(path: str) -> NameHints:
    """Read flow, tariff line and month range from a file name (never from its folders)."""
    name = PurePath(path).stem
    flow_match = _FLOW.search(name)
    flow = None
    if flow_match:
        token = flow_match.group(1).lower()
        flow = "export" if token.startswith("export") or token == "出口" else "import"
    start = end = None
    range_match = _RANGE.search(name)
    if range_match:
        start = _month(range_match.group(1), range_match.group(2), path)
        end = _month(range_match.group(3), range_match.group(4), path)
        if end < start:
            raise ParseError(path, "file name month range ends before it starts")
        rest = name.replace(range_match.group(0), " ")
    else:
        month_match = _MONTH.search(name)
        if month_match:
            start = end = _month(month_match.group(1), month_match.group(2), path)
        rest = name
    code_match = _CODE.search(rest)
    partial = _PARTIAL.search(name) is not None
    return NameHints(flow, code_match.group(1) if code_match else None, start, end, partial)
