"""UN Comtrade API pages: the page bundle a pull stores, and its rows as canonical observations.

A pull asks the API one query and may get it back in several pages (a page of exactly the cap is
truncated, so the query is split until every page is under it). The pages of one query are parts
of the same figures (a split by partner cuts a month's partner list in two), so they are stored
together as ONE document, a *page bundle*: for each page, an RS byte (0x1E), one line of JSON
metadata (its redacted URL, byte count and sha256) and then the page's bytes exactly as received,
followed by a newline. Nothing of a page is re-encoded: ``split_bundle`` gives back every page's
bytes, checked against its sha256. Truncated pages (the capped answers that made the split) are
kept in the bundle marked ``"truncated": true`` as evidence and never read for figures.

Rows become canonical observations (``core.schema``): only totals rows (``partner2Code`` 0,
``motCode`` 0, ``customsCode`` C00 — a 'plus' breakdown also returns rows by mode of transport and
customs procedure, which must never be added to the totals); ``partnerCode`` 0 is World, kept as
partner ``WLD``; areas such as 899 "Areas, nes" keep their own code (``CT-899``); reporters and
partners map from Comtrade's M49-based codes to ISO alpha-2 (``core.comtrade_areas``). Quantities
are ``netWgt`` in kilograms and values ``primaryValue`` in US dollars (FOB for exports, CIF for
imports), read from the JSON text as exact decimals, never through float. The API's estimate
flags are kept (``flags``: ``netwgt_estimated``, ``qty_estimated``). Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from customs_etl.core import sources
from customs_etl.core.comtrade_areas import WORLD_CODE, area_for_code, normalise_code
from customs_etl.core.errors import ParseError
from customs_etl.core.schema import check_exact, conform

SOURCE = sources.COMTRADE
RS = b"\x1e"
FLOWS = {"X": "export", "M": "import"}
QUANTITY_UNIT = "kg"  # netWgt is always kilograms
GRAIN = "partner"
# Every field a data row must carry for this parser (the API sends 47; these are the ones read).
ROW_FIELDS = (
    "freqCode",
    "period",
    "reporterCode",
    "flowCode",
    "partnerCode",
    "partner2Code",
    "cmdCode",
    "customsCode",
    "motCode",
    "netWgt",
    "isNetWgtEstimated",
    "isQtyEstimated",
    "primaryValue",
)
AVAILABILITY_FIELDS = ("reporterCode", "period", "datasetChecksum")
TOTAL_CUSTOMS = "C00"


@dataclass(frozen=True)
class Page:
    """One answer of the API as received, with where it came from (URL already redacted)."""

    url: str
    body: bytes
    truncated: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def bundle_pages(pages: Sequence[Page]) -> bytes:
    """The document a pull stores: every page's exact bytes, framed (see the module doc)."""
    out = bytearray()
    for page in pages:
        meta = {"url": page.url, "bytes": len(page.body), "sha256": page.sha256}
        if page.truncated:
            meta["truncated"] = True
        out += RS + json.dumps(meta, sort_keys=True).encode("utf-8") + b"\n" + page.body + b"\n"
    return bytes(out)


def split_bundle(content: bytes, name: str) -> list[Page]:
    """The pages of a bundle, each checked against its recorded length and sha256."""
    pages: list[Page] = []
    position = 0
    while position < len(content):
        if content[position : position + 1] != RS:
            raise ParseError(
                name, f"not a Comtrade page bundle (byte {position} is not a page start)"
            )
        end = content.find(b"\n", position)
        if end < 0:
            raise ParseError(name, f"page {len(pages) + 1}: its header line is cut off")
        try:
            meta = json.loads(content[position + 1 : end])
            size, digest, url = int(meta["bytes"]), str(meta["sha256"]), str(meta["url"])
        except (ValueError, KeyError, TypeError):
            raise ParseError(name, f"page {len(pages) + 1}: unreadable page header") from None
        body = content[end + 1 : end + 1 + size]
        if len(body) != size or content[end + 1 + size : end + 2 + size] != b"\n":
            raise ParseError(name, f"page {len(pages) + 1} ({url}): cut off in the bundle")
        if hashlib.sha256(body).hexdigest() != digest:
            raise ParseError(name, f"page {len(pages) + 1} ({url}): bytes do not match sha256")
        pages.append(Page(url, body, bool(meta.get("truncated", False))))
        position = end + 2 + size
    if not pages:
        raise ParseError(name, "an empty Comtrade page bundle")
    return pages


def _describe_json_error(text: str, exc: json.JSONDecodeError) -> str:
    cut = exc.pos >= len(text.rstrip()) - 1
    hint = ": the answer is cut off (truncated JSON)" if cut else ""
    return f"not valid JSON ({exc.msg} at character {exc.pos}){hint}"


def read_envelope(body: bytes, where: str) -> dict[str, Any]:
    """The API's envelope ``{"count", "data", "error"}`` with exact decimals, or a ParseError
    that says what came instead (an HTML page, truncated JSON, another shape)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParseError(where, "the answer is not UTF-8 text, not the API's JSON") from None
    stripped = text.lstrip()
    if not stripped:
        raise ParseError(where, "an empty answer, not the API's JSON")
    if stripped.startswith("<"):
        title = re.search(r"<title[^>]*>([^<]{0,80})", stripped, re.IGNORECASE)
        shown = f" ({title.group(1).strip()!r})" if title else ""
        raise ParseError(where, f"an HTML page{shown}, not the API's JSON: an error page?")
    try:
        envelope = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ParseError(where, _describe_json_error(text, exc)) from None
    if not isinstance(envelope, dict):
        raise ParseError(where, "the JSON is not the API's envelope (an object)")
    for name in ("count", "data"):
        if name not in envelope:
            raise ParseError(where, f"the envelope has no field {name!r}", field=name)
    error = envelope.get("error")
    if error:
        raise ParseError(
            where, f"the API answered with an error: {str(error)[:200]}", field="error"
        )
    data = envelope["data"]
    if not isinstance(data, list):
        raise ParseError(where, "'data' is not a list of rows", field="data")
    count = envelope["count"]
    if isinstance(count, bool) or not isinstance(count, int) or count != len(data):
        raise ParseError(
            where, f"'count' says {count!r} but 'data' holds {len(data)} rows", field="count"
        )
    return envelope


def page_row_count(body: bytes) -> int | None:
    """Rows in a page, or None when it is not the API's envelope (the parser says why later)."""
    try:
        return len(read_envelope(body, "page")["data"])
    except ParseError:
        return None


def _code(value: object, where: str, row: int, field: str) -> str:
    if isinstance(value, bool) or value is None or not re.fullmatch(r"\d+(\.0)?", str(value)):
        raise ParseError(where, f"{field} {value!r} is not a numeric code", row=row, field=field)
    return normalise_code(value)


def _number(value: object, where: str, row: int, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ParseError(where, f"{field} {value!r} is not a number", row=row, field=field)
    number = Decimal(value)
    if not number.is_finite():
        raise ParseError(where, f"{field} {value!r} is not a number", row=row, field=field)
    return number


def _flag(value: object, where: str, row: int, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    raise ParseError(where, f"{field} {value!r} is not true or false", row=row, field=field)


def _period(row: dict[str, Any], where: str, number: int) -> date:
    text = str(row["period"]).strip()
    match = re.fullmatch(r"(\d{4})(\d{2})", text)
    if row["freqCode"] != "M" or not match or not 1 <= int(match.group(2)) <= 12:
        raise ParseError(
            where,
            f"period {row['period']!r} (freqCode {row['freqCode']!r}) is not a month YYYYMM",
            row=number,
            field="period",
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


def is_total_row(row: dict[str, Any]) -> bool:
    """A totals row: no second partner, all modes of transport, all customs procedures."""
    return (
        normalise_code(row["partner2Code"]) == "0"
        and normalise_code(row["motCode"]) == "0"
        and str(row["customsCode"]).strip() == TOTAL_CUSTOMS
    )


def _observation(row: dict[str, Any], where: str, number: int, release_id: str) -> dict:
    period = _period(row, where, number)
    flow = FLOWS.get(str(row["flowCode"]).strip())
    if flow is None:
        raise ParseError(
            where, f"flowCode {row['flowCode']!r} is not a flow this pull asks for (X or M)",
            row=number, field="flowCode",
        )  # fmt: skip
    cmd = str(row["cmdCode"]).strip()
    if not re.fullmatch(r"\d{6}", cmd):
        raise ParseError(where, f"cmdCode {cmd!r} is not an HS6 code", row=number, field="cmdCode")
    reporter = area_for_code(_code(row["reporterCode"], where, number, "reporterCode"))
    partner_code = _code(row["partnerCode"], where, number, "partnerCode")
    partner = area_for_code(partner_code)
    weight = _number(row["netWgt"], where, number, "netWgt")
    value = _number(row["primaryValue"], where, number, "primaryValue")
    flags = []
    if weight is None:
        flags.append("netwgt_missing")
    elif weight == 0 and value is not None and value > 0:
        # The API writes a weight it does not have as 0 as well as null: 0 kg with a value is
        # a missing weight, never a shipment of nothing worth something.
        flags.append("netwgt_zero_as_missing")
        weight = None
    if _flag(row["isNetWgtEstimated"], where, number, "isNetWgtEstimated"):
        flags.append("netwgt_estimated")
    if _flag(row["isQtyEstimated"], where, number, "isQtyEstimated"):
        flags.append("qty_estimated")
    return {
        "release_id": release_id,
        "source": SOURCE,
        "reporter": reporter.key,
        "flow": flow,
        "commodity_code": cmd,
        "commodity_label": row.get("cmdDesc"),
        "partner": partner.key,
        "source_partner_code": partner_code,
        "trade_mode": None,
        "region_code": None,
        "grain": GRAIN,
        "period_start": period,
        "period_end": period,
        "basis": "month",
        "quantity": weight,
        "quantity_unit": QUANTITY_UNIT,
        "quantity_kg": weight,
        "value": value,
        "currency": "USD",
        "value_usd": value,
        "value_cny": None,
        "flags": ";".join(flags),
        "source_row": number,
        "partner_label": row.get("partnerDesc") or partner.name,
    }


def page_rows(page: Page, where: str) -> list[dict[str, Any]]:
    """A page's data rows, each checked for the fields this parser reads."""
    rows = read_envelope(page.body, where)["data"]
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise ParseError(where, "a data row is not an object", row=number)
        for name in ROW_FIELDS:
            if name not in row:
                raise ParseError(
                    where,
                    f"data row has no field {name!r} (fields: {', '.join(sorted(row)[:8])}…)",
                    row=number,
                    field=name,
                )
    return rows


def comtrade_observations(content: bytes, name: str, release_id: str) -> pd.DataFrame:
    """A page bundle as canonical observations; any unreadable page refuses the document with
    one line naming the page's URL, the row and the field."""
    records = []
    row_number = 0
    for index, page in enumerate(split_bundle(content, name), start=1):
        if page.truncated:
            continue
        where = f"{name} page {index} ({page.url})"
        for row in page_rows(page, where):
            row_number += 1
            if is_total_row(row):
                records.append(_observation(row, where, row_number, release_id))
    frame = conform(pd.DataFrame.from_records(records)) if records else conform(pd.DataFrame())
    check_exact(frame, name)
    return frame


def partner_codes(pages: Iterable[Page]) -> list[str] | None:
    """Partner codes with a totals row (World left out): whom a reporter traded with; None when
    a page cannot be read (the parser refuses the document when loading it)."""
    found: dict[str, None] = {}
    for page in pages:
        if page.truncated:
            continue
        try:
            rows = page_rows(page, page.url)
        except ParseError:
            return None
        for row in rows:
            code = normalise_code(row["partnerCode"])
            if is_total_row(row) and code != WORLD_CODE:
                found.setdefault(code)
    return list(found)


@dataclass(frozen=True)
class Availability:
    """One dataset the API says it has: a reporter's month and its current version."""

    reporter_code: str
    period: str  # YYYYMM
    checksum: str
    last_released: str | None


def availability_rows(body: bytes, where: str) -> list[Availability]:
    """The rows of a data-availability (``getDa``) answer."""
    rows = read_envelope(body, where)["data"]
    out = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise ParseError(where, "a data row is not an object", row=number)
        for name in AVAILABILITY_FIELDS:
            if row.get(name) in (None, ""):
                raise ParseError(
                    where, f"availability row has no field {name!r}", row=number, field=name
                )
        out.append(
            Availability(
                reporter_code=_code(row["reporterCode"], where, number, "reporterCode"),
                period=str(row["period"]).strip(),
                checksum=str(row["datasetChecksum"]),
                last_released=None if row.get("lastReleased") is None else str(row["lastReleased"]),
            )
        )
    return out
