"""One benchmark stage per process, so each stage's peak memory is its own.

``python -m bench.stages STAGE DATA WORK`` prints one JSON line: seconds (only the stage's own
work), rows, and notes. Stages that need earlier steps (GX needs observations, the load needs
prepared batches) run those untimed, file by file, as the flows do.
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
    "quantity": "DECIMAL(38,6)",
    "unit": "VARCHAR",
    "quantity2": "DECIMAL(38,6)",
    "unit2": "VARCHAR",
    "value_usd": "DECIMAL(38,6)",
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


def parse(data: Path, work: Path) -> dict[str, Any]:
    """The project's parse + normalise, file by file."""
    from customs_etl.pipeline.batches import observations_for

    clock, rows = Clock(), 0
    for doc in _documents(data):
        with clock:
            rows += len(observations_for(doc))
    return clock.result(rows, "")


def gx(data: Path, work: Path) -> dict[str, Any]:
    """The GX release suite (derived columns + validation) on each file's observations."""
    from datetime import date

    from customs_etl.expectations.suites import QUERY_RELEASE_SUITE
    from customs_etl.expectations.validate import query_validation_frame, run_suite
    from customs_etl.pipeline.batches import observations_for

    clock, rows, failed = Clock(), 0, 0
    for doc in _documents(data):
        observations = observations_for(doc)
        with clock:
            report = run_suite(
                query_validation_frame(observations, date.today()),
                QUERY_RELEASE_SUITE,
                row_labels=observations["source_row"],
            )
        rows += len(observations)
        failed += not report.success
    return clock.result(rows, f"{failed} file(s) failed")


def load(data: Path, work: Path) -> dict[str, Any]:
    """``batches.load`` (history check + one transaction per file) into a fresh warehouse."""
    from customs_etl.pipeline.batches import load as load_batch
    from customs_etl.pipeline.batches import prepare

    warehouse = work / "load.duckdb"
    warehouse.unlink(missing_ok=True)
    clock, rows, statuses = Clock(), 0, {}
    for doc in _documents(data):
        batch = prepare(doc)
        with clock:
            outcome = load_batch(batch, str(warehouse))
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
