"""What a batch would do to the warehouse's history, in SQL, before anything is committed.

A batch (canonical observations of several documents, in load order) is staged beside
``core.latest`` on the writer's connection. Every state is computed the way ``core.latest``
computes the current one: per slice (source, reporter, flow, line, period, basis) the newest
full release is the base, and partial releases after it replace only the cells (partner ×
trade mode × region) they carry. Only the history the batch touches is read: its sources,
flows and tariff lines in the years it publishes.

From those states come the numbers the history checks need, as small frames: coverage (what
each full document lacks of the figures it would replace), restatements (per document, against
the state just before it: history plus the batch's earlier documents), and the YTD
reconciliation before and after the batch (one row per published YTD figure whose months are
known, with its gap to the sum of the months). ``transforms.ytd`` decides what is explained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customs_etl.core.models import CURRENT_STATUSES
from customs_etl.core.months import add_months
from customs_etl.core.schema import RECONCILIATION_COLUMNS

# The reporter is part of a slice: one partner's report (UN Comtrade mirror figures) never
# replaces another's. Every GACC figure has reporter CN, so for them nothing changes.
SLICE = "source, reporter, flow, commodity_code, period_start, period_end, basis"
CELL = "partner, source_partner_code, trade_mode, region_code"


def _names(columns: str) -> list[str]:
    return [c.strip() for c in columns.split(",")]


def _prefixed(alias: str, columns: str) -> str:
    """``a, b`` → ``o.a, o.b``: the columns of one side of a join."""
    return ", ".join(f"{alias}.{name}" for name in _names(columns))


def _latest_of(vintages: str, keys: str = "") -> str:
    """SQL for the state a set of vintages adds up to (``core.latest``'s rule), per ``keys``
    (extra partition columns, e.g. the document whose prior state this is).

    Per slice the newest full vintage is the base and newer partial vintages replace the cells
    they carry. Only slices with such a partial vintage need the per-cell window (slow in DuckDB
    with ten partition columns); every other slice is its base as it is."""
    by = f"{keys}, " if keys else ""
    return f"""
    (WITH v AS (SELECT * FROM {vintages}),
     bases AS (
        SELECT {by}{SLICE}, arg_max(seq, (verified, seq)) FILTER (WHERE coverage = 'full')
                   AS base_seq,
               max(seq) FILTER (WHERE coverage = 'partial') AS partial_seq
        FROM v GROUP BY ALL
     ),
     candidates AS (
        SELECT v.*, b.base_seq IS NOT NULL AS slice_complete,
               coalesce(b.partial_seq > coalesce(b.base_seq, -1), false) AS patched
        FROM v JOIN bases AS b USING ({by}{SLICE})
        WHERE v.seq = b.base_seq OR (v.coverage = 'partial' AND v.seq > coalesce(b.base_seq, -1))
     )
     SELECT * EXCLUDE (patched) FROM candidates WHERE NOT patched
     UNION ALL
     SELECT * EXCLUDE (patched) FROM candidates WHERE patched
     QUALIFY seq = max(seq) OVER (PARTITION BY {by}{SLICE}, {CELL}))"""


@dataclass(frozen=True)
class CoverageFinding:
    """A document that cannot replace a slice as it is: what it lacks, or another breakdown."""

    release_id: str
    commodity_code: str
    basis: str
    period: str
    missing_partners: tuple[str, ...]
    partners_held: int
    missing_trade_modes: tuple[str, ...]
    trade_modes_held: int
    grain: str
    grain_held: str | None

    def describe(self, shown: int = 5) -> str:
        def lacks(missing: tuple[str, ...], held: int, noun: str) -> str:
            more = f" +{len(missing) - shown} more" if len(missing) > shown else ""
            return (
                f"lacks {len(missing)} of the {held} {noun}s it holds "
                f"({', '.join(missing[:shown])}{more})"
            )

        head = f"{self.commodity_code} {self.basis} {self.period}: "
        if self.grain_held is not None and self.grain != self.grain_held:
            return (
                head + f"the release is by {self.grain}, the warehouse holds it by "
                f"{self.grain_held}"
            )
        parts = []
        if self.missing_partners:
            parts.append(lacks(self.missing_partners, self.partners_held, "partner"))
        if self.missing_trade_modes:
            parts.append(lacks(self.missing_trade_modes, self.trade_modes_held, "trade mode"))
        return head + " and ".join(parts)


@dataclass(frozen=True)
class FullExportShare:
    """A full document of a new month (or cumulative) beside the latest complete figure before
    it: how much of that figure its partners and trade modes held."""

    release_id: str
    commodity_code: str
    basis: str
    period: date
    previous: date
    previous_kg: float
    partners_kg: float
    modes_kg: float | None
    missing_partners: tuple[str, ...]
    missing_modes: tuple[str, ...]

    @property
    def partner_share(self) -> float:
        return self.partners_kg / self.previous_kg if self.previous_kg else 1.0

    @property
    def mode_share(self) -> float:
        if self.modes_kg is None or not self.previous_kg:
            return 1.0
        return self.modes_kg / self.previous_kg


def _sql(name: str) -> str:
    """A query kept in ``warehouse/sql`` (values go in as named parameters)."""
    return (resources.files("customs_etl.warehouse") / "sql" / name).read_text(encoding="utf-8")


class BatchHistory:
    """A batch staged on the writer's connection; drop documents and ask again as needed."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        observations: pa.Table,
        documents: Sequence[tuple[str, str]],
    ) -> None:
        """``observations``: the batch's canonical rows; ``documents``: (release id, coverage)
        in load order."""
        self.con = con
        self._built: set[str] = set()  # derived temp tables still current (drop() clears)
        # Only what the checks read, with kilograms as DOUBLE cast by Arrow (DuckDB 1.5's
        # DECIMAL(38,12) → DOUBLE cast costs ~1 s for 300,000 rows; Arrow's, 20 ms).
        wanted = ["release_id", "grain", *_names(SLICE), *_names(CELL)]
        staged = observations.select(wanted).append_column(
            "kg", pc.cast(observations.column("quantity_kg"), pa.float64())
        )
        con.register("batch_arrow", staged)
        con.register(
            "batch_docs_arrow",
            pa.table(
                {
                    "release_id": [d for d, _ in documents],
                    "seq": pa.array(range(1, len(documents) + 1), pa.int64()),
                    "coverage": [c for _, c in documents],
                }
            ),
        )
        con.execute("CREATE OR REPLACE TEMP TABLE batch_docs AS FROM batch_docs_arrow")
        # By series (a preliminary figure is an early vintage of the bulletin's series) and
        # with each vintage's rank in it: core.latest's rule (view files), applied here.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE batch_obs AS SELECT release_id, seq, coverage, kg,"
            f" grain, core.series_source(o.source) AS {SLICE}, {CELL},"
            " core.source_rank(o.source) AS verified"
            " FROM batch_arrow AS o JOIN batch_docs AS d USING (release_id)"
        )
        self._read_history()

    def _read_history(self) -> None:
        """``core.latest`` for the batch's sources, flows, lines and years, as vintage 0."""
        con = self.con
        scope = con.execute(
            "SELECT list(DISTINCT source), list(DISTINCT flow), list(DISTINCT commodity_code),"
            " min(period_start), max(year(period_end)) FROM batch_obs"
        ).fetchall()[0]
        sources, flows, codes, first, last = scope
        if not codes:
            con.execute("CREATE OR REPLACE TEMP TABLE hist AS SELECT * FROM batch_obs LIMIT 0")
            return
        # core.latest's rule (``_latest_of``) over only the batch's sources, flows, lines
        # and years, filtered in the first scan: a slice's vintages share its period, so the
        # filter keeps whole slices. Through ``core.latest_of`` every year of the lines was
        # aggregated first, and the memory that took grew with the warehouse. The months of
        # the twelve before the batch's first come too: a new month is compared with the
        # latest complete one before it (``full_export_coverage``).
        series = "core.series_source(o.source)"
        vintages = (
            f"(SELECT o.release_id, o.grain, o.quantity_kg, {series} AS"
            f" {_prefixed('o', SLICE).removeprefix('o.')}, {_prefixed('o', CELL)},"
            " r.load_seq AS seq, r.coverage, core.source_rank(o.source) AS verified"
            " FROM core.observations AS o JOIN raw.releases AS r USING (release_id)"
            f" WHERE r.status IN $current AND {series} IN $sources AND o.flow IN $flows"
            " AND o.commodity_code IN $codes AND o.period_end >= $first AND o.period_end < $after"
            f" AND (({series}, o.flow, o.commodity_code, year(o.period_end)) IN ("
            "   SELECT DISTINCT (source, flow, commodity_code, year(period_end)) FROM batch_obs)"
            "  OR (o.basis = 'month' AND o.period_start = o.period_end"
            f"   AND ({series}, o.flow, o.commodity_code) IN ("
            "    SELECT DISTINCT (source, flow, commodity_code) FROM batch_obs))))"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE hist AS"
            " SELECT release_id, CAST(0 AS BIGINT) AS seq,"
            " CASE WHEN slice_complete THEN 'full' ELSE 'partial' END AS coverage,"
            f" CAST(quantity_kg AS DOUBLE) AS kg, grain, {SLICE}, {CELL}, verified"
            f" FROM {_latest_of(vintages)}",
            {
                "current": [str(s) for s in CURRENT_STATUSES],
                "sources": sources,
                "flows": flows,
                "codes": codes,
                "first": min(add_months(first, -12), date(first.year, 1, 1)),
                "after": date(last + 1, 1, 1),
            },
        )

    def documents(self) -> list[str]:
        """The batch's documents still in it, in load order."""
        return [
            rid
            for (rid,) in self.con.execute(
                "SELECT release_id FROM batch_docs ORDER BY seq"
            ).fetchall()
        ]

    def drop(self, release_ids: Sequence[str]) -> None:
        """Take documents out of the batch (they are quarantined); the rest is asked again."""
        if not release_ids:
            return
        ids = {"ids": list(release_ids)}
        self._built.clear()
        self.con.execute("DELETE FROM batch_obs WHERE release_id IN $ids", ids)
        self.con.execute("DELETE FROM batch_docs WHERE release_id IN $ids", ids)

    def close(self) -> None:
        self.con.execute("DROP VIEW IF EXISTS vintages")
        for name in (
            "batch_obs",
            "batch_docs",
            "hist",
            "doc_slices",
            "prior_vintages",
            "upto_vintages",
            "prior_state",
            "upto_state",
            "stale_ytd",
            "stale_now",
        ):
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
        for name in ("batch_arrow", "batch_docs_arrow"):
            self.con.unregister(name)

    # ------------------------------------------------------------------ states per document

    _COLUMNS = f"release_id, seq, coverage, kg, grain, {SLICE}, {CELL}, verified"

    def _vintages(self) -> None:
        """History (vintage 0) and the batch's documents (1, 2, …) as one table."""
        if "vintages" in self._built:
            return
        self._built.add("vintages")
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW vintages AS
            SELECT {self._COLUMNS} FROM hist UNION ALL SELECT {self._COLUMNS} FROM batch_obs
            """
        )

    def _prior_and_after(self) -> None:
        """For each (document, slice it publishes): the state just before it (history and
        the batch's earlier documents) and just after it, as temp tables."""
        if "states" in self._built:
            return
        con = self.con
        self._vintages()
        self._built.add("states")
        # Only contested slices have a prior state: those history holds and those more than
        # one document of the batch publishes. A slice only one document brings is new, so it
        # restates nothing and lacks nothing, and most of a month's slices are like that.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE doc_slices AS
            WITH contested AS (
                SELECT DISTINCT {SLICE} FROM hist
                UNION
                SELECT {SLICE} FROM batch_obs GROUP BY ALL HAVING count(DISTINCT release_id) > 1
            )
            SELECT DISTINCT release_id AS doc, seq AS doc_seq, coverage AS doc_coverage,
                   grain AS doc_grain, {SLICE}
            FROM batch_obs SEMI JOIN contested USING ({SLICE})
            """
        )
        # One join of the batch with the contested slices (it scans every row of the batch);
        # the state before each document is a subset of the state up to it.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE upto_vintages AS
            SELECT d.doc, d.doc_seq, v.* FROM doc_slices AS d JOIN vintages AS v USING ({SLICE})
            WHERE v.seq <= d.doc_seq
              AND v.commodity_code IN (SELECT DISTINCT commodity_code FROM doc_slices)
            """
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE prior_vintages AS"
            " SELECT * FROM upto_vintages WHERE seq < doc_seq"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE prior_state AS SELECT * FROM"
            f" {_latest_of('prior_vintages', 'doc')}"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE upto_state AS SELECT * FROM"
            f" {_latest_of('upto_vintages', 'doc')}"
        )

    def coverage(self) -> list[CoverageFinding]:
        """Full documents lacking partners or trade modes of the figures they would replace,
        and partial documents whose breakdown differs from the figures they would update."""
        self._prior_and_after()
        rows = self.con.execute(
            f"""
            WITH held AS (
                SELECT doc, {SLICE},
                       list(DISTINCT partner ORDER BY partner)
                           FILTER (WHERE partner IS NOT NULL AND partner <> 'WLD') AS partners,
                       list(DISTINCT trade_mode ORDER BY trade_mode)
                           FILTER (WHERE trade_mode IS NOT NULL) AS modes,
                       min(grain) AS grain_held
                FROM prior_state GROUP BY ALL
            ),
            mine AS (  -- only the contested slices: the rest are new, nothing to lack
                SELECT release_id AS doc, {SLICE},
                       list(DISTINCT partner ORDER BY partner)
                           FILTER (WHERE partner IS NOT NULL AND partner <> 'WLD') AS partners,
                       list(DISTINCT trade_mode ORDER BY trade_mode)
                           FILTER (WHERE trade_mode IS NOT NULL) AS modes
                FROM batch_obs
                SEMI JOIN (SELECT doc AS release_id, {SLICE} FROM doc_slices)
                    USING (release_id, {SLICE})
                GROUP BY ALL
            )
            SELECT d.doc, d.doc_coverage, d.doc_grain, h.grain_held, d.commodity_code, d.basis,
                   d.period_start, d.period_end,
                   list_filter(coalesce(h.partners, []),
                               x -> NOT list_contains(coalesce(m.partners, []), x)),
                   len(coalesce(h.partners, [])),
                   list_filter(coalesce(h.modes, []),
                               x -> NOT list_contains(coalesce(m.modes, []), x)),
                   len(coalesce(h.modes, []))
            FROM doc_slices AS d
            JOIN held AS h ON h.doc = d.doc AND h.source = d.source AND h.flow = d.flow
             AND h.reporter = d.reporter
             AND h.commodity_code = d.commodity_code AND h.period_start = d.period_start
             AND h.period_end = d.period_end AND h.basis = d.basis
            JOIN mine AS m ON m.doc = d.doc AND m.source = d.source AND m.flow = d.flow
             AND m.reporter = d.reporter
             AND m.commodity_code = d.commodity_code AND m.period_start = d.period_start
             AND m.period_end = d.period_end AND m.basis = d.basis
            ORDER BY d.doc_seq, d.commodity_code, d.period_start, d.period_end, d.basis
            """
        ).fetchall()
        findings = []
        for (
            doc,
            coverage,
            grain,
            grain_held,
            code,
            basis,
            start,
            end,
            partners,
            n_partners,
            modes,
            n_modes,
        ) in rows:
            period = f"{start:%Y-%m}" if start == end else f"{start:%Y-%m}..{end:%Y-%m}"
            if coverage == "partial":
                if grain_held is not None and grain != grain_held:
                    findings.append(
                        CoverageFinding(
                            doc, code, basis, period, (), n_partners, (), n_modes, grain, grain_held
                        )
                    )
                continue
            if partners or modes:
                findings.append(
                    CoverageFinding(
                        doc,
                        code,
                        basis,
                        period,
                        tuple(partners),
                        n_partners,
                        tuple(modes),
                        n_modes,
                        grain,
                        None,
                    )
                )
        return findings

    def full_export_coverage(self) -> list[FullExportShare]:
        """Full documents that bring a month or cumulative no earlier vintage holds, each beside
        the latest complete figure of the same series before it (``warehouse/sql``)."""
        self._vintages()
        rows = self.con.execute(_sql("full_export_coverage.sql")).fetchall()
        found = []
        for doc, code, basis, new_end, prev_end, prev_kg, partners_kg, modes_kg, *missing in rows:
            found.append(
                FullExportShare(
                    doc, code, basis, new_end, prev_end, float(prev_kg or 0),
                    float(partners_kg or 0), None if modes_kg is None else float(modes_kg),
                    tuple(missing[0] or ()), tuple(missing[1] or ()),
                )
            )
        return found

    def bulletin_against_preliminary(self, observations: pa.Table) -> list[tuple]:
        """The batch's bulletin month values beside the preliminary release's of the same
        month and row: (release id, line, label, month, currency, bulletin, preliminary)."""
        source = observations.column("source")
        mine = observations.filter(
            pc.and_(
                pc.equal(source, "gacc_bulletin"),
                pc.and_(pc.equal(observations.column("basis"), "month"),
                        pc.equal(observations.column("partner"), "WLD")),
            )
        ).select(["release_id", "flow", "commodity_code", "commodity_label", "period_start",
                  "period_end", "currency", "value_usd", "value_cny"])  # fmt: skip
        if mine.num_rows == 0:
            return []
        self.con.register("bulletin_values", mine)
        try:
            return self.con.execute(_sql("bulletin_vs_preliminary.sql")).fetchall()
        finally:
            self.con.unregister("bulletin_values")

    def restatements(self) -> pd.DataFrame:
        """Per document: figures it restates, per slice already held (in history or by an
        earlier document of the batch) and partner, against the state just before it."""
        self._prior_and_after()
        frame = self.con.execute(
            f"""
            WITH sums AS (
                SELECT 'old' AS side, doc, {SLICE}, partner, sum(kg) AS kg
                FROM prior_state GROUP BY ALL
                UNION ALL
                SELECT 'new', doc, {SLICE}, partner, sum(kg) FROM upto_state GROUP BY ALL
            ),
            held AS (SELECT DISTINCT doc, {SLICE} FROM prior_state),
            pivoted AS (
                SELECT doc, {SLICE}, partner,
                       coalesce(sum(kg) FILTER (WHERE side = 'old'), 0) AS old_kg,
                       coalesce(sum(kg) FILTER (WHERE side = 'new'), 0) AS new_kg
                FROM sums JOIN held USING (doc, {SLICE}) GROUP BY ALL
            )
            SELECT doc AS release_id, source, flow, commodity_code, partner, period_start,
                   period_end, basis, old_kg, new_kg, new_kg - old_kg AS delta_kg,
                   CASE WHEN old_kg <> 0 THEN (new_kg - old_kg) / old_kg * 100 END AS delta_pct,
                   abs(new_kg - old_kg) > core.large_revision_kg(old_kg) AS large
            FROM pivoted WHERE abs(old_kg - new_kg) > 1e-9
            ORDER BY release_id, source, flow, commodity_code, period_start, period_end, basis,
                     partner
            """
        ).df()
        for column in ("period_start", "period_end"):  # dates, as every other frame has them
            frame[column] = frame[column].dt.date
        return frame

    def reconciliation(self, after: bool) -> pd.DataFrame:
        """The YTD checks on history (``after`` False) or on history with the whole batch."""
        con = self.con
        # Checks exist only where a YTD figure is published: read only those lines' years.
        with_ytd = (
            "(source, flow, commodity_code, year(period_end)) IN (SELECT DISTINCT (source, flow,"
            " commodity_code, year(period_end)) FROM {} WHERE basis = 'ytd')"
        )
        self._stale_cumulatives()
        if after:
            self._vintages()
            scoped = f"(SELECT * FROM vintages WHERE {with_ytd.format('vintages')})"
            state = f"(SELECT * FROM {_latest_of(scoped)} WHERE slice_complete)"
            # a stale cumulative the batch publishes again is the batch's own, and checked
            con.execute(
                "CREATE OR REPLACE TEMP TABLE stale_now AS SELECT * FROM stale_ytd"
                " WHERE (source, flow, commodity_code, year, through) NOT IN ("
                "   SELECT DISTINCT (source, flow, commodity_code, year(period_end),"
                "   month(period_end)) FROM batch_obs WHERE basis = 'ytd')"
            )
            skip = "stale_now"
        else:
            state = f"(SELECT * FROM hist WHERE coverage = 'full' AND {with_ytd.format('hist')})"
            skip = "stale_ytd"
        frame = con.execute(_reconcile_sql(state, skip)).df()
        return frame[list(RECONCILIATION_COLUMNS)]

    def _stale_cumulatives(self) -> None:
        """The history's cumulatives a newer month vintage revised (``warehouse/sql``): they
        hold an old figure, so no check is made against them — the marts flag them stale."""
        if getattr(self, "_stale_done", False):
            return
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE stale_ytd AS " + _sql("stale_cumulatives.sql")
        )
        self._stale_done = True

    def published_ytd(self) -> set[tuple[str, str, str, int, int]]:
        """(source, flow, line, year, through month) of every YTD figure in the batch."""
        return {
            tuple(row)  # type: ignore[misc]
            for row in self.con.execute(
                "SELECT DISTINCT source, flow, commodity_code, year(period_end),"
                " month(period_end) FROM batch_obs WHERE basis = 'ytd'"
            ).fetchall()
        }

    def documents_touching(
        self,
        source: str,
        flow: str,
        code: str,
        year: int,
        months: Sequence[int],
        basis_months: bool,
    ) -> list[str]:
        """Documents of the batch publishing figures of ``code`` in ``year``: month figures in
        ``months`` (``basis_months``) or YTD figures ending in them."""
        basis = "month" if basis_months else "ytd"
        column = "period_start" if basis_months else "period_end"
        return [
            doc
            for (doc,) in self.con.execute(
                f"SELECT DISTINCT release_id FROM batch_obs WHERE source = ? AND flow = ?"
                f" AND commodity_code = ? AND basis = ? AND year({column}) = ?"
                f" AND month({column}) IN ?",
                [source, flow, code, basis, year, list(months)],
            ).fetchall()
        ]


def _reconcile_sql(state: str, skip: str) -> str:
    """One row per published YTD figure whose months are known (see ``transforms.ytd``):
    ``sum`` — YTD(m) vs Σ months 1..m (a combined January–February YTD standing in for the two
    months), ``step`` — YTD(m) vs YTD(m−1) + month(m). A partner with no row in a month that
    is present traded nothing then; tolerance max(1 t, 0.1 %)."""
    return f"""
    WITH st AS (SELECT * FROM {state}),
    sums AS (
        SELECT source, flow, commodity_code, 'WLD' AS partner, period_start, period_end, basis,
               sum(kg) AS kg
        FROM st GROUP BY ALL
        UNION ALL
        SELECT source, flow, commodity_code, partner, period_start, period_end, basis, sum(kg)
        FROM st WHERE partner IS NOT NULL AND partner <> 'WLD' GROUP BY ALL
    ),
    months AS (
        SELECT source, flow, commodity_code, partner, year(period_start) AS y,
               month(period_start) AS m, sum(kg) AS kg
        FROM sums WHERE basis = 'month' GROUP BY ALL
    ),
    present AS (SELECT DISTINCT source, flow, commodity_code, y, m FROM months),
    ytds AS (
        SELECT source, flow, commodity_code, partner, year(period_end) AS y,
               month(period_start) AS start_m, month(period_end) AS through, kg
        FROM sums WHERE basis = 'ytd'
          AND (source, flow, commodity_code, year(period_end), month(period_end)) NOT IN (
              SELECT (source, flow, commodity_code, year, through) FROM {skip})
    ),
    jan_feb AS (
        SELECT source, flow, commodity_code, partner, y, kg FROM ytds
        WHERE start_m = 1 AND through = 2
    ),
    ytd_present AS (SELECT DISTINCT source, flow, commodity_code, y, through FROM ytds),
    spans AS (
        SELECT t.*,
            (SELECT count(*) FROM present AS p
             WHERE p.source = t.source AND p.flow = t.flow AND p.commodity_code = t.commodity_code
               AND p.y = t.y AND p.m <= t.through) AS n_all,
            (SELECT count(*) FROM present AS p
             WHERE p.source = t.source AND p.flow = t.flow AND p.commodity_code = t.commodity_code
               AND p.y = t.y AND p.m BETWEEN 3 AND t.through) AS n_from3,
            coalesce((SELECT sum(mo.kg) FROM months AS mo
                      WHERE mo.source = t.source AND mo.flow = t.flow
                        AND mo.commodity_code = t.commodity_code AND mo.partner = t.partner
                        AND mo.y = t.y AND mo.m <= t.through), 0) AS all_kg,
            coalesce((SELECT sum(mo.kg) FROM months AS mo
                      WHERE mo.source = t.source AND mo.flow = t.flow
                        AND mo.commodity_code = t.commodity_code AND mo.partner = t.partner
                        AND mo.y = t.y AND mo.m BETWEEN 3 AND t.through), 0) AS from3_kg,
            jf.kg AS jf_kg
        FROM ytds AS t
        LEFT JOIN jan_feb AS jf USING (source, flow, commodity_code, partner, y)
    ),
    sum_checks AS (
        SELECT 'sum' AS "check", source, flow, commodity_code, partner, y AS year,
               through AS through_month, kg AS ytd_kg,
               CASE WHEN n_all = through THEN all_kg ELSE jf_kg + from3_kg END AS months_kg,
               CASE WHEN n_all = through THEN 'months 1-' || through
                    ELSE 'Jan-Feb combined + months 3-' || through END AS months_used
        FROM spans
        WHERE n_all = through OR (through > 2 AND jf_kg IS NOT NULL AND n_from3 = through - 2)
    ),
    step_checks AS (
        SELECT 'step' AS "check", t.source, t.flow, t.commodity_code, t.partner, t.y AS year,
               t.through AS through_month, t.kg AS ytd_kg,
               coalesce(prev.kg, 0) + coalesce(mo.kg, 0) AS months_kg,
               'YTD 1-' || (t.through - 1) || ' + month ' || t.through AS months_used
        FROM ytds AS t
        JOIN ytd_present AS yp ON yp.source = t.source AND yp.flow = t.flow
         AND yp.commodity_code = t.commodity_code AND yp.y = t.y AND yp.through = t.through - 1
        JOIN present AS p ON p.source = t.source AND p.flow = t.flow
         AND p.commodity_code = t.commodity_code AND p.y = t.y AND p.m = t.through
        LEFT JOIN ytds AS prev ON prev.source = t.source AND prev.flow = t.flow
         AND prev.commodity_code = t.commodity_code AND prev.partner = t.partner
         AND prev.y = t.y AND prev.through = t.through - 1
        LEFT JOIN months AS mo ON mo.source = t.source AND mo.flow = t.flow
         AND mo.commodity_code = t.commodity_code AND mo.partner = t.partner
         AND mo.y = t.y AND mo.m = t.through
        WHERE t.through > 1
    ),
    checks AS (SELECT * FROM sum_checks UNION ALL SELECT * FROM step_checks)
    SELECT "check", source, flow, commodity_code, partner, year, through_month, ytd_kg,
           months_kg, months_used,
           abs(coalesce(ytd_kg, 0) - months_kg) AS diff_kg,
           core.ytd_tolerance_kg(coalesce(ytd_kg, 0)) AS tolerance_kg,
           abs(coalesce(ytd_kg, 0) - months_kg) - core.ytd_tolerance_kg(coalesce(ytd_kg, 0))
               AS excess_kg,
           false AS explained_by_revision
    FROM checks
    ORDER BY "check", source, flow, commodity_code, partner, year, through_month
    """
