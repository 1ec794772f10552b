"""Print a checksum of every table and view of a warehouse, for before/after comparisons.

Refactors and speed work must leave the figures unchanged: two warehouses built from the
same inputs by two versions of the code must print the same lines. Each checksum is order
independent (md5 over the sorted 64-bit row hashes) and sensitive to a changed, missing or
duplicated row. Columns that record when something ran (timestamps, durations) differ
from run to run by nature and are left out.

    python -m bench.table_hashes data/warehouse.duckdb
"""

from __future__ import annotations

import argparse
import sys

import duckdb

_CLOCK_TYPES = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIME", "INTERVAL")
_CLOCK_NAMES = ("loaded_at", "started_at", "ended_at", "reviewed_at", "applied_at", "seconds")


def _quoted(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def table_hashes(path: str) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table and view, by qualified name."""
    con = duckdb.connect(path, read_only=True)
    try:
        relations = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_catalog = current_database() ORDER BY 1, 2"
        ).fetchall()
        out: dict[str, tuple[int, str]] = {}
        for schema, name in relations:
            columns = [
                c
                for c, t in con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns"
                    " WHERE table_catalog = current_database() AND table_schema = ?"
                    " AND table_name = ? ORDER BY ordinal_position",
                    [schema, name],
                ).fetchall()
                if t not in _CLOCK_TYPES and c not in _CLOCK_NAMES
            ]
            if not columns:
                continue
            row_hash = "hash(" + ", ".join(_quoted(c) for c in columns) + ")"
            count, digest = con.execute(
                "SELECT count(*), coalesce(md5(string_agg(h::VARCHAR, ',' ORDER BY h)), '')"
                f" FROM (SELECT {row_hash} AS h FROM {_quoted(schema, name)})"
            ).fetchone()
            out[f"{schema}.{name}"] = (int(count), str(digest))
        return out
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse")
    args = parser.parse_args(argv)
    for name, (count, digest) in table_hashes(args.warehouse).items():
        print(f"{name}\t{count}\t{digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
