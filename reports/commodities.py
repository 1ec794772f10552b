"""Commodity names a report accepts, resolved through the shared catalogue."""

from __future__ import annotations

from datetime import date

import duckdb

from customs_etl.core.catalogue import resolve_commodity
from customs_etl.core.sql_text import inline


def resolve_report_commodity(
    name: str,
) -> tuple[str, str | None, str | None, tuple[str, ...]]:
    """(commodity code, label for prose, default flow, focus partners) for a friendly name,
    line or key."""
    spec = resolve_commodity(name)
    label = spec.label
    if label and label[1:2].islower():  # "Rare-earth magnets" → "rare-earth…"; "HS 8505" stays
        label = label[:1].lower() + label[1:]
    return spec.code, label, spec.flow, spec.focus


def report_series(
    con: duckdb.DuckDBPyConnection, name: str, period: date, flow: str
) -> tuple[str, str | None]:
    """(code, label) a report on ``name`` shows for ``period``: the entry's own series when it
    has China's figures that month, else the first of its China tariff lines, then of its HS6
    codes (China's reports to UN Comtrade) that has them. A fallback is labelled as what it is,
    never as the whole entry (an HS6 code covers more than the controlled goods)."""
    spec = resolve_commodity(name)
    _, label, _, _ = resolve_report_commodity(name)
    candidates = list(dict.fromkeys((spec.code, *spec.tariff_lines, *spec.hs6)))
    if candidates == [spec.code]:  # nothing to choose between
        return spec.code, label
    held = {  # literals, not bound values: binding imports pandas
        code
        for (code,) in con.execute(
            inline(
                "SELECT DISTINCT commodity_code FROM marts.world_monthly_of(?)"
                " WHERE reporter = 'CN' AND flow = ? AND period = ?",
                [candidates, flow, period],
            )
        ).fetchall()
    }
    code = next((c for c in candidates if c in held), spec.code)
    if code == spec.code:
        return code, label
    if code in spec.hs6:
        return code, f"HS {code} (UN Comtrade; broader than {label})"
    return code, f"{label}, tariff line {code}"
