"""The migration files: which versions this code knows, and their checksums.

Both backends apply the same ``warehouse/migrations/NNN_name.sql`` files (a DuckLake may need a
companion ``NNN_name.lake.sql`` beside one that changes rows); an applied file is never edited,
which the recorded sha256 proves.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import NamedTuple


class MigrationFile(NamedTuple):
    version: int
    name: str
    sql: str
    lake_sql: str | None  # the DuckLake companion, run before the derived difference


def migration_files() -> list[MigrationFile]:
    """Every migration, oldest first."""
    folder = resources.files("customs_etl.warehouse") / "migrations"
    companions = {
        entry.name.removesuffix(".lake.sql"): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".lake.sql")
    }
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql") and not entry.name.endswith(".lake.sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append(
                MigrationFile(version, entry.name, entry.read_text(encoding="utf-8"),
                              companions.get(entry.name.removesuffix(".sql")))
            )  # fmt: skip
    return sorted(found)


def digest(sql: str) -> str:
    """The checksum recorded with an applied migration."""
    return hashlib.sha256(sql.encode()).hexdigest()


def known_schema_version() -> int:
    """The newest schema version this code knows (its last migration)."""
    return max(m.version for m in migration_files())
