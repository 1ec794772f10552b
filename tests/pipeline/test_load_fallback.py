"""A batch the warehouse refuses to store whole is stored one document at a time.

``pipeline.load.load_batch`` stores a decided batch in one transaction. When that fails for a
reason that is neither the storage nor another writer, each document gets its own transaction:
the one that cannot be stored is held back (quarantined, with DuckDB's reason), the others
load, and nothing of the failed attempt stays. No suite or history check lets such a batch
through on purpose, so the fault is made in storage: the test warehouse's
``core.observations`` gets one more CHECK constraint, which DuckDB enforces at insert.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from customs_etl.core.models import Status
from customs_etl.warehouse.db import writer
from tests.support.documents import document, load_documents
from tests.support.history import observation

JAN = date(2025, 1, 1)
LINES = ("85051110", "28053011", "81129290")  # the middle one cannot be stored
REFUSED = LINES[1]


def _refuse_line_in_storage(path: Path, line: str) -> None:
    """Rebuild ``core.observations`` as it is, plus a CHECK refusing ``line``'s rows."""
    with writer(str(path)) as con:
        (sql,) = con.execute(
            "SELECT sql FROM duckdb_tables() WHERE schema_name = 'core'"
            " AND table_name = 'observations'"
        ).fetchone()
        body = sql.strip().removesuffix(";").strip()
        assert body.endswith(")"), body
        con.execute("DROP TABLE core.observations")
        con.execute(f"{body[:-1]}, CHECK (commodity_code <> '{line}'))")


def _documents() -> list:
    return [
        document(
            [observation(JAN, JAN, "DE", 1_000 * (n + 1), commodity=line),
             observation(JAN, JAN, "US", 500 * (n + 1), commodity=line)],
            name=f"export-202501-{line}.csv",
        )
        for n, line in enumerate(LINES)
    ]  # fmt: skip


def _stored(path: Path) -> tuple[dict[str, str], dict[str, int]]:
    with duckdb.connect(str(path), read_only=True) as con:
        statuses = dict(con.execute("SELECT file_name, status FROM raw.releases").fetchall())
        rows = dict(
            con.execute(
                "SELECT commodity_code, count(*) FROM core.observations GROUP BY ALL"
            ).fetchall()
        )
    return statuses, rows


def test_a_batch_that_cannot_be_stored_whole_loads_what_it_can(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    _refuse_line_in_storage(warehouse, REFUSED)
    documents = _documents()

    outcomes = load_documents(str(warehouse), documents)

    assert [o.status for o in outcomes] == [Status.LOADED, Status.QUARANTINED, Status.LOADED]
    held = outcomes[1]
    assert held.name == f"export-202501-{REFUSED}.csv" and held.rows == 0
    assert "could not be loaded (ConstraintException" in held.message
    assert held.message.endswith("nothing of it was loaded")
    assert [o.rows for o in outcomes] == [2, 0, 2]
    statuses, rows = _stored(warehouse)
    assert statuses == {
        f"export-202501-{LINES[0]}.csv": "loaded",
        f"export-202501-{REFUSED}.csv": "quarantined",
        f"export-202501-{LINES[2]}.csv": "loaded",
    }
    # each loaded document's rows once (the failed whole-batch attempt left none behind)
    assert rows == {LINES[0]: 2, LINES[2]: 2}

    # Re-running the same batch is safe: the loaded ones are unchanged, the held one is tried
    # again, still cannot be stored, and nothing is added.
    again = load_documents(str(warehouse), documents)
    assert [o.status for o in again] == [Status.UNCHANGED, Status.QUARANTINED, Status.UNCHANGED]
    assert _stored(warehouse) == (statuses, rows)
