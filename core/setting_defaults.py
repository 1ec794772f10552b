"""Names and defaults of settings, for ``core.settings`` (which must not import pydantic to
read them) and ``core.settings_model`` (which declares them) alike."""

from __future__ import annotations

from pathlib import Path

PREFIX = "CUSTOMS_ETL_"
DEFAULT_WAREHOUSE = str(Path("data") / "warehouse.duckdb")
DEFAULT_LANDING = str(Path("data") / "landing")
DEFAULT_BUSY_WAIT_SECONDS = 30.0
DEFAULT_MEMORY_MB = 1024.0

# What ``setting`` reads without pydantic: each setting's default and the variables that set
# it (as ``Settings`` declares them; tests/core/test_settings.py holds the two to each other).
QUICK: dict[str, tuple[object, tuple[str, ...]]] = {
    "warehouse": (DEFAULT_WAREHOUSE, (PREFIX + "WAREHOUSE",)),
    "busy_wait_seconds": (DEFAULT_BUSY_WAIT_SECONDS, (PREFIX + "BUSY_WAIT_SECONDS",)),
    "memory_mb": (DEFAULT_MEMORY_MB, (PREFIX + "MEMORY_MB",)),
    "pgpassword": (None, ("PGPASSWORD",)),
    "aws_secret_access_key": (None, ("AWS_SECRET_ACCESS_KEY",)),
    "aws_session_token": (None, ("AWS_SESSION_TOKEN",)),
    "prefect_api_url": (None, ("PREFECT_API_URL",)),
    "prefect_api_key": (None, ("PREFECT_API_KEY",)),
}
