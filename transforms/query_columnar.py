"""Query-platform exports → canonical observations, columnar: DuckDB reads, SQL normalises.

The fast path for a batch of exports. Python only decodes each file (GBK/GB18030 or UTF-8 to
UTF-8 text: the transcoding step), reads its header and counts its lines; DuckDB's CSV reader
loads every row of the batch as text, and one SQL statement checks and normalises them all:
exact DECIMAL kilograms (quantity × the unit's exact factor), units and partners by join to
reference tables built from ``core.units`` and ``core.partners``, a ``release_id`` column naming
each row's document. Pure: an in-memory connection and a scratch folder, no warehouse.

The Python parser (``transforms.query_export`` + ``transforms.normalise``) stays the reference.
DuckDB's reader is more forgiving than the platform's format (it skips blank lines, folds an
extra field into the trailing column), so this path only takes files it can prove clean — one
record per line, an empty trailing column, every number, month and unit well formed and exactly
representable — and hands every other file back to the caller, who parses it with the
reference parser: its output, or its error naming the file, row and field, is then exactly what
it always was. Tests check that both paths agree row for row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import RawDocument
from customs_etl.core.partners import normalise_gacc_code, partner_for_gacc_code
from customs_etl.core.schema import (
    DECIMAL_SCALE,
    OBSERVATION_COLUMNS,
    OBSERVATION_SCHEMA,
    basis_for,
)
from customs_etl.core.text import sql_clean_code, sql_clean_label
from customs_etl.core.units import unit_for
from customs_etl.transforms.normalise import UNKNOWN_PARTNER_PREFIX
from customs_etl.transforms.query_export import (
    MISSING_MARKS,
    _map_header,
    _refuse_non_csv,
    decode_export,
)

RAW_COLUMNS = (
    "period",
    "commodity_code",
    "commodity_name",
    "partner_code",
    "partner_name",
    "trade_mode_code",
    "trade_mode_name",
    "region_code",
    "region_name",
    "quantity",
    "unit",
    "quantity2",
    "unit2",
    "value",
)
_DIMENSIONS = {"partner_code": "partner", "trade_mode_code": "trade_mode", "region_code": "region"}
# Numbers the fast path takes: grouped or plain digits, at most 12 before and 6 after the point
# (they cast exactly through DECIMAL(18, 6)); anything else goes to the reference parser.
_FAST_NUMBER = r"-?(?:[0-9]{1,12}|[0-9]{1,3}(?:,[0-9]{3}){0,3})(?:\.[0-9]{1,6})?"
_PERIOD = r"[0-9]{4}(?:0[1-9]|1[0-2])"
# DuckDB reads an unquoted empty field as NULL, the reference parser as "": no text is NULL.
_NEVER_NULL = "\x01customs-etl: no field is null\x01"
# A line after the header that is empty or only carriage returns (the body has no trailing
# newline, so every match is inside it); found without splitting 300,000 lines into strings.
_BLANK_LINE = re.compile(r"\n\r*\n")
_MISSING_SQL = ", ".join("'" + m.replace("'", "''") + "'" for m in sorted(MISSING_MARKS))


@dataclass(frozen=True)
class _Plan:
    """What Python learns about one export before DuckDB reads it."""

    index: int
    doc: RawDocument
    columns: tuple[str, ...]  # canonical names in file order, "_trailing" for the last comma
    currency: str
    path: Path
    rows: int  # data records the file must hold: every line but the header is one


def _plan(index: int, doc: RawDocument, scratch: Path) -> _Plan | None:
    """Decode and read the header; None when the file is not plainly clean (reference path)."""
    try:
        text, _ = decode_export(doc.content, doc.name)
        _refuse_non_csv(text, doc.name)
        first_line = text.split("\n", 1)[0]
        header = next(csv.reader(io.StringIO(first_line, newline=""), strict=True), None)
        if header is None:
            return None
        mapped, trailing = _map_header(header, doc.name)
    except (CustomsEtlError, csv.Error):
        return None
    monthly = "period" in mapped
    has_code = "commodity_code" in mapped or doc.commodity_code is not None
    if doc.flow is None or not has_code or (not monthly and doc.period_start is None):
        return None  # the reference path says what is missing, in its own words
    body = text.rstrip("\r\n")
    if _BLANK_LINE.search(body):
        return None  # a blank line inside the file: DuckDB would skip it, the format forbids it
    columns = tuple("value" if c.startswith("value_") else c for c in mapped)
    currency = "USD" if "value_usd" in mapped else "CNY"
    path = scratch / f"{index:05d}.csv"
    path.write_text(body + "\n", encoding="utf-8")
    return _Plan(
        index,
        doc,
        (*columns, *(("_trailing",) if trailing else ())),
        currency,
        path,
        body.count("\n"),  # one record per line after the header (no blank ones)
    )


def _read(con: duckdb.DuckDBPyConnection, plans: Sequence[_Plan], name: str) -> str | None:
    """Scan the files (one layout) as text into table ``name`` in one pass; the SQL of their
    records as ``raw_rows`` has them, or None when DuckDB refuses any of the files."""
    first = plans[0]
    spec = {column: "VARCHAR" for column in first.columns}
    present = [c for c in first.columns if c != "_trailing"]
    trailing = "_trailing" if "_trailing" in first.columns else "NULL::VARCHAR"
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT filename, {trailing} AS _trailing,"
            f" {', '.join(present)} FROM read_csv($paths, header = true, columns = $spec,"
            " quote = '\"', escape = '\"', delim = ',', strict_mode = true,"
            " null_padding = false, auto_detect = false, all_varchar = true, nullstr = $never,"
            " filename = true)",
            {"paths": [str(p.path) for p in plans], "spec": spec, "never": _NEVER_NULL},
        )
    except duckdb.Error:
        con.execute(f"DROP TABLE IF EXISTS {name}")
        return None
    # The table keeps the scan's order (files in order, each file's lines in order), so a
    # record's line in its file is its row id less the file's first row id, plus the header.
    files = pa.table(
        {
            "filename": [str(p.path) for p in plans],
            "doc": pa.array([p.index for p in plans], pa.int32()),
        }
    )
    con.register(f"{name}_files", files)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name}_first AS SELECT f.doc, f.filename,"
        f" min(s.rowid) AS first_id FROM {name}_files AS f JOIN {name} AS s USING (filename)"
        " GROUP BY ALL"
    )
    con.unregister(f"{name}_files")
    columns = ", ".join(f"s.{c}" if c in present else f"NULL::VARCHAR AS {c}" for c in RAW_COLUMNS)
    return (
        f"SELECT f.doc, CAST(s.rowid - f.first_id + 2 AS INTEGER) AS source_row, s._trailing,"
        f" {columns} FROM {name} AS s JOIN {name}_first AS f USING (filename)"
    )


def _unit_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Every unit text the batch uses → kind and exact factor (None: unknown)."""
    texts = [
        t
        for (t,) in con.execute(
            "SELECT DISTINCT u FROM (SELECT unit AS u FROM raw_rows UNION SELECT unit2"
            " FROM raw_rows) WHERE u IS NOT NULL"
        ).fetchall()
    ]
    kinds, factors, integers, known = [], [], [], []
    for text in texts:
        missing = text.strip() in MISSING_MARKS
        unit = None if missing else unit_for(text)
        known.append(missing or unit is not None)
        kinds.append(None if unit is None else unit.kind)
        factor = unit.kg if unit is not None and unit.is_mass else None
        factors.append(factor)
        integers.append(int(factor) if factor is not None and factor == int(factor) else None)
    return pa.table(
        {
            "unit_text": pa.array(texts, pa.string()),
            "known": pa.array(known, pa.bool_()),
            "kind": pa.array(kinds, pa.string()),
            "factor": pa.array(factors, pa.decimal128(18, 10)),
            "factor_int": pa.array(integers, pa.int64()),
        }
    )


def _partner_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Every partner code text → its GACC form and warehouse key (GACC-nnn when unknown)."""
    texts = [
        t
        for (t,) in con.execute(
            "SELECT DISTINCT partner_code FROM raw_rows WHERE partner_code IS NOT NULL"
        ).fetchall()
    ]
    codes = [normalise_gacc_code(t) for t in texts]
    keys = []
    for code in codes:
        found = partner_for_gacc_code(code)
        keys.append(found.partner if found else UNKNOWN_PARTNER_PREFIX + code)
    return pa.table({"code_text": texts, "code": codes, "partner": keys})


def _doc_table(plans: Sequence[_Plan]) -> pa.Table:
    """Per document: what the file does not say (flow, line, months, source) and its layout."""

    def dims(plan: _Plan) -> str:
        return ",".join(label for col, label in _DIMENSIONS.items() if col in plan.columns)

    starts = [None if "period" in p.columns else p.doc.period_start for p in plans]
    ends = [None if "period" in p.columns else p.doc.period_end for p in plans]
    return pa.table(
        {
            "doc": pa.array([p.index for p in plans], pa.int32()),
            "release_id": [p.doc.sha256 for p in plans],
            "source": [p.doc.source for p in plans],
            "flow": [p.doc.flow for p in plans],
            "commodity_hint": pa.array([p.doc.commodity_code for p in plans], pa.string()),
            "currency": [p.currency for p in plans],
            "grain": [dims(p) or "total" for p in plans],
            "has_partner": [("partner_code" in p.columns) for p in plans],
            "range_start": pa.array(starts, pa.date32()),
            "range_end": pa.array(ends, pa.date32()),
            "range_basis": pa.array(
                [
                    basis_for(s, e) if s is not None and e is not None else None
                    for s, e in zip(starts, ends, strict=True)
                ],
                pa.string(),
            ),
            "rows_expected": pa.array([p.rows for p in plans], pa.int64()),
        }
    )


def _number_ok(column: str, missing_allowed: bool) -> str:
    test = f"regexp_full_match(trim({column}), '{_FAST_NUMBER}')"
    if missing_allowed:
        return f"({column} IS NULL OR trim({column}) IN ({_MISSING_SQL}) OR {test})"
    return f"({column} IS NOT NULL AND {test})"


def _decimal(column: str) -> str:
    """Exact: text → DECIMAL(18, 6) (fast; the pattern allows 6 places) → DECIMAL(38, 12)."""
    return (
        f"CAST(CAST(replace(trim({column}), ',', '') AS DECIMAL(18, 6))"
        f" AS DECIMAL(38, {DECIMAL_SCALE}))"
    )


def _kilograms(quantity: str, unit: str) -> str:
    """Quantity × an integer factor (kg, t, 10000t…): exact in DECIMAL(38, 12). Files in units
    with a fractional factor (g, carat, lb) are rare and go to the reference parser."""
    return f"{quantity} * {unit}.factor_int"


_CHECKS = f"""
CREATE TEMP TABLE rejected AS
SELECT DISTINCT r.doc FROM raw_rows AS r
JOIN docs AS d USING (doc)
LEFT JOIN units AS u1 ON u1.unit_text = r.unit
LEFT JOIN units AS u2 ON u2.unit_text = r.unit2
WHERE coalesce(r._trailing, '') <> ''
   OR NOT {_number_ok("r.quantity", True)}
   OR NOT {_number_ok("r.quantity2", True)}
   OR NOT {_number_ok("r.value", False)}
   OR (d.range_start IS NULL AND (r.period IS NULL
       OR NOT regexp_full_match(trim(r.period), '{_PERIOD}') OR left(trim(r.period), 4) = '0000'))
   OR (r.unit IS NOT NULL AND NOT coalesce(u1.known, false))
   OR (r.unit2 IS NOT NULL AND NOT coalesce(u2.known, false))
   OR (u1.factor IS NOT NULL AND u1.factor_int IS NULL)
   OR (u2.factor IS NOT NULL AND u2.factor_int IS NULL)
UNION
SELECT d.doc FROM docs AS d
LEFT JOIN (SELECT doc, count(*) AS n FROM raw_rows GROUP BY doc) AS c USING (doc)
WHERE coalesce(c.n, 0) <> d.rows_expected OR coalesce(c.n, 0) = 0
"""

_NORMALISE = f"""
WITH typed AS (
    SELECT
        r.*, d.*,
        CASE WHEN r.quantity IS NULL OR trim(r.quantity) IN ({_MISSING_SQL}) THEN NULL
             ELSE {_decimal("r.quantity")} END AS q,
        CASE WHEN r.quantity2 IS NULL OR trim(r.quantity2) IN ({_MISSING_SQL}) THEN NULL
             ELSE {_decimal("r.quantity2")} END AS q2,
        {_decimal("r.value")} AS v,
        CASE WHEN d.range_start IS NULL
             THEN make_date(CAST(left(trim(r.period), 4) AS INTEGER),
                            CAST(right(trim(r.period), 2) AS INTEGER), 1) END AS month_of_row
    FROM raw_rows AS r
    JOIN docs AS d USING (doc)
    WHERE r.doc NOT IN (SELECT doc FROM rejected)
),
weighed AS (
    SELECT t.*,
        {_kilograms("t.q", "u1")} AS kg1,
        {_kilograms("t.q2", "u2")} AS kg2
    FROM typed AS t
    LEFT JOIN units AS u1 ON u1.unit_text = t.unit
    LEFT JOIN units AS u2 ON u2.unit_text = t.unit2
)
SELECT
    w.release_id,
    w.source,
    'CN' AS reporter,
    w.flow,
    coalesce({sql_clean_code('w.commodity_code')}, w.commodity_hint) AS commodity_code,
    w.commodity_name AS commodity_label,
    CASE WHEN w.has_partner THEN p.partner ELSE 'WLD' END AS partner,
    CASE WHEN w.has_partner THEN p.code END AS source_partner_code,
    {sql_clean_code('w.trade_mode_code')} AS trade_mode,
    {sql_clean_code('w.region_code')} AS region_code,
    w.grain,
    coalesce(w.month_of_row, w.range_start) AS period_start,
    coalesce(w.month_of_row, w.range_end) AS period_end,
    coalesce(w.range_basis, 'month') AS basis,
    w.q AS quantity,
    w.unit AS quantity_unit,
    CASE WHEN w.kg1 IS NULL AND w.kg2 IS NOT NULL THEN w.kg2 ELSE w.kg1 END AS quantity_kg,
    w.v AS value,
    w.currency,
    CASE WHEN w.currency = 'USD' THEN w.v END AS value_usd,
    CASE WHEN w.currency = 'CNY' THEN w.v END AS value_cny,
    CASE WHEN w.q IS NULL THEN 'quantity_missing'
         WHEN w.kg1 IS NULL AND w.kg2 IS NOT NULL THEN 'kg_from_second_quantity'
         ELSE '' END AS flags,
    w.source_row,
    CASE WHEN w.has_partner THEN {sql_clean_label('w.partner_name')} END AS partner_label
FROM weighed AS w
LEFT JOIN partners AS p ON p.code_text = w.partner_code
ORDER BY w.doc, w.source_row
"""


def exports_to_canonical(
    docs: Sequence[RawDocument], scratch: Path
) -> tuple[pa.Table, list[RawDocument]]:
    """Canonical observations of every export the fast path proves clean (``release_id``
    names each row's document), and the documents it hands back to the reference parser."""
    con = duckdb.connect()
    try:
        plans: list[_Plan] = []
        handed_back: list[RawDocument] = []
        layouts: dict[tuple[str, ...], list[_Plan]] = {}
        for index, doc in enumerate(docs):
            plan = _plan(index, doc, scratch)
            if plan is None:
                handed_back.append(doc)
            else:
                layouts.setdefault(plan.columns, []).append(plan)
        scans: list[str] = []
        for group in layouts.values():
            scan = _read(con, group, f"scan_{len(scans)}")
            if scan is not None:  # the usual case: every file of the layout reads
                scans.append(scan)
                plans += group
                continue
            for plan in group:  # one was refused: find it, read the others
                scan = _read(con, [plan], f"scan_{len(scans)}")
                if scan is None:
                    handed_back.append(plan.doc)
                else:
                    scans.append(scan)
                    plans.append(plan)
        plans.sort(key=lambda p: p.index)
        if not plans:
            return _empty(), handed_back
        con.execute("CREATE TEMP VIEW raw_rows AS " + " UNION ALL ".join(scans))
        con.register("docs", _doc_table(plans))
        con.register("units", _unit_table(con))
        con.register("partners", _partner_table(con))
        con.execute(_CHECKS)
        rejected = {doc for (doc,) in con.execute("SELECT doc FROM rejected").fetchall()}
        handed_back += [p.doc for p in plans if p.index in rejected]
        table = con.execute(_NORMALISE).to_arrow_table()
    finally:
        con.close()  # its scans (the batch as text) go before the cast copies the result
    return table.select(list(OBSERVATION_COLUMNS)).cast(OBSERVATION_SCHEMA), handed_back


def _empty() -> pa.Table:
    return OBSERVATION_SCHEMA.empty_table()
