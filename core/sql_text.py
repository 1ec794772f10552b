"""Values written into SQL text as literals, for the few queries that must not bind parameters.

Binding any Python value makes DuckDB's Python client import pandas to check the value's type
(0.4-0.6 s, most of a ``report`` run's time). The report's queries are constant text with a few
values (tariff lines, flows, sources, months); writing those as SQL literals keeps pandas out.
Only plain types are accepted, strings are quoted the SQL way (a quote doubled: DuckDB has no
backslash escapes in standard strings), and anything else is refused rather than guessed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime

SqlValue = str | date | int | float | bool | None | list | tuple | dict


def literal(value: SqlValue) -> str:
    """``value`` as a DuckDB SQL literal of its own type."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return f"CAST('{value!r}' AS DOUBLE)"  # a bare 0.1 would be read as a DECIMAL
    if isinstance(value, datetime):
        raise TypeError("timestamps are not written as literals here; pass a date")
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, list | tuple):  # a list of tariff lines for the *_of macros
        if not value:
            return "CAST([] AS VARCHAR[])"
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, dict):  # a STRUCT: the members of a series (marts.*_in macros)
        if not value or not all(isinstance(key, str) for key in value):
            raise TypeError("a struct needs text keys")
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("a text value holds a NUL character")
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def inline(sql: str, params: Sequence[SqlValue]) -> str:
    """``sql`` with each ``?`` replaced, in order, by the literal of the matching value."""
    pieces = sql.split("?")
    if len(pieces) - 1 != len(params):
        raise ValueError(f"{len(pieces) - 1} placeholders for {len(params)} values")
    out = [pieces[0]]
    for value, piece in zip(params, pieces[1:], strict=True):
        out += [literal(value), piece]
    return "".join(out)
