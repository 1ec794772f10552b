"""The warehouse as a DuckLake (issue 13), on a real PostgreSQL catalog, against a DuckDB file.

* the lake's schema follows the DuckDB migrations: a new lake, and a lake stepped from an
  older version, hold the same tables, columns, types, views and comments as a file;
* a password never goes into the setting nor out in an error; libpq's service file works;
* extensions load from the pip packages; a missing one is one line;
* a commit that meets another writer's runs again, checks included;
* ``migrate --to`` copies a file into a lake and back, verified, re-run safe;
* an ``s3://`` data path on an S3 stand-in (moto).

Concurrent writers, readers during loads and kill -9 are in ``test_lake_concurrency.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path

import duckdb
import pytest

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import RawDocument
from customs_etl.warehouse.backends import ducklake as lake
from customs_etl.warehouse.db import reader, writer
from customs_etl.warehouse.dictionary import dictionary_rows
from customs_etl.warehouse.location import locate
from customs_etl.warehouse.migration_files import known_schema_version, migration_files
from customs_etl.warehouse.schema_version import migrate
from customs_etl.warehouse.transactions import retrying
from tests.conftest import Warehouse
from tests.support.cli import run_cli
from tests.support.documents import load_prepared
from tests.support.exports import july_export
from tests.support.faults import REPO
from tests.support.lake import LOCKED_PASSWORD, MotoServer, PostgresServer
from tests.support.pipeline import prepared


def _doc(content: bytes, name: str = "export-85051110-202507.csv") -> RawDocument:
    return RawDocument(name=name, source="gacc_query", content=content, flow="export",
                       commodity_code="85051110", period_start=date(2025, 7, 1),
                       period_end=date(2025, 7, 1))  # fmt: skip


def _catalogue(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """What both backends must agree on (the lake's own comments table left out).

    View columns are typed by DESCRIBE: a DuckDB file keeps the types a view had when it was
    created (core.revisions still says DECIMAL(38,6) after 005 widened its source columns),
    while a query returns the current ones — which a lake view, made anew, also reports."""
    db = con.execute("SELECT current_database()").fetchone()[0]
    skip = "NOT (schema_name = 'meta' AND table_name = 'view_column_comments')"
    views = con.execute(
        "SELECT schema_name, view_name, comment FROM duckdb_views()"
        " WHERE database_name = ? AND NOT internal ORDER BY 1, 2",
        [db],
    ).fetchall()
    view_names = {(s, v) for s, v, _ in views}
    return {
        "tables": con.execute(
            f"SELECT schema_name, table_name, comment FROM duckdb_tables()"
            f" WHERE database_name = ? AND {skip} ORDER BY 1, 2",
            [db],
        ).fetchall(),
        "table columns": [
            (*row[:5], None if row[5] in (None, "NULL") else row[5])
            for row in con.execute(
                "SELECT schema_name, table_name, column_name, data_type, is_nullable,"
                f" column_default FROM duckdb_columns() WHERE database_name = ? AND {skip}"
                " ORDER BY 1, 2, column_index",
                [db],
            ).fetchall()
            if (row[0], row[1]) not in view_names
        ],
        "views": views,
        "view columns": {
            (s, v): con.execute(
                f'SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "{s}"."{v}")'
            ).fetchall()
            for s, v, _ in views
        },
        "dictionary": [
            (r.schema, r.object, r.kind, r.column, r.comment)
            for r in dictionary_rows(con, ("raw", "core", "marts", "meta"))
            if r.object != "view_column_comments"
        ],
        # (not their definitions as DuckDB prints them back: EXCLUDE lists and type names
        # print in another order or spacing; what they return is compared by the reports)
        "macros": con.execute(
            "SELECT schema_name, function_name, function_type, parameters"
            " FROM duckdb_functions() WHERE database_name = ? AND NOT internal"
            " AND function_type IN ('macro', 'table_macro') ORDER BY 1, 2",
            [db],
        ).fetchall(),
        "migrations": con.execute(
            "SELECT version, name, sha256 FROM meta.schema_migrations ORDER BY 1"
        ).fetchall(),
    }


def test_a_new_lake_has_the_files_schema(new_lake, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file, target = tmp_path / "w.duckdb", new_lake()
    with writer(file):
        pass
    with writer(target.target):
        pass
    with reader(file) as con:
        expected = _catalogue(con)
    with reader(target.target) as con:
        found = _catalogue(con)
        counter = con.execute("SELECT * FROM meta.load_counter").fetchall()
        comments = con.execute("SELECT count(*) FROM meta.view_column_comments").fetchone()[0]
    assert found == expected
    assert counter == [(0,)] and comments > 50
    # The views carry every column comment through the dictionary (DuckLake stores none).
    assert all(row[4] for row in found["dictionary"] if row[0] in ("core", "marts"))


def test_an_older_lake_steps_through_the_pending_migrations(new_lake, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A lake made at version 6 with a document in it: opening a writer applies 7.. in steps
    (009 through its companion, which starts the counter after the held load_seqs)."""
    import hashlib

    target = new_lake()
    location = locate(target.target)
    con = lake.connect(location, read_only=False)
    try:
        con.execute("BEGIN")
        lake.apply_schema(con, lake.target_schema(6), allow_drops=False, label="006")
        for version, name, sql, _ in migration_files():
            if version <= 6:
                con.execute(
                    "INSERT INTO meta.schema_migrations (version, name, sha256) VALUES (?, ?, ?)",
                    [version, name, hashlib.sha256(sql.encode()).hexdigest()],
                )
        con.execute(
            "INSERT INTO raw.releases (release_id, load_seq, source, content, size_bytes,"
            " ingested_at, parser_version, status) VALUES ('abc', 41, 'gacc_query', 'x'::BLOB,"
            " 1, now(), '3', 'quarantined')"
        )
        con.execute("COMMIT")
        assert "load_counter" not in str(lake.read_schema(con, lake.ALIAS).tables)
    finally:
        con.close()
    with writer(target.target) as con:
        assert con.execute("SELECT * FROM meta.load_counter").fetchall() == [(41,)]
    file = tmp_path / "w.duckdb"
    with writer(file):
        pass
    with reader(file) as con:
        expected = _catalogue(con)
    with reader(target.target) as con:
        assert _catalogue(con) == expected


def test_a_migration_that_changes_rows_needs_a_lake_companion() -> None:
    assert lake._data_statements("INSERT INTO t VALUES (1); UPDATE t SET a = 2") == {
        "INSERT",
        "UPDATE",
    }
    assert lake._data_statements("CREATE TABLE t (a INT); COMMENT ON TABLE t IS 'x'") == set()
    # Every migration with data statements has one (a lake can be at any version from 6 on).
    for version, name, sql, companion in migration_files():
        if version > 6 and lake._data_statements(sql):
            assert companion, name


def test_a_password_never_goes_into_the_setting_nor_out_in_an_error(
    pg_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "hunter2-in-url"
    url = pg_server.new_lake(owner="locked")
    result = run_cli("report", "--period", "2025-07", "--warehouse", f"{url} password={secret}")
    assert result.code == 1 and "holds a password" in result.stderr
    assert secret not in result.output
    uri = f"ducklake:postgres:postgresql://locked:{secret}@127.0.0.1:{pg_server.port}/x"
    result = run_cli("schema", "--warehouse", uri)
    assert result.code == 1 and secret not in result.output
    # No password: libpq says so, in one line.
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("CUSTOMS_ETL_LAKE_DATA_PATH", str(tmp_path / "data"))
    result = run_cli("migrate", "--warehouse", url)
    assert result.code == 1 and "no password supplied" in result.stderr, result.output
    # A wrong one, and a server that is not there: neither password shows.
    monkeypatch.setenv("PGPASSWORD", "wrong-pw-9c1")
    result = run_cli("migrate", "--warehouse", url)
    assert result.code == 1 and "password authentication failed" in result.stderr
    assert "wrong-pw-9c1" not in result.output
    monkeypatch.setenv("PGPASSWORD", LOCKED_PASSWORD)
    dead = url.replace(f"port={pg_server.port}", "port=1")
    result = run_cli("migrate", "--warehouse", dead)
    assert result.code == 1 and "cannot open lake warehouse" in result.stderr
    assert LOCKED_PASSWORD not in result.output and "\n" not in result.stderr.strip()
    # The right one from PGPASSWORD works; so does a libpq service file (no PGPASSWORD).
    assert run_cli("migrate", "--warehouse", url).code == 0
    monkeypatch.delenv("PGPASSWORD")
    services = tmp_path / "pg_service.conf"
    dbname = url.split("dbname=")[1].split()[0]
    services.write_text(
        f"[customs]\nhost=127.0.0.1\nport={pg_server.port}\ndbname={dbname}\nuser=locked\n"
        f"password={LOCKED_PASSWORD}\n"
    )
    services.chmod(0o600)
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    service = "ducklake:postgres:service=customs"
    result = run_cli("schema", "--format", "json", "--warehouse", service)
    assert result.code == 0 and '"object": "world_monthly"' in result.stdout, result.output
    assert LOCKED_PASSWORD not in result.output


def test_a_missing_extension_package_is_one_line(tmp_path: Path) -> None:
    """A package without its extension file (a wrong version, a broken install): one line
    naming the pip package, never DuckDB's attempt to download."""
    fake = tmp_path / "shadow" / "duckdb_extension_ducklake"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMS_ETL_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "shadow"), str(REPO)])
    done = subprocess.run(
        [sys.executable, "-m", "customs_etl", "report", "--period", "2025-07",
         "--warehouse", "ducklake:postgres:dbname=x host=127.0.0.1 port=1"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    line = done.stderr.strip()
    assert "\n" not in line and "duckdb-extension-ducklake==1.5.5" in line, line
    assert "download" not in line.lower().replace("no download", "")


def test_a_commit_that_meets_another_writers_runs_again(new_lake) -> None:  # type: ignore[no-untyped-def]
    """Two writers on one lake: the first to commit wins; the other's whole transaction runs
    again (retrying) and sees the winner's load, so the document loads once."""
    target = new_lake()
    batch = prepared(_doc(july_export()))
    attempts = []
    with writer(target.target) as con:

        def work(con: duckdb.DuckDBPyConnection) -> int:
            attempts.append(len(attempts) + 1)
            from customs_etl.warehouse.releases import _take_seqs, decisions_of

            held = decisions_of(con, [batch.docs[0].sha256])
            seq = _take_seqs(con, 1)
            if len(attempts) == 1:  # another process loads the same bytes meanwhile
                runner = threading.Thread(target=load_prepared, args=(batch, target.target))
                runner.start()
                runner.join()
            return len(held) * 1000 + seq

        result = retrying(con, work, what="a test write")
    assert attempts == [1, 2]
    assert result == 1000 + 2  # the second attempt saw the load, and the next load_seq
    with reader(target.target) as con:
        assert con.execute("SELECT count(*), max(load_seq) FROM raw.releases").fetchone() == (
            1,
            1,
        )
        assert con.execute("SELECT last_load_seq FROM meta.load_counter").fetchone() == (2,)


def test_a_conflict_without_retrying_is_a_transaction_error(new_lake) -> None:  # type: ignore[no-untyped-def]
    """Why retrying exists: DuckLake refuses the second of two counter updates."""
    target = new_lake()
    with writer(target.target) as first, writer(target.target) as second:
        first.execute("BEGIN")
        second.execute("BEGIN")
        first.execute("UPDATE meta.load_counter SET last_load_seq = last_load_seq + 1")
        second.execute("UPDATE meta.load_counter SET last_load_seq = last_load_seq + 1")
        first.execute("COMMIT")
        with pytest.raises(duckdb.TransactionException, match="onflict"):
            second.execute("COMMIT")


@pytest.mark.slow
def test_migrate_copies_a_file_into_a_lake_and_back_verified(
    sample_warehouse: Path, sample_lake: str, new_lake, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """``sample_lake`` is the sample file after ``migrate --to``: the same reports; again is
    a no-op; a lake holding other data is refused; lake → file gives the file's data back."""
    from tests.support.faults import warehouse_state

    variants = (
        ("--format", "json"),
        ("--format", "markdown"),
        ("--focus", "DE", "--period", "2024-12"),
    )
    for args in variants:
        file_report = run_cli("report", "--period", "2025-07", *args, "--warehouse",
                              str(sample_warehouse))  # fmt: skip
        lake_report = run_cli("report", "--period", "2025-07", *args, "--warehouse", sample_lake)
        assert file_report.code == lake_report.code == 0, lake_report.output
        assert lake_report.stdout == file_report.stdout
    again = run_cli("migrate", "--warehouse", str(sample_warehouse), "--to", sample_lake)
    assert again.code == 0 and "already held the same data" in again.stdout, again.output
    other = new_lake()
    assert load_prepared(prepared(_doc(july_export())), other.target).status == "loaded"
    refused = run_cli("migrate", "--warehouse", str(sample_warehouse), "--to", other.target)
    assert refused.code == 1 and "already holds other data" in refused.stderr
    back = tmp_path / "back.duckdb"
    result = run_cli("migrate", "--warehouse", sample_lake, "--to", str(back))
    assert result.code == 0 and "copied and verified" in result.stdout, result.output
    assert "raw.releases: 21 rows" in result.stdout
    before, after = warehouse_state(sample_warehouse), warehouse_state(back)
    assert after == before
    with duckdb.connect(str(back), read_only=True) as con:
        seqs = con.execute("SELECT load_seq FROM raw.releases ORDER BY 1").fetchall()
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        assert con.execute("SELECT load_seq FROM raw.releases ORDER BY 1").fetchall() == seqs


def test_migrate_to_refuses_itself_and_a_missing_source(tmp_path: Path) -> None:
    with pytest.raises(CustomsEtlError, match="names the warehouse itself"):
        from customs_etl.warehouse.transfer import copy_warehouse

        copy_warehouse(tmp_path / "w.duckdb", tmp_path / "w.duckdb")
    result = run_cli("migrate", "--warehouse", str(tmp_path / "none.duckdb"), "--to",
                     str(tmp_path / "x.duckdb"))  # fmt: skip
    assert result.code == 1 and "no warehouse at" in result.stderr


@pytest.fixture(scope="module")
def moto() -> MotoServer:  # type: ignore[misc]
    server = MotoServer.start()
    yield server
    server.stop()


def test_a_lake_on_s3(
    moto: MotoServer, new_lake, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    """Data files in a bucket (moto's S3 on 127.0.0.1), credentials from the AWS variables."""
    for name, value in moto.environment().items():
        monkeypatch.setenv(name, value)
    target = new_lake(data_path=f"s3://{moto.bucket}/lake-{os.getpid()}")
    first = load_prepared(prepared(_doc(july_export())), target.target)
    assert (first.status, first.rows) == ("loaded", 4)
    keys = moto.keys(f"lake-{os.getpid()}/")
    # raw.releases is never inlined into the catalog (documents are large): a Parquet file.
    assert any(k.endswith(".parquet") and "/raw/releases/" in k for k in keys), keys
    monkeypatch.delenv("CUSTOMS_ETL_LAKE_DATA_PATH")  # the catalog remembers the bucket
    report = run_cli("report", "--period", "2025-07", "--format", "json",
                     "--warehouse", target.target)  # fmt: skip
    assert report.code == 0 and '"tonnes": 1967.0' in report.stdout, report.output
    assert "moto-secret-5d1e" not in report.output


def test_the_lake_warehouse_setting_is_parsed_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMS_ETL_LAKE_DATA_PATH", "relative/data")
    found = locate("ducklake:postgres:dbname=c host=h user=u")
    assert found.is_lake and found.catalog == "dbname=c host=h user=u"
    assert found.data_path == str(Path("relative/data").resolve()) + os.sep
    assert not locate("data/w.duckdb").is_lake
    with pytest.raises(CustomsEtlError, match="only a PostgreSQL catalog"):
        locate("ducklake:sqlite:meta.sqlite")
    monkeypatch.setenv("CUSTOMS_ETL_LAKE_DATA_PATH", "gs://bucket/x")
    with pytest.raises(CustomsEtlError, match="folder or s3://"):
        locate("ducklake:postgres:dbname=c")
    monkeypatch.setenv("CUSTOMS_ETL_WAREHOUSE", "ducklake:postgres:service=team")
    monkeypatch.setenv("CUSTOMS_ETL_LAKE_DATA_PATH", "s3://bucket/x")
    found = locate(None)
    assert str(found) == "ducklake:postgres:service=team" and found.data_path == "s3://bucket/x/"
    assert known_schema_version() >= 8
    _ = migrate, Warehouse


@pytest.mark.slow
def test_comtrade_mirror_and_watchlist_on_a_lake(
    prefect_api: str, new_lake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    """Issue 12's source on a lake: a backfill against the Comtrade stand-in (dataset versions
    kept without a key), an unchanged re-run fetches no data page, and mirror and watchlist
    print the same on the lake as on a DuckDB file copied from it."""
    from tests.support.comtrade_site import ComtradeStandIn

    target = new_lake()
    site = ComtradeStandIn.from_fixtures(preview_cap=7)
    backfill = ("backfill", "--source", "comtrade", "--start", "2025-02", "--end", "2025-03",
                "--warehouse", target.target)  # fmt: skip
    with site.serve() as url:
        monkeypatch.setenv("CUSTOMS_ETL_COMTRADE_URL", url)
        monkeypatch.setenv("CUSTOMS_ETL_COMTRADE_MAX_RECORDS", "7")
        monkeypatch.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0")
        monkeypatch.setenv("CUSTOMS_ETL_DATA_DOCS", "off")
        first = run_cli(*backfill)
        assert first.code == 0, first.output
        before = len(site.data_requests())
        again = run_cli(*backfill)
        assert again.code == 0 and len(site.data_requests()) == before, again.output
    with reader(target.target) as con:
        (datasets,) = con.execute(
            "SELECT count(*) - count(DISTINCT (release_id, dataset)) FROM raw.release_datasets"
        ).fetchone()
    assert datasets == 0
    file = tmp_path / "copy.duckdb"
    assert run_cli("migrate", "--warehouse", target.target, "--to", str(file)).code == 0
    for args in (
        ("mirror", "--period", "2025-03", "--commodity", "850511", "--format", "json"),
        ("mirror", "--period", "2025-03", "--commodity", "850511"),
        ("watchlist", "--period", "2025-03", "--format", "json"),
    ):
        on_lake = run_cli(*args, "--warehouse", target.target)
        on_file = run_cli(*args, "--warehouse", str(file))
        assert on_lake.code == 0 and on_lake.stdout == on_file.stdout, on_lake.output
    assert '"partner": "US"' in run_cli("mirror", "--period", "2025-03", "--commodity", "850511",
                                        "--format", "json", "--warehouse", target.target).stdout


def test_a_lake_writer_keeps_to_the_memory_budget_and_spills_to_its_own_folder(
    new_lake, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    """As a file's writer: DuckDB's limit from CUSTOMS_ETL_MEMORY_MB (a changed budget is a
    new instance); beyond it the in-memory instance spills to a folder of its own, not to
    ``./.tmp`` (shared by every process started in one directory), gone with the instance.
    A reader keeps DuckDB's default."""
    from tests.warehouse.test_memory_budget import _shown

    target = new_lake()
    monkeypatch.setenv("CUSTOMS_ETL_MEMORY_MB", "2048")
    with writer(target.target) as con:
        limit, spill = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
        assert limit == _shown(512)
        folder = Path(spill)
        assert folder.parent == Path(tempfile.gettempdir())
        assert folder.name.startswith(f"customs-etl-lake-spill-{os.getpid()}-")
        con.execute("SET memory_limit = '16MB'")  # this instance only: forgotten below
        con.execute("CREATE TEMP TABLE spilled AS SELECT range AS a, md5(range::VARCHAR) AS b"
                    " FROM range(600000)")  # fmt: skip
        assert con.execute("SELECT count(*) FROM spilled").fetchone()[0] == 600_000
        assert folder.is_dir() and any(folder.iterdir())  # it did spill, there
    monkeypatch.setenv("CUSTOMS_ETL_MEMORY_MB", "4096")
    with writer(target.target) as con:  # another budget: another instance, another folder
        limit, other = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
        assert limit == _shown(1024) and other != spill
    lake.forget_connections()
    assert not folder.exists()
    with reader(target.target) as con, duckdb.connect() as plain:
        shown = "SELECT current_setting('memory_limit')"
        assert con.execute(shown).fetchone() == plain.execute(shown).fetchone()
