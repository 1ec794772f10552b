"""Where the warehouse is: a DuckDB file (the default) or a DuckLake on a PostgreSQL catalog.

One setting selects the backend: ``--warehouse`` / ``$CUSTOMS_ETL_WAREHOUSE`` is a file path, or
``ducklake:postgres:<libpq connection string>`` (``dbname=… host=… port=… user=…``, or
``service=…``, or nothing at all and the ``PG*`` variables). The lake's data files go to
``$CUSTOMS_ETL_LAKE_DATA_PATH`` (a folder every machine sees, or ``s3://bucket/prefix``); it is
needed to create a lake and optional afterwards (the catalog remembers it).

A password never goes into the setting: it would travel as a Prefect flow parameter and DuckDB
repeats connection strings in its error messages. It comes from ``PGPASSWORD``, a libpq service
file (``PGSERVICEFILE``/``~/.pg_service.conf``) or a pass file (``PGPASSFILE``/``~/.pgpass``),
which libpq reads itself. ``redact`` removes passwords (and the AWS secret) from any text shown.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.settings import DEFAULT_WAREHOUSE, secret_text, setting, settings

LAKE_PREFIX = "ducklake:"
CATALOG_PREFIX = "postgres:"
_PASSWORD_KEY = re.compile(r"(?i)\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|\S*)")
_URI_PASSWORD = re.compile(r"(?i)(postgres(?:ql)?://[^:/@\s]*):[^@\s]*@")


@dataclass(frozen=True)
class Location:
    """A parsed ``--warehouse``: ``path`` for a DuckDB file, ``catalog`` for a lake."""

    path: Path | None = None
    catalog: str | None = None  # the libpq connection string (no password), after postgres:
    data_path: str | None = None

    @property
    def is_lake(self) -> bool:
        return self.catalog is not None

    def __str__(self) -> str:
        if self.is_lake:
            return f"{LAKE_PREFIX}{CATALOG_PREFIX}{self.catalog}"
        return str(self.path)

    def attach_target(self) -> str:
        """What DuckDB's ATTACH takes."""
        return f"{LAKE_PREFIX}{CATALOG_PREFIX}{self.catalog}"

    def exists(self) -> bool:
        """A file that is there; a lake always "exists" (opening a writer creates its tables)."""
        return True if self.is_lake else bool(self.path and self.path.exists())

    def local_folder(self) -> Path:
        """Where this machine keeps files beside the warehouse (GX Data Docs): the file's
        folder, or ``data/`` under the working directory for a lake."""
        if self.path is not None:
            return self.path.resolve().parent
        return Path(DEFAULT_WAREHOUSE).resolve().parent

    def check_writable(self) -> None:
        """Refuse, before a run starts, a warehouse file this process could not create or
        write (the same words the writer would use, minutes of start-up later). A lake is
        checked by its catalog when the run opens it."""
        if self.path is None:
            return
        path = self.path
        if path.exists():
            if path.is_dir():
                raise CustomsEtlError(f"cannot open warehouse {path}: it is a folder")
            if not os.access(path, os.R_OK | os.W_OK):
                raise CustomsEtlError(f"cannot open warehouse {path}: Permission denied")
            return
        folder = path.parent
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise CustomsEtlError(
                f"cannot create the warehouse folder {folder}: {existing} is a file"
            )
        if not os.access(existing, os.W_OK | os.X_OK):
            raise CustomsEtlError(
                f"cannot create the warehouse {path}: folder {existing} is not writable"
            )

    def for_environment(self) -> str:
        """The value to export as $CUSTOMS_ETL_WAREHOUSE for other processes (absolute)."""
        return str(self) if self.is_lake else str(self.path.resolve())  # type: ignore[union-attr]


# What ``--warehouse`` gives before it is resolved: the command line and the flows' parameters
# (plain text: Prefect parameters are JSON) resolve it once with ``locate`` and pass the
# ``Location`` down; ``locate`` hands a Location back unchanged.
Where = str | os.PathLike[str] | Location | None


def _has_password(conninfo: str) -> bool:
    if _PASSWORD_KEY.search(conninfo):
        return True
    text = conninfo.strip()
    if text.lower().startswith(("postgres://", "postgresql://")):
        try:
            return urlsplit(text).password is not None
        except ValueError:
            return True
    return False


def _data_path(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if "://" in text:
        if not text.lower().startswith("s3://"):
            raise CustomsEtlError(
                f"CUSTOMS_ETL_LAKE_DATA_PATH={text!r}: use a folder or s3://bucket/prefix"
            )
        return text if text.endswith("/") else text + "/"
    return str(Path(text).expanduser().resolve()) + os.sep


def locate(explicit: str | os.PathLike[str] | Location | None = None) -> Location:
    """``--warehouse`` beats ``$CUSTOMS_ETL_WAREHOUSE`` beats ``./data/warehouse.duckdb``."""
    if isinstance(explicit, Location):
        return explicit
    given = explicit is not None and str(explicit).strip()
    chosen = str(explicit) if given else setting("warehouse")
    if not chosen.lower().startswith(LAKE_PREFIX):
        return Location(path=Path(chosen).expanduser())
    rest = chosen[len(LAKE_PREFIX) :]
    if not rest.lower().startswith(CATALOG_PREFIX):
        raise CustomsEtlError(
            "a lake warehouse is ducklake:postgres:<connection string> (e.g. "
            "ducklake:postgres:dbname=customs host=db.internal user=etl); only a PostgreSQL "
            "catalog lets several machines share it"
        )
    conninfo = rest[len(CATALOG_PREFIX) :].strip()
    if _has_password(conninfo):
        raise CustomsEtlError(
            "the lake warehouse setting holds a password: remove it and give it in PGPASSWORD, "
            "a libpq service file (service=…) or a pass file (~/.pgpass), never in "
            "--warehouse / CUSTOMS_ETL_WAREHOUSE"
        )
    return Location(catalog=conninfo, data_path=_data_path(settings().lake_data_path))


def redact(text: str) -> str:
    """``text`` with every password and secret key it might carry replaced by REDACTED."""
    out = _PASSWORD_KEY.sub("password=REDACTED", text)
    out = _URI_PASSWORD.sub(r"\1:REDACTED@", out)
    for name in ("pgpassword", "aws_secret_access_key", "aws_session_token"):
        try:
            value = secret_text(setting(name))
        except CustomsEtlError:
            return out
        if value and len(value) >= 3:
            out = out.replace(value, "REDACTED")
    return out
