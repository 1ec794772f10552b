"""Every statement about releases and reviews: store, load, quarantine, archive, look up, review.

All SQL that reads or writes ``raw.releases``, ``core.observations`` and
``meta.quarantine_reviews`` lives here, so the pipeline and the CLI speak in documents and
outcomes, never in SQL. Each write is ONE explicit transaction (DuckDB would otherwise commit a
``;``-separated batch statement by statement): the warehouse never holds half a load, and the
same bytes twice are a no-op because ``release_id`` is their sha256. Validation reports arrive
as objects and become JSON here, at the warehouse boundary.

Every write transaction first takes its ids from ``meta.load_counter`` (``_take_seqs``): on a
DuckLake that UPDATE makes concurrent writers conflict at COMMIT, the loser runs again
(``db.retrying``) and sees what the winner stored — so load_seq is unique and follows commit
order, and the same bytes are never stored twice, with no sequence and no PRIMARY KEY.
Functions named ``store_*`` run inside the caller's transaction; the others open their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import CURRENT_STATUSES, RawDocument, ReleaseReport, Status
from customs_etl.core.months import label
from customs_etl.core.queries import fetch_all, fetch_one
from customs_etl.core.schema import OBSERVATION_COLUMNS, to_arrow
from customs_etl.warehouse.transactions import retrying

if TYPE_CHECKING:  # pandas and pyarrow only where loads need them: status and reviews skip them
    import pandas as pd
    import pyarrow as pa

PARSER_VERSION = "3"  # 3: columnar query exports (same output as 2, checked by tests)
_CURRENT = tuple(str(s) for s in CURRENT_STATUSES)


@dataclass(frozen=True)
class StoredDecision:
    """What the warehouse decided about a document it has seen before, and what it was
    decided as: its flow, line, months and coverage (from its name or the options)."""

    status: Status
    message: str
    coverage: str
    flow: str | None = None
    commodity_code: str | None = None
    period_start: date | None = None
    period_end: date | None = None

    def decided_as(self) -> str:
        """'exports of 85051110 2025-08' (what a person reads in a refusal)."""
        noun = {"export": "exports", "import": "imports"}.get(self.flow or "", "figures")
        parts = [noun]
        if self.commodity_code:
            parts.append(f"of {self.commodity_code}")
        if self.period_start is not None:
            parts.append(label(self.period_start, self.period_end or self.period_start))
        if self.coverage == "partial":
            parts.append("(partial)")
        return " ".join(parts)


_DECISION_COLUMNS = (
    "status, message, coverage, flow, commodity_code, period_start, period_end"
)


def _decision(row: tuple) -> StoredDecision:
    status, message, coverage, flow, code, start, end = row
    return StoredDecision(Status(status), message or "", coverage or "full", flow, code, start,
                          end)  # fmt: skip


@dataclass(frozen=True)
class StoredRelease:
    """A stored document with its decision and report (for review and ``quarantine show``)."""

    doc: RawDocument
    status: Status
    message: str
    report: ReleaseReport


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def decision_of(con: duckdb.DuckDBPyConnection, release_id: str) -> StoredDecision | None:
    row = fetch_one(
        con, f"SELECT {_DECISION_COLUMNS} FROM raw.releases WHERE release_id = ?", [release_id]
    )
    return None if row is None else _decision(row)


def _take_seqs(con: duckdb.DuckDBPyConnection, count: int) -> int:
    """Reserve ``count`` load_seqs (0: only serialise); returns the first. Inside the caller's
    transaction, before anything else it writes."""
    con.execute(
        "UPDATE meta.load_counter SET last_load_seq = last_load_seq + ?", [count]
    )
    row = fetch_one(con, "SELECT last_load_seq FROM meta.load_counter")
    if row is None:
        raise CustomsEtlError("the warehouse has no load counter row (meta.load_counter)")
    return int(row[0]) - count + 1


def _insert_release(
    con: duckdb.DuckDBPyConnection,
    doc: RawDocument,
    *,
    load_seq: int,
    status: Status,
    row_count: int | None,
    message: str | None,
    report: ReleaseReport | None,
    replace: bool = False,
) -> None:
    if replace:  # the same bytes decided again (a quarantined export offered as partial)
        con.execute("DELETE FROM raw.releases WHERE release_id = ?", [doc.sha256])
    con.execute(
        "INSERT INTO raw.releases (release_id, load_seq, source, file_name, url, content,"
        " size_bytes, fetched_at, published_on, ingested_at, parser_version, flow,"
        " commodity_code, period_start, period_end, status, row_count, message,"
        " validation_report, coverage)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            doc.sha256,
            load_seq,
            doc.source,
            doc.name,
            doc.url,
            doc.content,
            len(doc.content),
            doc.fetched_at.replace(tzinfo=None),
            doc.published_on,
            _utc_now(),
            PARSER_VERSION,
            doc.flow,
            doc.commodity_code,
            doc.period_start,
            doc.period_end,
            str(status),
            row_count,
            message,
            report.to_json() if report is not None else None,
            str(doc.coverage),
        ],
    )
    for d in doc.datasets:  # what a revision-driven pull compares its source's versions with
        con.execute(
            # NOT EXISTS, not ON CONFLICT: a DuckLake has no PRIMARY KEY to conflict on.
            "INSERT INTO raw.release_datasets (release_id, dataset, version, reporter, period)"
            " SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM raw.release_datasets"
            " WHERE release_id = ? AND dataset = ?)",
            [doc.sha256, d.dataset, d.version, d.reporter, d.period, doc.sha256, d.dataset],
        )


def insert_observations(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    """Append canonical observations (Arrow, exact types) inside the caller's transaction."""
    con.register("incoming_observations", table)
    try:
        con.execute("INSERT INTO core.observations BY NAME SELECT * FROM incoming_observations")
    finally:
        con.unregister("incoming_observations")


def load_release(
    con: duckdb.DuckDBPyConnection,
    doc: RawDocument,
    observations: pa.Table | pd.DataFrame,
    report: ReleaseReport | None,
    *,
    replace: bool = False,
) -> int:
    """Insert the document and its observations atomically; returns rows loaded."""
    import pyarrow as pa

    table = observations if isinstance(observations, pa.Table) else to_arrow(observations)

    def store(con: duckdb.DuckDBPyConnection) -> None:
        _insert_release(
            con,
            doc,
            load_seq=_take_seqs(con, 1),
            status=Status.LOADED,
            row_count=table.num_rows,
            message=None,
            report=report,
            replace=replace,
        )
        insert_observations(con, table)

    retrying(con, store, what=f"loading {doc.name}")
    return table.num_rows


def quarantine_release(
    con: duckdb.DuckDBPyConnection,
    doc: RawDocument,
    *,
    message: str,
    report: ReleaseReport | None,
    replace: bool = False,
) -> None:
    """Keep the bytes and the reason, load no observation."""

    def store(con: duckdb.DuckDBPyConnection) -> None:
        _insert_release(
            con,
            doc,
            load_seq=_take_seqs(con, 1),
            status=Status.QUARANTINED,
            row_count=None,
            message=message,
            report=report,
            replace=replace,
        )

    retrying(con, store, what=f"quarantining {doc.name}")


def archive_release(con: duckdb.DuckDBPyConnection, doc: RawDocument) -> bool:
    """Keep a page that is evidence, not data (a bulletin index): status ``archived``.

    False when these bytes are already kept.
    """

    def store(con: duckdb.DuckDBPyConnection) -> bool:
        if decision_of(con, doc.sha256) is not None:
            return False
        _insert_release(con, doc, load_seq=_take_seqs(con, 1), status=Status.ARCHIVED,
                        row_count=None, message=None, report=None)  # fmt: skip
        return True

    return retrying(con, store, what=f"archiving {doc.name}")


def latest_for(
    con: duckdb.DuckDBPyConnection,
    source: str,
    flow: str,
    commodity_codes: Iterable[str],
    years: Iterable[int],
) -> pd.DataFrame:
    """Latest observations of the given lines and years: the history a new batch joins."""
    import pandas as pd

    codes, years = list(commodity_codes), list(years)
    if not codes or not years:
        return pd.DataFrame(columns=list(OBSERVATION_COLUMNS))
    # core.latest_of reads only the lines asked for (a filter on the view is not pushed into
    # its first scan).
    relation = con.sql(
        "SELECT * FROM core.latest_of($codes) WHERE source = $source AND flow = $flow"
        " AND commodity_code IN $codes AND year(period_end) IN $years"
        " AND period_end >= $first AND period_end < $after",
        params={
            "source": source,
            "flow": flow,
            "codes": codes,
            "years": years,
            "first": date(min(years), 1, 1),
            "after": date(max(years) + 1, 1, 1),
        },
    )
    return relation.to_arrow_table().to_pandas()  # Decimals and dates survive, unlike .df()


def held_periods(con: duckdb.DuckDBPyConnection, source: str) -> set[tuple[date, str]]:
    """(period_end, flow) of every loaded document of ``source``: what a poll need not fetch."""
    rows = con.execute(
        "SELECT DISTINCT period_end, flow FROM raw.releases WHERE source = ?"
        " AND status IN ? AND period_end IS NOT NULL",
        [source, list(_CURRENT)],
    ).fetchall()
    return {(period, flow) for period, flow in rows}


def newest_periods(con: duckdb.DuckDBPyConnection) -> dict[str, date]:
    """Per source, the newest month a current (loaded or released) document covers."""
    rows = con.execute(
        "SELECT source, max(period_end) FROM raw.releases WHERE status IN ?"
        " AND period_end IS NOT NULL GROUP BY source ORDER BY source",
        [list(_CURRENT)],
    ).fetchall()
    return dict(rows)


def dataset_versions(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    """Dataset → the version carried by the newest loaded, released or dropped document of
    ``source`` (a quarantined one is fetched again: its problem may have been passing)."""
    rows = con.execute(
        "SELECT d.dataset, arg_max(d.version, r.load_seq) FROM raw.release_datasets AS d"
        " JOIN raw.releases AS r USING (release_id) WHERE r.source = ? AND r.status IN ?"
        " GROUP BY d.dataset",
        [source, [*_CURRENT, str(Status.DROPPED)]],
    ).fetchall()
    return dict(rows)


def dataset_loads(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str, int]]:
    """Dataset → (version, load_seq) of the newest loaded, released, dropped or archived (an
    answer of no rows) document of ``source`` that carried it: when two datasets overlap (one
    commodity of a month, and the whole month), the later load tells which version is held."""
    rows = con.execute(
        "SELECT d.dataset, arg_max(d.version, r.load_seq), max(r.load_seq)"
        " FROM raw.release_datasets AS d JOIN raw.releases AS r USING (release_id)"
        " WHERE r.source = ? AND r.status IN ? GROUP BY d.dataset",
        [source, [*_CURRENT, str(Status.DROPPED), str(Status.ARCHIVED)]],
    ).fetchall()
    return {dataset: (version, seq) for dataset, version, seq in rows}


def reported_partner_codes(
    con: duckdb.DuckDBPyConnection, source: str, reporter: str, flow: str, period: date
) -> list[str]:
    """The publisher's codes of the partners ``reporter`` reports for the month (World left
    out), from current figures."""
    rows = con.execute(
        "SELECT DISTINCT source_partner_code FROM core.latest WHERE source = ? AND reporter = ?"
        " AND flow = ? AND period_start = ? AND period_end = ? AND partner <> 'WLD'"
        " AND source_partner_code IS NOT NULL ORDER BY 1",
        [source, reporter, flow, period, period],
    ).fetchall()
    return [code for (code,) in rows]


def current_sources(con: duckdb.DuckDBPyConnection, excluding: str) -> list[tuple[str, int]]:
    """(source, documents) of loaded releases from every source but ``excluding``."""
    return con.execute(
        "SELECT source, count(*) FROM raw.releases WHERE status IN ? AND source <> ?"
        " GROUP BY source ORDER BY source",
        [list(_CURRENT), excluding],
    ).fetchall()


# ---------------------------------------------------------------- quarantine and review


def quarantined(con: duckdb.DuckDBPyConnection) -> list[tuple[str, datetime, str, str]]:
    """(id, ingested at, file, reason) of every quarantined document, newest first."""
    return fetch_all(  # a literal, not a bound value: binding imports pandas (core.sql_text)
        con,
        "SELECT release_id, ingested_at, coalesce(file_name, ''), coalesce(message, '')"
        " FROM raw.releases WHERE status = ? ORDER BY load_seq DESC",
        [str(Status.QUARANTINED)],
    )


def find_release(con: duckdb.DuckDBPyConnection, prefix: str) -> StoredRelease:
    """The one document whose id starts with ``prefix`` (a literal prefix, no wildcards)."""
    rows = con.execute(
        "SELECT release_id, status, file_name, source, content, url, fetched_at, published_on,"
        " flow, commodity_code, period_start, period_end, coverage, message, validation_report"
        " FROM raw.releases WHERE starts_with(release_id, ?)",
        [prefix.strip().lower()],
    ).fetchall()
    if len(rows) != 1:
        raise CustomsEtlError(f"{len(rows)} documents match id {prefix!r}; give more of the id")
    (rid, status, name, source, content, url, fetched, published, flow, code, start, end,
     coverage, message, report) = rows[0]  # fmt: skip
    doc = RawDocument(
        name=name or rid,
        source=source,
        content=bytes(content),
        url=url,
        fetched_at=fetched.replace(tzinfo=UTC) if fetched else datetime.now(UTC),
        published_on=published,
        flow=flow,
        commodity_code=code,
        period_start=start,
        period_end=end,
        coverage=coverage or "full",
    )
    return StoredRelease(doc, Status(status), message or "", ReleaseReport.from_json(report))


def reviews_of(con: duckdb.DuckDBPyConnection, release_id: str) -> list[tuple]:
    """(action, reviewer, reviewed at, reason) of one document's reviews, oldest first."""
    try:
        return con.execute(
            "SELECT action, reviewer, reviewed_at, reason FROM meta.quarantine_reviews"
            " WHERE release_id = ? ORDER BY review_id",
            [release_id],
        ).fetchall()
    except duckdb.CatalogException:  # a warehouse from before reviews existed
        return []


def _audit(
    con: duckdb.DuckDBPyConnection,
    release_id: str,
    action: Status,
    reason: str,
    reviewer: str,
    waived: list[dict[str, Any]] | None = None,
    rows: int | None = None,
) -> None:
    con.execute(
        "INSERT INTO meta.quarantine_reviews (review_id, release_id, action, reason, reviewer,"
        " reviewed_at, waived_checks, rows_loaded) SELECT coalesce(max(review_id), 0) + 1,"
        " ?, ?, ?, ?, ?, ?, ? FROM meta.quarantine_reviews",
        [
            release_id,
            str(action),
            reason,
            reviewer,
            _utc_now(),
            None if waived is None else json.dumps(waived),
            rows,
        ],
    )


def store_release_reviewed(
    con: duckdb.DuckDBPyConnection,
    doc: RawDocument,
    observations: pa.Table,
    report: ReleaseReport,
    reviewer: str,
    reason: str,
    waived: list[dict[str, Any]],
) -> int:
    """Load a quarantined document after review: status, observations and audit row, inside
    the caller's ONE transaction. It keeps its place in load order (its vintage is when it
    arrived)."""
    table = observations
    _take_seqs(con, 0)
    con.execute(
        "UPDATE raw.releases SET status = ?, row_count = ?, message = ?,"
        " validation_report = ?, coverage = ? WHERE release_id = ?",
        [
            str(Status.RELEASED),
            table.num_rows,
            f"released by {reviewer}: {reason}",
            report.to_json(),
            str(doc.coverage),
            doc.sha256,
        ],
    )
    insert_observations(con, table)
    _audit(con, doc.sha256, Status.RELEASED, reason, reviewer, waived, table.num_rows)
    return table.num_rows


def store_drop_reviewed(
    con: duckdb.DuckDBPyConnection, release_id: str, reviewer: str, reason: str
) -> None:
    """Decide a quarantined document never loads; bytes and report stay (audited). Inside the
    caller's transaction."""
    _take_seqs(con, 0)
    con.execute(
        "UPDATE raw.releases SET status = ?, message = message || ? WHERE release_id = ?",
        [str(Status.DROPPED), f" [dropped by {reviewer}: {reason}]", release_id],
    )
    _audit(con, release_id, Status.DROPPED, reason, reviewer)


def store_withdraw_reviewed(
    con: duckdb.DuckDBPyConnection, release_id: str, reviewer: str, reason: str
) -> int:
    """Take a loaded release out of the current figures (audited), inside the caller's
    transaction: its rows move to meta.withdrawn_observations (kept, counted nowhere), its
    bytes and report stay, and the same bytes may be offered again. Returns the rows moved."""
    _take_seqs(con, 0)
    _audit(con, release_id, Status.WITHDRAWN, reason, reviewer)
    (review_id,) = fetch_one(con, "SELECT max(review_id) FROM meta.quarantine_reviews") or (None,)
    con.execute(
        "INSERT INTO meta.withdrawn_observations SELECT *, ? FROM core.observations"
        " WHERE release_id = ?",
        [review_id, release_id],
    )
    moved = con.execute(
        "DELETE FROM core.observations WHERE release_id = ?", [release_id]
    ).fetchall()
    con.execute(
        "UPDATE raw.releases SET status = ?, message = coalesce(message || ' ', '') || ?"
        " WHERE release_id = ?",
        [str(Status.WITHDRAWN), f"[withdrawn by {reviewer}: {reason}]", release_id],
    )
    return int(moved[0][0]) if moved else 0


def newer_full_vintages(
    con: duckdb.DuckDBPyConnection, release_id: str
) -> list[tuple[date, date, str, str]]:
    """(period start, end, release id, file) of the newest full vintage loaded after
    ``release_id`` for each slice it publishes: the ones that stay current over it."""
    return con.execute(
        """
        WITH mine AS (
            SELECT DISTINCT source, reporter, flow, commodity_code, period_start, period_end,
                            basis
            FROM core.observations WHERE release_id = $rid
        ),
        newer AS (
            SELECT m.period_start, m.period_end, r.release_id, r.file_name,
                   row_number() OVER (PARTITION BY m.source, m.reporter, m.flow,
                                      m.commodity_code, m.period_start, m.period_end, m.basis
                                      ORDER BY r.load_seq DESC) AS n
            FROM mine AS m
            JOIN core.observations AS o USING (source, reporter, flow, commodity_code,
                                               period_start, period_end, basis)
            JOIN raw.releases AS r ON r.release_id = o.release_id
            WHERE r.status IN $current AND r.coverage = 'full'
              AND r.load_seq > (SELECT load_seq FROM raw.releases WHERE release_id = $rid)
        )
        SELECT DISTINCT period_start, period_end, release_id, file_name FROM newer
        WHERE n = 1 ORDER BY period_start, period_end
        """,
        {"rid": release_id, "current": list(_CURRENT)},
    ).fetchall()


def decisions_of(
    con: duckdb.DuckDBPyConnection, release_ids: Sequence[str]
) -> dict[str, StoredDecision]:
    """What the warehouse decided about each of these documents it has seen before."""
    if not release_ids:
        return {}
    rows = con.execute(
        f"SELECT release_id, {_DECISION_COLUMNS} FROM raw.releases WHERE release_id IN ?",
        [list(release_ids)],
    ).fetchall()
    return {rid: _decision(tuple(rest)) for rid, *rest in rows}


@dataclass(frozen=True)
class Decision:
    """One document of a batch as it will be stored."""

    doc: RawDocument
    status: Status  # LOADED or QUARANTINED
    report: ReleaseReport
    message: str | None = None
    replace: bool = False  # the same bytes were stored before and are decided again
    rows: int = 0


def store_batch(
    con: duckdb.DuckDBPyConnection, decisions: Sequence[Decision], observations: pa.Table
) -> None:
    """Store a batch inside the caller's transaction: every document's row (in load order,
    so vintages follow the batch) and the observations of the loaded ones."""
    loaded = [d.doc.sha256 for d in decisions if d.status == Status.LOADED]
    first = _take_seqs(con, len(decisions))
    for offset, d in enumerate(decisions):
        _insert_release(
            con,
            d.doc,
            load_seq=first + offset,
            status=d.status,
            row_count=d.rows if d.status == Status.LOADED else None,
            message=d.message,
            report=d.report,
            replace=d.replace,
        )
    if loaded and observations.num_rows:
        insert_observations(con, observations)
