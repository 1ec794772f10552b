"""Generated sequences of documents, loaded through the real load step, with what each should
come to — for checking every claim against ``tests.support.claims_reference``.

A hidden truth (kilograms per line, month, partner and trade mode) changes only through a
revision that a document then carries, so every document is honest about the truth of its
time except the deliberate faults: a filtered export named full for a new month, the same
bytes offered under another flow. The sequence mixes full months, multi-month files,
published cumulatives, combined January-February blocks, partial patches (filtered exports
loaded with --partial), revisions of any of them, re-offers under another name, a file filed
under the wrong flow then withdrawn and offered again, and months never loaded.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hypothesis import strategies as st

from customs_etl.core.models import RawDocument, Status
from customs_etl.core.months import add_months
from customs_etl.core.rules import FULL_EXPORT_MIN_SHARE
from customs_etl.pipeline.review import withdraw
from tests.support.claims_reference import Line, Loaded, Row
from tests.support.documents import document, load_documents
from tests.support.history import observation

PARTNERS = ("DE", "US", "JP", "KR")
MODES = ("10", "15")
FIRST = date(2024, 1, 1)
MONTHS = tuple(add_months(FIRST, i) for i in range(24))
KGS = (0, 1_000, 2_000, 3_000, 4_000, 6_000, 9_000)
_bytes = itertools.count()

Cells = dict[tuple[str, str], int]


@dataclass
class Offer:
    """A document offered, what it should come to, and what it came to."""

    kind: str
    doc: RawDocument
    frame: Any
    expected: Status
    got: Status | None = None
    message: str = ""

    def __repr__(self) -> str:  # hypothesis prints what a failing example drew
        return f"<{self.kind} {self.doc.name} {self.got}>"


@dataclass
class World:
    """The hidden truth, what the warehouse should now hold, and what was offered."""

    warehouse: str
    lines: tuple[str, ...]
    truth: dict[tuple[str, date], Cells] = field(default_factory=dict)
    loaded: list[Loaded] = field(default_factory=list)  # export documents the reference sees
    offers: list[Offer] = field(default_factory=list)
    offered_months: set[tuple[str, date]] = field(default_factory=set)  # single months offered
    combined_years: set[tuple[str, int]] = field(default_factory=set)
    misfiled: list[Offer] = field(default_factory=list)
    refused_filtered: list[Offer] = field(default_factory=list)
    reserved: set[tuple[str, date]] = field(default_factory=set)  # bytes waiting to be offered
    stored: dict[bytes, tuple[Status, str, str]] = field(default_factory=dict)  # status, cov, flow
    loads: int = 0

    # ------------------------------------------------------------------ truth and documents

    def cells(self, line: str, month: date, data: st.DataObject) -> Cells:
        key = (line, month)
        if key not in self.truth:
            self.truth[key] = {
                (p, m): data.draw(st.sampled_from(KGS)) for p in PARTNERS for m in MODES
            }
        return self.truth[key]

    def _rows(self, line: str, start: date, end: date, cells: Cells, flow: str = "export"):
        basis = "month" if start == end else "ytd"
        return [
            observation(
                start, end, partner, kg, basis=basis, commodity=line, flow=flow, trade_mode=mode
            )
            for (partner, mode), kg in sorted(cells.items())
        ]

    def _reference_rows(self, rows: list[dict[str, Any]]) -> list[Row]:
        return [
            Row(
                r["commodity_code"], r["partner"], r["trade_mode"], r["period_start"],
                r["period_end"], r["basis"], int(r["quantity_kg"]),
            )
            for r in rows
        ]

    def offer(self, kind: str, rows: list[dict[str, Any]], expected: Status, *,
              partial: bool = False, content: bytes | None = None, name: str | None = None,
              flow: str | None = None) -> Offer:  # fmt: skip
        """Load one document (a batch of its own) and remember what it should come to."""
        doc, frame = document(
            rows,
            coverage="partial" if partial else "full",
            content=content if content is not None else f"doc {next(_bytes)}".encode(),
            name=name,
            flow=flow,
        )
        (outcome,) = load_documents(self.warehouse, [(doc, frame)])
        self.loads += 1
        offer = Offer(kind, doc, frame, expected, outcome.status, outcome.message)
        self.offers.append(offer)
        if outcome.status in (Status.LOADED, Status.QUARANTINED):
            self.stored[doc.content] = (outcome.status, str(doc.coverage), str(doc.flow))
        if outcome.status == Status.LOADED and doc.flow == "export":
            self.loaded.append(Loaded(self.loads, partial, self._reference_rows(rows)))
        return offer

    def reference(self, line: str) -> Line:
        return Line(self.loaded, line)

    # ------------------------------------------------------------------ events

    def free_month(self, line: str, data: st.DataObject) -> date | None:
        """A month never offered as a single month (and not January/February of a year
        published as a combined block)."""
        free = [
            m for m in MONTHS
            if (line, m) not in self.offered_months
            and not (m.month <= 2 and (line, m.year) in self.combined_years)
        ]  # fmt: skip
        return data.draw(st.sampled_from(free)) if free else None

    def full_month(self, line: str, month: date, data: st.DataObject) -> None:
        self.offered_months.add((line, month))
        cells = self.cells(line, month, data)
        self.offer("month", self._rows(line, month, month, cells), Status.LOADED)

    def several_months(self, line: str, first: date, count: int, data: st.DataObject) -> None:
        months = [add_months(first, i) for i in range(count)]
        months = [
            m for m in months
            if m in MONTHS and not (m.month <= 2 and (line, m.year) in self.combined_years)
        ]  # fmt: skip
        if not months:
            return
        rows = []
        for m in months:
            self.offered_months.add((line, m))
            rows += self._rows(line, m, m, self.cells(line, m, data))
        self.offer("months", rows, Status.LOADED)

    def cumulative(self, line: str, through: date, data: st.DataObject) -> None:
        if through.month == 1:  # January to January is the month itself
            if (line, through.year) not in self.combined_years:
                self.full_month(line, through, data)
            return
        total: Cells = {}
        for k in range(1, through.month + 1):
            for cell, kg in self.cells(line, date(through.year, k, 1), data).items():
                total[cell] = total.get(cell, 0) + kg
        self.offer("cumulative", self._rows(line, date(through.year, 1, 1), through, total),
                   Status.LOADED)  # fmt: skip

    def combined_block(self, line: str, year: int, data: st.DataObject) -> None:
        jan, feb = date(year, 1, 1), date(year, 2, 1)
        if (line, jan) in self.offered_months or (line, feb) in self.offered_months:
            return
        self.combined_years.add((line, year))
        self.cumulative(line, feb, data)

    def revise(self, line: str, data: st.DataObject) -> None:
        """A new figure for a cell of a month the warehouse holds complete, carried by a full
        re-release or a partial patch of that cell (a month known only in part, or whose bytes
        wait to be offered again, keeps its truth until it is complete)."""
        reference = self.reference(line)
        held = sorted(
            m for (ln, m) in self.offered_months
            if ln == line and (ln, m) not in self.reserved and reference.month(m).known
        )  # fmt: skip
        if not held:
            return
        month = data.draw(st.sampled_from(held))
        cells = self.cells(line, month, data)
        cell = data.draw(st.sampled_from(sorted(cells)))
        cells[cell] = data.draw(st.sampled_from([k for k in KGS if k != cells[cell]]))
        if data.draw(st.booleans()):
            self.offer("revision", self._rows(line, month, month, cells), Status.LOADED)
        else:
            rows = self._rows(line, month, month, {cell: cells[cell]})
            self.offer("patch", rows, Status.LOADED, partial=True)

    def partial_only(self, line: str, data: st.DataObject) -> None:
        month = self.free_month(line, data)
        if month is None:
            return
        self.offered_months.add((line, month))
        cells = self.cells(line, month, data)
        chosen = data.draw(st.lists(st.sampled_from(sorted(cells)), min_size=1, max_size=3,
                                    unique=True))  # fmt: skip
        self.offer("partial", self._rows(line, month, month, {c: cells[c] for c in chosen}),
                   Status.LOADED, partial=True)  # fmt: skip

    def filtered_as_full(self, line: str, data: st.DataObject) -> None:
        """A query filtered to one partner, named as a whole export of a new month: refused
        when the latest complete month before it says the partner held under 75 %."""
        month = self.free_month(line, data)
        if month is None:
            return
        reference = self.reference(line)
        window = [add_months(month, -k) for k in range(12, 0, -1)]  # the check looks a year back
        before = [m for m in window if reference.month(m).known]
        if not before:
            return
        previous = reference.month(before[-1])
        partners = previous.partners or {}
        world = sum(partners.values())
        smallest = min(PARTNERS, key=lambda p: (partners.get(p, 0), p))
        if not world or partners.get(smallest, 0) / world >= FULL_EXPORT_MIN_SHARE:
            return  # it would load as a whole month: not a fault this check can see
        cells = self.cells(line, month, data)
        rows = self._rows(line, month, month, {c: kg for c, kg in cells.items()
                                               if c[0] == smallest})  # fmt: skip
        offer = self.offer("filtered", rows, Status.QUARANTINED)
        self.refused_filtered.append(offer)
        self.offered_months.add((line, month))  # its month is taken: offered again below
        self.reserved.add((line, month))

    def filtered_as_partial(self, data: st.DataObject) -> None:
        """The same bytes, refused as full, offered again with --partial: decided again."""
        waiting = [o for o in self.refused_filtered if o.got == Status.QUARANTINED]
        if not waiting:
            return
        refused = data.draw(st.sampled_from(waiting))
        self.refused_filtered.remove(refused)
        rows = refused.frame.to_dict("records")
        self.reserved.discard((rows[0]["commodity_code"], rows[0]["period_start"]))
        self.offer("filtered-partial", rows, Status.LOADED, partial=True,
                   content=refused.doc.content, name=f"partial-{refused.doc.name}")  # fmt: skip

    def renamed(self, data: st.DataObject) -> None:
        """Bytes offered before, under another name with the same hints: unchanged when they
        are loaded as that, refused when loaded as something else, held back again when held
        back as that."""
        earlier = []
        for o in self.offers:
            status, coverage, flow = self.stored.get(o.doc.content, (None, "", ""))
            same = (coverage, flow) == (str(o.doc.coverage), str(o.doc.flow))
            if status == Status.LOADED:
                earlier.append((o, Status.UNCHANGED if same else Status.REFUSED))
            elif status == Status.QUARANTINED and same:
                earlier.append((o, Status.QUARANTINED))
        if not earlier:
            return
        again, expected = data.draw(st.sampled_from(earlier))
        rows = again.frame.to_dict("records")
        self.offer("renamed", rows, expected, partial=again.doc.coverage == "partial",
                   content=again.doc.content, name=f"renamed-{again.doc.name}")  # fmt: skip

    def file_as_import(self, line: str, data: st.DataObject) -> None:
        """A month's export filed as imports (its name said import)."""
        month = self.free_month(line, data)
        if month is None:
            return
        self.offered_months.add((line, month))
        cells = self.cells(line, month, data)
        offer = self.offer("misfiled", self._rows(line, month, month, cells, flow="import"),
                           Status.LOADED, name=f"import-{line}-{month:%Y%m}.csv")  # fmt: skip
        self.misfiled.append(offer)
        self.reserved.add((line, month))

    def fix_misfiled(self, data: st.DataObject) -> None:
        """The misfiled bytes offered as exports: refused while loaded as imports; withdrawn
        with a reason; then offered as exports again, they load."""
        if not self.misfiled:
            return
        wrong = self.misfiled.pop(data.draw(st.integers(0, len(self.misfiled) - 1)))
        rows = [dict(r, flow="export") for r in wrong.frame.to_dict("records")]
        name = wrong.doc.name.replace("import-", "export-")
        self.offer("reoffered", rows, Status.REFUSED, content=wrong.doc.content, name=name)
        withdraw(wrong.doc.sha256[:16], "filed as imports by mistake", "tests", self.warehouse)
        self.stored.pop(wrong.doc.content, None)
        self.offer("fixed", rows, Status.LOADED, content=wrong.doc.content, name=name)
        self.reserved.discard((rows[0]["commodity_code"], rows[0]["period_start"]))


EVENTS = (
    "month", "month", "month", "months", "cumulative", "cumulative", "combined", "revise",
    "revise", "partial", "filtered", "filtered-partial", "renamed", "misfiled", "fix",
)  # fmt: skip


def play(world: World, data: st.DataObject, steps: int) -> None:
    """Draw and load ``steps`` events."""
    for _ in range(steps):
        event = data.draw(st.sampled_from(EVENTS))
        line = data.draw(st.sampled_from(world.lines))
        if event == "month":
            month = data.draw(st.sampled_from(MONTHS))
            if not (month.month <= 2 and (line, month.year) in world.combined_years):
                world.full_month(line, month, data)
        elif event == "months":
            world.several_months(line, data.draw(st.sampled_from(MONTHS)),
                                 data.draw(st.integers(2, 3)), data)  # fmt: skip
        elif event == "cumulative":
            world.cumulative(line, data.draw(st.sampled_from(MONTHS)), data)
        elif event == "combined":
            world.combined_block(line, data.draw(st.sampled_from((2024, 2025))), data)
        elif event == "revise":
            world.revise(line, data)
        elif event == "partial":
            world.partial_only(line, data)
        elif event == "filtered":
            world.filtered_as_full(line, data)
        elif event == "filtered-partial":
            world.filtered_as_partial(data)
        elif event == "renamed":
            world.renamed(data)
        elif event == "misfiled":
            world.file_as_import(line, data)
        elif event == "fix":
            world.fix_misfiled(data)


def describe(offers: Sequence[Offer]) -> str:
    """The sequence, for a failing example's message."""
    return "\n".join(
        f"{i + 1}. {o.kind} {o.doc.name} {o.doc.coverage} {o.doc.period_start}..{o.doc.period_end}"
        f" → {o.got} (expected {o.expected}) {o.message[:160]}"
        for i, o in enumerate(offers)
    )
