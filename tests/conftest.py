"""Shared fixtures: a real Prefect API for the session, real DuckDB files, sample warehouse."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.lake import PostgresServer

# Before anything imports Prefect: a private PREFECT_HOME and patient start-up on slow machines.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="customs-etl-test-prefect-")
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"  # no test may reach the internet
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
# No run of the suite leaves a shared temporary API behind (the tests of reuse set their own).
os.environ["CUSTOMS_ETL_PREFECT_API_IDLE_MINUTES"] = "0"
os.environ.pop("CUSTOMS_ETL_WAREHOUSE", None)
os.environ.pop("CUSTOMS_ETL_LAKE_DATA_PATH", None)
os.environ.pop("CUSTOMS_ETL_DATA_DOCS_DIR", None)

SHARED_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """A real Prefect API (temporary database) for every flow run in the session."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


@pytest.fixture(scope="session")
def sample_warehouse(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample backfilled once, through the CLI, into a temporary DuckDB file."""
    from tests.support.cli import run_cli

    path = tmp_path_factory.mktemp("sample") / "warehouse.duckdb"
    result = run_cli("backfill", "--source", "sample", "--start", "2024-01", "--end", "2025-07",
                     "--warehouse", str(path))
    assert result.code == 0, result.output
    return path


@pytest.fixture(scope="session")
def query_warehouse(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample's files ingested as query-platform exports (source gacc_query).

    The sample is a series of its own when loaded as the sample; tests of how real releases
    restate, extend or break earlier ones need a real-source history to work against.
    """
    from customs_etl.publishers.sample import sample_folder
    from tests.support.cli import run_cli

    path = tmp_path_factory.mktemp("query") / "warehouse.duckdb"
    exports = sorted(str(p) for p in sample_folder().glob("export-*.csv"))
    result = run_cli("ingest", *exports, "--warehouse", str(path))
    assert result.code == 0, result.output
    return path


@pytest.fixture
def query_copy(query_warehouse: Path, tmp_path: Path) -> Path:
    """A private copy of the real-source (gacc_query) warehouse a test may write to."""
    target = tmp_path / "warehouse.duckdb"
    shutil.copy(query_warehouse, target)
    return target


@pytest.fixture
def warehouse_copy(sample_warehouse: Path, tmp_path: Path) -> Path:
    """A private copy of the sample warehouse a test may write to."""
    target = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_warehouse, target)
    return target


@pytest.fixture
def shared_samples() -> Path:
    if not SHARED_SAMPLES.is_dir():
        pytest.skip("../shared/samples is not present")
    return SHARED_SAMPLES



# ------------------------------------------------------------------ both warehouse backends


@dataclass(frozen=True)
class Warehouse:
    """A warehouse for a test: ``target`` is what ``--warehouse`` takes; ``env`` what a
    subprocess needs besides (the lake's data path)."""

    kind: str  # "file" or "lake"
    target: str
    env: dict[str, str]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server for the lakes' catalogs (stopped at the end)."""
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def new_lake(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Warehouse]:
    """Make empty lakes (each its own catalog database and data folder)."""
    server: PostgresServer = request.getfixturevalue("pg_server")
    made = itertools.count(1)

    def make(data_path: str | None = None) -> Warehouse:
        data = data_path or str(tmp_path / f"lake-data-{next(made)}")
        docs = str(tmp_path / "data_docs")  # a lake has no folder of its own on this machine
        monkeypatch.setenv("CUSTOMS_ETL_LAKE_DATA_PATH", data)
        monkeypatch.setenv("CUSTOMS_ETL_DATA_DOCS_DIR", docs)
        env = {"CUSTOMS_ETL_LAKE_DATA_PATH": data, "CUSTOMS_ETL_DATA_DOCS_DIR": docs}
        return Warehouse("lake", server.new_lake(), env)

    return make


@pytest.fixture(params=["file", "lake"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    """An empty warehouse of each kind: a DuckDB file path, or a new lake."""
    if request.param == "file":
        return Warehouse("file", str(tmp_path / "w.duckdb"), {})
    return request.getfixturevalue("new_lake")()


@pytest.fixture(scope="session")
def sample_lake(
    sample_warehouse: Path, pg_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The sample warehouse copied into a lake by ``customs-etl migrate --to`` (read only)."""
    from tests.support.cli import run_cli

    url = pg_server.new_lake()
    data = tmp_path_factory.mktemp("sample-lake")
    saved = os.environ.get("CUSTOMS_ETL_LAKE_DATA_PATH")
    os.environ["CUSTOMS_ETL_LAKE_DATA_PATH"] = str(data)
    try:
        result = run_cli("migrate", "--warehouse", str(sample_warehouse), "--to", url)
    finally:
        if saved is None:
            os.environ.pop("CUSTOMS_ETL_LAKE_DATA_PATH", None)
        else:
            os.environ["CUSTOMS_ETL_LAKE_DATA_PATH"] = saved
    assert result.code == 0, result.output
    return url
