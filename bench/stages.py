"""One benchmark stage per process, so each stage's peak memory is its own.

``python -m bench.stages STAGE DATA WORK`` prints one JSON line: seconds (only the stage's own
work), rows, and notes. Stages that need earlier steps (GX needs observations, the load needs
prepared batches) run those untimed, batch by batch, as the flows do.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CSV_COLUMNS = {
    "period": "VARCHAR",
    "commodity_code": "VARCHAR",
    "commodity_name": "VARCHAR",
    "partner_code": "VARCHAR",
    "partner_name": "VARCHAR",
    "trade_mode_code": "VARCHAR",
    "trade_mode_name": "VARCHAR",
    # DECIMAL(18,6) holds the exports' numbers exactly (≤ 12 digits before the point) and is
    # the fastest exact type to parse in DuckDB 1.5 ((38,6) takes 3-4x as long).
    "quantity": "DECIMAL(18,6)",
    "unit": "VARCHAR",
    "quantity2": "DECIMAL(18,6)",
    "unit2": "VARCHAR",
    "value_usd": "DECIMAL(18,6)",
    "trailing_comma": "VARCHAR",  # the platform ends every line with a comma
}


class Clock:
    """Wall and CPU seconds (all threads of this process) of the timed blocks only."""

    def __init__(self) -> None:
        self.seconds = self.cpu = 0.0

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds += time.perf_counter() - self._wall
        self.cpu += time.process_time() - self._cpu

    def result(self, rows: int | None, note: str) -> dict[str, Any]:
        return {"seconds": self.seconds, "cpu": self.cpu, "rows": rows, "note": note}


def _files(data: Path) -> list[Path]:
    return sorted(data.glob("*.csv"))


def convert(data: Path, work: Path) -> dict[str, Any]:
    """GBK → UTF-8 copies: DuckDB's bundled CSV reader cannot read GBK."""
    target = work / "utf8"
    target.mkdir(parents=True, exist_ok=True)
    clock = Clock()
    size = 0
    with clock:
        for path in _files(data):
            text = path.read_bytes().decode("gb18030")
            size += (target / path.name).write_text(text, encoding="utf-8")
    return clock.result(None, f"{size:,} chars")


def floor(data: Path, work: Path) -> dict[str, Any]:
    """DuckDB alone: typed ``read_csv`` of the UTF-8 copies into a table (the floor)."""
    import duckdb

    target = work / "floor.duckdb"
    target.unlink(missing_ok=True)
    clock = Clock()
    clock.__enter__()
    con = duckdb.connect(str(target))
    con.execute(
        "CREATE OR REPLACE TABLE exports AS SELECT strptime(period, '%Y%m')::DATE AS period,"
        " * EXCLUDE (period, trailing_comma) FROM read_csv($files, header = true,"
        " columns = $columns, thousands = ',', quote = '\"')",
        {"files": [str(p) for p in _files(work / "utf8")], "columns": CSV_COLUMNS},
    )
    con.close()  # the checkpoint writes the table: the project's loads pay for theirs too
    clock.__exit__()
    with duckdb.connect(str(target), read_only=True) as check:
        rows = check.execute("SELECT count(*) FROM exports").fetchone()[0]
    return clock.result(rows, "")


def _documents(data: Path) -> list[Any]:
    from customs_etl.publishers.gacc_query.files import read_export

    return [read_export(p) for p in _files(data)]


def _months(data: Path) -> list[list[Any]]:
    """The documents cut into batches as ``ingest`` cuts a folder."""
    from customs_etl.flows.run_engine import batches_of

    return [step.docs for step in batches_of(_documents(data), "bench")]


def parse(data: Path, work: Path) -> dict[str, Any]:
    """The project's columnar parse + normalise (the reference parser for what it hands back)."""
    import tempfile

    from customs_etl.core.schema import to_arrow
    from customs_etl.publishers.gacc_query import PUBLISHER

    clock, rows, handed = Clock(), 0, 0
    for docs in _months(data):
        with tempfile.TemporaryDirectory(dir="/dev/shm") as scratch, clock:
            table, back = PUBLISHER.parse_batch(docs, Path(scratch))
            rows += table.num_rows + sum(to_arrow(PUBLISHER.parse(d)).num_rows for d in back)
        handed += len(back)
    return clock.result(rows, f"{handed} document(s) handed to the reference parser")


def gx(data: Path, work: Path) -> dict[str, Any]:
    """The validation frame + one GX release-suite validation per batch."""
    import tempfile
    from datetime import date

    from customs_etl.expectations.validate import validate_batch, validation_frame
    from customs_etl.publishers.gacc_query import PUBLISHER

    clock, rows, failed = Clock(), 0, 0
    for docs in _months(data):
        with tempfile.TemporaryDirectory(dir="/dev/shm") as scratch:
            table, back = PUBLISHER.parse_batch(docs, Path(scratch))
        assert not back, "the bench data is clean: nothing should reach the reference parser"
        with clock:
            outcome = validate_batch(validation_frame(table, date.today()), PUBLISHER.release_suite)
        rows += table.num_rows
        failed += sum(not r.success for r in outcome.reports.values())
    return clock.result(rows, f"{failed} document(s) failed")


def load(data: Path, work: Path) -> dict[str, Any]:
    """``load_batch`` (history checks + one transaction per batch) into a fresh warehouse."""
    from customs_etl.pipeline.load import load_batch
    from customs_etl.pipeline.prepare import prepare_batch
    from customs_etl.publishers.registry import publisher

    warehouse = work / "load.duckdb"
    warehouse.unlink(missing_ok=True)
    clock, rows, statuses = Clock(), 0, {}
    for docs in _months(data):
        batch = prepare_batch(docs, publisher)
        with clock:
            outcomes = load_batch(batch, str(warehouse))
        for outcome in outcomes:
            rows += outcome.rows
            statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    return clock.result(rows, json.dumps(statuses))


STAGES: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "convert": convert,
    "floor": floor,
    "parse": parse,
    "gx": gx,
    "load": load,
}


def main(argv: list[str]) -> int:
    stage, data, work = argv[0], Path(argv[1]), Path(argv[2])
    work.mkdir(parents=True, exist_ok=True)
    print(json.dumps(STAGES[stage](data, work)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
