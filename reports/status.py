"""What the warehouse holds, what is due, what is late: ``customs-etl status`` and its artifact.

Per source and series (a query-platform tariff line, a bulletin or preliminary row family, an
HS6 code; and flow): the newest month loaded, its vintage (the release that carries it) and
publication date; the source's next release by ``core.calendar`` and whether it is late today;
the documents waiting in quarantine; the last recorded run of each flow (``meta.runs``) and,
when a Prefect API is configured, Prefect's own last runs.

Why it is built this way: ``status`` must answer in well under a second on a warehouse of years,
so it runs three small queries (``reports/sql/status``) with no bound values (binding imports
pandas) and imports nothing heavy. JSON (``status.schema.json`` beside this file) carries every
series; text and markdown group series that share a flow, month and vintage and cut the list
so the whole status fits one screen (``MAX_LINES``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import duckdb

from customs_etl.core import calendar
from customs_etl.core.models import SAMPLE_SOURCE
from customs_etl.core.months import add_months, last_complete_month
from customs_etl.core.queries import dict_rows

STATUS_SCHEMA_VERSION = 1
MAX_LINES = 40  # text output, header to last line
WIDTH = 100  # characters a text line is cut to
QUARANTINE_SHOWN = 5
BULLETIN_PREFIX = "bulletin:"
NO_CALENDAR = {
    SAMPLE_SOURCE: "modeled sample: no releases expected",
    "comtrade": "no release calendar: partners report when they report",
}
KIND_PLURAL = {"tariff line": "tariff lines", "row family": "row families", "hs6": "HS6 codes"}
# (a series of kind "other" — a code of none of these shapes — is counted as "series")


@cache
def _sql(name: str) -> str:
    return (resources.files("customs_etl.reports") / "sql" / "status" / name).read_text(
        encoding="utf-8"
    )


def schema_path() -> str:
    """Where the published JSON Schema of ``status --format json`` is."""
    return str(resources.files("customs_etl.reports") / "status.schema.json")


def _rows(con: duckdb.DuckDBPyConnection, name: str) -> list[dict[str, Any]]:
    return dict_rows(con.execute(_sql(name)))


def _month(value: date | None) -> str | None:
    return None if value is None else f"{value:%Y-%m}"


def _day(value: date | datetime | None) -> str | None:
    return None if value is None else f"{value:%Y-%m-%d}"


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def kind_of(code: str) -> str:
    """How a series is keyed: a GACC tariff line, a bulletin/preliminary row, an HS6 code."""
    if code.startswith(BULLETIN_PREFIX):
        return "row family"
    if code.isdigit() and len(code) in (6, 8):
        return "hs6" if len(code) == 6 else "tariff line"
    return "other"


def family_of(code: str) -> str:
    """A row family: a bulletin row with its generic sub-rows (``bulletin:parent/of-which``)."""
    return code.split("/", 1)[0] if code.startswith(BULLETIN_PREFIX) else code


# ------------------------------------------------------------------------------ release calendar


def next_release(source: str, newest: date, today: date) -> dict[str, Any] | None:
    """The release of the month after ``newest``: when it is expected, whether it is late on
    ``today``, and how many releases are due by now and not loaded; None for a source with
    no calendar and no usual day (UN Comtrade, the sample)."""
    found = _next_release(source, newest, today)
    return None if found is None else dict(found)  # a copy: the cached one stays as it is


@cache
def _next_release(source: str, newest: date, today: date) -> dict[str, Any] | None:
    month = add_months(newest, 1)
    found = calendar.expected(source, month)
    if found is None:
        return None
    state = "late" if found.late(today) else "due" if found.due(today) else "expected"
    missing, probe = 0, month
    while probe <= last_complete_month(today):
        due = calendar.expected(source, probe)
        if due is None or not due.due(today):
            break
        missing, probe = missing + 1, add_months(probe, 1)
    return {
        "period": _month(month),
        "expected_on": _day(found.on),
        "late_after": _day(found.late_after()),
        "from_calendar": found.calendar,
        "note": found.note,
        "state": state,
        "due_not_loaded": missing,
    }


def upcoming(today: date) -> list[dict[str, Any]]:
    """Each calendar source's next release not yet due on ``today`` (whatever is loaded)."""
    out = []
    for source in sorted(calendar.USUAL_DAY):
        month = last_complete_month(today)
        found = calendar.expected(source, month)
        while found is not None and found.due(today):
            month = add_months(month, 1)
            found = calendar.expected(source, month)
        if found is not None:
            out.append(
                {
                    "source": source,
                    "period": _month(month),
                    "expected_on": _day(found.on),
                    "from_calendar": found.calendar,
                    "note": found.note,
                }
            )
    return out


# ------------------------------------------------------------------------------------ series


@dataclass(frozen=True)
class _Held:
    source: str
    flow: str
    commodity_code: str
    period: date
    release_id: str
    file_name: str | None
    published_on: date | None
    ingested_at: datetime | None
    load_seq: int
    reporters: int


def _series(held: list[_Held], today: date) -> list[dict[str, Any]]:
    """Series of one source: row families folded, each with its newest vintage."""
    families: dict[tuple[str, str], list[_Held]] = {}
    for h in held:
        families.setdefault((h.flow, family_of(h.commodity_code)), []).append(h)
    out = []
    for (flow, key), members in sorted(families.items()):
        top = max(members, key=lambda h: (h.period, h.load_seq))
        following = next_release(top.source, top.period, today)
        out.append(
            {
                "flow": flow,
                "series": key,
                "kind": kind_of(key),
                "rows": len(members),
                "reporters": max(h.reporters for h in members),
                "newest_period": _month(top.period),
                "vintage": {
                    "release_id": top.release_id,
                    "file": top.file_name,
                    "published_on": _day(top.published_on),
                    "loaded_at": _moment(top.ingested_at),
                },
                "late": following is not None and following["state"] == "late",
            }
        )
    return out


def _sources(con: duckdb.DuckDBPyConnection, today: date) -> list[dict[str, Any]]:
    by_source: dict[str, list[_Held]] = {}
    for r in _rows(con, "series.sql"):
        by_source.setdefault(r["source"], []).append(_Held(**r))
    out = []
    for source, held in sorted(by_source.items()):
        newest = max(h.period for h in held)
        following = next_release(source, newest, today)
        out.append(
            {
                "source": source,
                "newest_period": _month(newest),
                "next_release": following,
                "late": following is not None and following["state"] == "late",
                "note": "" if following else NO_CALENDAR.get(source, "no release calendar known"),
                "series": _series(held, today),
            }
        )
    return out


def _quarantine(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    rows = _rows(con, "quarantine.sql")
    return {
        "count": rows[0]["total"] if rows else 0,
        "documents": [
            {
                "id": r["release_id"],
                "source": r["source"],
                "file": r["file_name"],
                "period": _span(r["period_start"], r["period_end"]),
                "ingested_at": _moment(r["ingested_at"]),
                "reason": r["message"],
            }
            for r in rows
        ],
    }


def _span(start: date | None, end: date | None) -> str | None:
    if start is None or end is None:
        return None
    return _month(start) if start == end else f"{_month(start)}..{_month(end)}"


def _runs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return [
        {
            "flow": r["flow"],
            "run_id": r["run_id"],
            "run_name": r["run_name"],
            "state": r["state"],
            "started_at": _moment(r["started_at"]),
            "ended_at": _moment(r["ended_at"]),
            "seconds": round((r["ended_at"] - r["started_at"]).total_seconds(), 1),
            "documents": r["documents"],
            "loaded": r["loaded"],
            "unchanged": r["unchanged"],
            "quarantined": r["quarantined"],
            "refused": r["refused"],
            "rows_loaded": r["rows_loaded"],
        }
        for r in _rows(con, "runs.sql")
    ]


def build_status(
    con: duckdb.DuckDBPyConnection,
    today: date,
    *,
    warehouse: str = "",
) -> dict[str, Any]:
    """The status as plain data (what ``--format json`` prints). ``today`` decides what is due
    and late (Asia/Shanghai's date in production). ``prefect`` is None here: the caller sets
    it from ``prefect_runs.last_runs()`` once the warehouse is closed (a reader of a DuckDB
    file keeps a loading process out)."""
    return {
        "schema_version": STATUS_SCHEMA_VERSION,
        "warehouse": warehouse,
        "today": today.isoformat(),
        "sources": _sources(con, today),
        "upcoming": upcoming(today),
        "quarantine": _quarantine(con),
        "runs": _runs(con),
        "prefect": None,
    }


# ---------------------------------------------------------------------------------- rendering


def _known(from_calendar: bool) -> str:
    return "GACC's calendar" if from_calendar else "usual day"


def _release_text(source: dict[str, Any]) -> str:
    following = source["next_release"]
    if following is None:
        return source["note"]
    text = (
        f"next {following['period']} expected {following['expected_on']} "
        f"({_known(following['from_calendar'])})"
    )
    if following["state"] == "late":
        return f"{text}: LATE, {following['due_not_loaded']} due"
    if following["state"] == "due":
        return f"{text}: due, late after {following['late_after']}"
    return text


def _vintage_text(series: dict[str, Any]) -> str:
    vintage = series["vintage"]
    published = vintage["published_on"]
    when = f"published {published}" if published else f"loaded {(vintage['loaded_at'] or '')[:10]}"
    return f"{vintage['release_id'][:12]} {when}"


Group = tuple[tuple[str, str, str], list[dict[str, Any]]]


def _groups(series: list[dict[str, Any]], coarse: bool = False) -> list[Group]:
    """Series sharing flow, month and vintage (a bulletin table's rows) become one line —
    ``coarse``: flow and month only (many tariff lines, each its own file); late ones
    first, then by flow, newest month first. A line shows its newest loaded vintage."""
    grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for s in series:
        vintage = "" if coarse else s["vintage"]["release_id"]
        grouped.setdefault((s["flow"], s["newest_period"], vintage), []).append(s)
    for members in grouped.values():
        members.sort(key=lambda s: s["vintage"]["loaded_at"] or "", reverse=True)
    return sorted(
        grouped.items(),
        key=lambda item: (
            not item[1][0]["late"],
            item[0][0],
            -int(item[0][1].replace("-", "")),
            item[1][0]["series"],
        ),
    )


def _group_line(members: list[dict[str, Any]]) -> str:
    first = members[0]
    if len(members) == 1:
        label = first["series"]
        if first["reporters"] > 1:
            label += f" ({first['reporters']} reporters)"
    else:
        kind = KIND_PLURAL.get(first["kind"], "series")
        label = f"{len(members)} {kind} ({first['series']} …)"
    late = "  LATE" if first["late"] else ""
    label = label if len(label) <= 40 else label[:39] + "…"
    return f"{first['flow']:<6} {label:<40} {first['newest_period']}  {_vintage_text(first)}{late}"


def _more_line(hidden: list[Group]) -> str:
    members = [s for _, group in hidden for s in group]
    months = sorted(s["newest_period"] for s in members)
    late = sum(s["late"] for s in members)
    span = months[-1] if months[0] == months[-1] else f"{months[0]}..{months[-1]}"
    lateness = f", {late} late" if late else ""
    return f"+{len(members)} more series (newest month {span}{lateness}): see --format json"


def _fit(sizes: list[int], budget: int) -> list[int]:
    """Group lines shown per source so all sources fit in ``budget`` lines (a cut source
    takes one more line saying what it hides)."""
    for cap in range(max(sizes, default=0), -1, -1):
        if sum(min(n, cap) + (n > cap) for n in sizes) <= budget:
            return [min(n, cap) for n in sizes]
    return [0 for _ in sizes]


def _counts_text(run: dict[str, Any]) -> str:
    parts = [f"{run['loaded']} loaded"]
    parts += [f"{run[k]} {k}" for k in ("unchanged", "quarantined", "refused") if run[k]]
    return ", ".join(parts)


def _clock(moment: str | None) -> str:
    return (moment or "")[:16].replace("T", " ")


def _tail(status: dict[str, Any]) -> list[tuple[int, str]]:
    """Upcoming releases, quarantine, runs: every line but the sources'."""
    out: list[tuple[int, str]] = []
    if status["upcoming"]:
        out.append((0, "upcoming releases"))
        for u in status["upcoming"]:
            note = f"; {u['note']}" if u["note"] else ""
            out.append((1, f"{u['source']:<17} {u['period']} expected {u['expected_on']} "
                           f"({_known(u['from_calendar'])}{note})"))  # fmt: skip
    quarantine = status["quarantine"]
    count = quarantine["count"]
    if count:
        out.append((0, f"quarantine: {count} waiting for review (customs-etl quarantine show ID)"))
        for q in quarantine["documents"][:QUARANTINE_SHOWN]:
            out.append((1, f"{q['id'][:12]} {_clock(q['ingested_at'])} {q['file']}: {q['reason']}"))
        if count > QUARANTINE_SHOWN:
            out.append((1, f"+{count - QUARANTINE_SHOWN} more: customs-etl quarantine list"))
    else:
        out.append((0, "quarantine: nothing waiting for review"))
    if status["runs"]:
        out.append((0, "last run of each flow (warehouse records, UTC)"))
        for r in status["runs"]:
            out.append((1, f"{r['flow']:<17} {r['state']:<11} {_clock(r['ended_at'])} "
                           f"{r['seconds']:>7.1f} s  {_counts_text(r)}"))  # fmt: skip
    else:
        out.append((0, "last runs: none recorded in this warehouse"))
    prefect = status["prefect"]
    if prefect is not None:
        if prefect["error"]:
            out.append((0, f"prefect {prefect['api_url']}: not reached ({prefect['error']})"))
        else:
            out.append((0, f"prefect {prefect['api_url']}: last runs"))
            for p in prefect["runs"]:
                out.append((1, f"{p['flow']:<17} {p['state'] or '?':<11} "
                               f"{_clock(p['start_time'])} {p['name']}"))  # fmt: skip
            if not prefect["runs"]:
                out.append((1, "no customs-etl flow runs"))
    return out


def _outline(status: dict[str, Any]) -> list[tuple[int, str]]:
    """The status as (depth, line), depth 0 a heading; at most MAX_LINES lines in all."""
    head = [(0, f"warehouse {status['warehouse']} · today {status['today']} (Asia/Shanghai)")]
    tail = _tail(status)
    sources = status["sources"]
    body: list[tuple[int, str]] = [(0, "sources: newest month loaded, next release")]
    if not sources:
        body.append((1, "nothing loaded yet"))
    budget = MAX_LINES - len(head) - len(tail) - len(body) - len(sources)
    groups = [_groups(source["series"]) for source in sources]
    shown = _fit([len(g) for g in groups], budget)
    if any(cap < len(g) for cap, g in zip(shown, groups, strict=True)):  # too many: coarser
        groups = [
            g if cap >= len(g) else _groups(source["series"], coarse=True)
            for source, g, cap in zip(sources, groups, shown, strict=True)
        ]
        shown = _fit([len(g) for g in groups], budget)
    for source, its_groups, cap in zip(sources, groups, shown, strict=True):
        line = f"{source['source']:<17} {source['newest_period']}  {_release_text(source)}"
        body.append((1, line))
        body += [(2, _group_line(members)) for _, members in its_groups[:cap]]
        if len(its_groups) > cap:
            body.append((2, _more_line(its_groups[cap:])))
    return head + body + tail


def _cut(text: str) -> str:
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def render(status: dict[str, Any], fmt: str) -> str:
    """``text`` (one screen), ``markdown`` (the Prefect artifact) or ``json`` (everything)."""
    if fmt == "json":
        return json.dumps(status, ensure_ascii=False, indent=2)
    outline = _outline(status)
    if fmt == "markdown":
        lines = ["## customs-etl status"]
        for depth, text in outline:
            if depth == 0:
                lines += [*([""] if lines[-1] else []), f"**{text}**", ""]
            else:
                lines.append(f"{'  ' * (depth - 1)}- `{text}`")
        return "\n".join(lines) + "\n"
    return "\n".join(_cut("  " * depth + text) for depth, text in outline)
