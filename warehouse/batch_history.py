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

The SQL is in ``warehouse/sql/batch_history`` (one file per query or script, values bound as
named parameters); this module stages the batch, runs the files in order and names the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customs_etl.core import sources
from customs_etl.core.models import CURRENT_STATUSES
from customs_etl.core.months import add_months
from customs_etl.core.queries import dict_rows
from customs_etl.core.schema import RECONCILIATION_COLUMNS

# What the checks read of each canonical row (batch_obs): the slice — the reporter is part of
# it, so one partner's report (UN Comtrade mirror figures) never replaces another's — and the
# cell within it.
_SLICE = ("source", "reporter", "flow", "commodity_code", "period_start", "period_end", "basis")
_CELL = ("partner", "source_partner_code", "trade_mode", "region_code")


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


@cache
def _sql(name: str) -> str:
    """A query or script kept in ``warehouse/sql/batch_history`` (values go in as named
    parameters, never as text)."""
    folder = resources.files("customs_etl.warehouse") / "sql" / "batch_history"
    return (folder / f"{name}.sql").read_text(encoding="utf-8")


class BatchHistory:
    """A batch staged on the writer's connection; drop documents and ask again as needed.

    Every query is a file in ``warehouse/sql/batch_history``; the temp tables they share are
    named there (batch_obs, hist, vintages, doc_slices, prior_state, upto_state, stale_ytd)."""

    _TEMP_VIEWS = ("ytd_state", "ytd_skip", "vintages")
    _TEMP_TABLES = ("batch_obs", "batch_docs", "hist", "doc_slices", "prior_vintages",
                    "upto_vintages", "prior_state", "upto_state", "stale_ytd")  # fmt: skip

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
        staged = observations.select(["release_id", "grain", *_SLICE, *_CELL]).append_column(
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
        con.execute(_sql("state_of"))
        con.execute(_sql("stage_batch"))
        self._read_history()

    def _read_history(self) -> None:
        """``core.latest`` for the batch's series, flows, lines and years, as vintage 0."""
        scope = dict_rows(self.con.execute(_sql("batch_scope")))[0]
        if not scope["codes"]:
            self.con.execute("CREATE OR REPLACE TEMP TABLE hist AS FROM batch_obs LIMIT 0")
            return
        first = scope["first_month"]
        self.con.execute(
            _sql("read_history"),
            {
                "current": [str(s) for s in CURRENT_STATUSES],
                "sources": scope["sources"],
                "flows": scope["flows"],
                "codes": scope["codes"],
                "first": min(add_months(first, -12), date(first.year, 1, 1)),
                "after": date(scope["last_year"] + 1, 1, 1),
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
        for name in self._TEMP_VIEWS:
            self.con.execute(f"DROP VIEW IF EXISTS {name}")
        for name in self._TEMP_TABLES:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
        for name in ("batch_arrow", "batch_docs_arrow"):
            self.con.unregister(name)

    def _build(self, name: str) -> None:
        """Run the script ``name`` once per state of the batch (``drop`` starts over)."""
        if name not in self._built:
            self.con.execute(_sql(name))
            self._built.add(name)

    def coverage(self) -> list[CoverageFinding]:
        """Full documents lacking partners or trade modes of the figures they would replace,
        and partial documents whose breakdown differs from the figures they would update."""
        self._build("vintages")
        self._build("document_states")
        findings = []
        for row in dict_rows(self.con.execute(_sql("coverage"))):
            start, end = row["period_start"], row["period_end"]
            period = f"{start:%Y-%m}" if start == end else f"{start:%Y-%m}..{end:%Y-%m}"
            regrained = row["grain_held"] is not None and row["grain"] != row["grain_held"]
            if row["coverage"] == "partial":
                if not regrained:
                    continue
                missing_partners: tuple[str, ...] = ()
                missing_modes: tuple[str, ...] = ()
            else:
                missing_partners = tuple(row["missing_partners"])
                missing_modes = tuple(row["missing_trade_modes"])
                if not (missing_partners or missing_modes):
                    continue
            findings.append(
                CoverageFinding(
                    release_id=row["release_id"],
                    commodity_code=row["commodity_code"],
                    basis=row["basis"],
                    period=period,
                    missing_partners=missing_partners,
                    partners_held=row["partners_held"],
                    missing_trade_modes=missing_modes,
                    trade_modes_held=row["trade_modes_held"],
                    grain=row["grain"],
                    grain_held=row["grain_held"] if row["coverage"] == "partial" else None,
                )
            )
        return findings

    def full_export_coverage(self) -> list[FullExportShare]:
        """Full documents that bring a month or cumulative no earlier vintage holds, each beside
        the latest complete figure of the same series before it."""
        self._build("vintages")
        found = []
        for row in dict_rows(self.con.execute(_sql("full_export_coverage"))):
            found.append(
                FullExportShare(
                    release_id=row["doc"],
                    commodity_code=row["commodity_code"],
                    basis=row["basis"],
                    period=row["new_end"],
                    previous=row["prev_end"],
                    previous_kg=float(row["prev_kg"] or 0),
                    partners_kg=float(row["partners_kg"] or 0),
                    modes_kg=None if row["modes_kg"] is None else float(row["modes_kg"]),
                    missing_partners=tuple(row["missing_partners"] or ()),
                    missing_modes=tuple(row["missing_modes"] or ()),
                )
            )
        return found

    def bulletin_against_preliminary(self, observations: pa.Table) -> list[dict[str, Any]]:
        """The batch's bulletin month values beside the preliminary release's of the same
        month and row: release_id, commodity_code, commodity_label, period_start, currency,
        bulletin_value, preliminary_value."""
        source = observations.column("source")
        mine = observations.filter(
            pc.and_(
                pc.equal(source, sources.GACC_BULLETIN),
                pc.and_(pc.equal(observations.column("basis"), "month"),
                        pc.equal(observations.column("partner"), "WLD")),
            )
        ).select(["release_id", "flow", "commodity_code", "commodity_label", "period_start",
                  "period_end", "currency", "value_usd", "value_cny"])  # fmt: skip
        if mine.num_rows == 0:
            return []
        self.con.register("bulletin_values", mine)
        try:
            return dict_rows(self.con.execute(_sql("bulletin_vs_preliminary")))
        finally:
            self.con.unregister("bulletin_values")

    def restatements(self) -> pd.DataFrame:
        """Per document: figures it restates, per slice already held (in history or by an
        earlier document of the batch) and partner, against the state just before it."""
        self._build("vintages")
        self._build("document_states")
        frame = self.con.execute(_sql("restatements")).df()
        for column in ("period_start", "period_end"):  # dates, as every other frame has them
            frame[column] = frame[column].dt.date
        return frame

    def reconciliation(self, after: bool) -> pd.DataFrame:
        """The YTD checks on history (``after`` False) or on history with the whole batch.

        Checks exist only where a YTD figure is published, so only those lines' years are
        read. The history's cumulatives that a newer month vintage revised hold an old figure:
        no check is made against them (the marts flag them stale)."""
        if "stale_ytd" not in self._built:  # history's alone: drop() leaves it current
            stale = _sql("stale_cumulatives")
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE stale_ytd AS {stale}")
            self._built.add("stale_ytd")
        if after:
            self._build("vintages")
        self.con.execute(_sql("ytd_state_after" if after else "ytd_state_before"))
        frame = self.con.execute(_sql("reconcile")).df()
        return frame[list(RECONCILIATION_COLUMNS)]

    def published_ytd(self) -> set[tuple[str, str, str, int, int]]:
        """(series, flow, line, year, through month) of every YTD figure in the batch."""
        return {tuple(row) for row in self.con.execute(_sql("published_ytd")).fetchall()}  # type: ignore[misc]

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
        params = {"source": source, "flow": flow, "code": code, "year": year,
                  "months": list(months), "basis": "month" if basis_months else "ytd"}  # fmt: skip
        return [rid for (rid,) in self.con.execute(_sql("documents_touching"), params).fetchall()]
