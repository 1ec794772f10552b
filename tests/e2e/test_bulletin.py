"""The bulletin source end to end: local HTTP site → `customs-etl run` → warehouse → report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.support import paths
from tests.support.cli import run_cli
from tests.support.http_site import Route, serve_site

FIXTURES = paths.FIXTURES / "gacc_bulletin"
TABLE14_JAN = "/Statics/14000000-0000-4000-8000-000000000001.html"


@pytest.fixture
def bulletin_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Route]]:
    routes = {
        "/statics/report/monthly.html": Route.static(
            (FIXTURES / "index-monthly-2026.html").read_bytes()
        ),
        TABLE14_JAN: Route.static((FIXTURES / "table14-import-2026-01.html").read_bytes()),
    }
    with serve_site(routes) as base_url:
        monkeypatch.setenv("CUSTOMS_ETL_GACC_BULLETIN_URL", base_url)
        monkeypatch.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0")
        yield routes


def test_run_loads_a_published_month_and_reports_rare_earths(
    prefect_api: str, bulletin_site: dict[str, Route], tmp_path: Path
) -> None:
    warehouse = str(tmp_path / "w.duckdb")
    first = run_cli(
        "run", "--source", "gacc-bulletin", "--period", "2026-01", "--warehouse", warehouse
    )
    assert first.code == 0, first.output
    assert "bulletin-table14-2026-01.html" in first.stdout and "loaded" in first.stdout
    with duckdb.connect(warehouse, read_only=True) as con:
        kept = con.execute(
            "SELECT source, status, url, sha256(content) = release_id FROM raw.releases"
            " ORDER BY load_seq"
        ).fetchall()
    (index_source, index_status, index_url, _), (source, status, url, hashed) = kept
    assert url.endswith(TABLE14_JAN) and url.startswith("http://127.0.0.1")
    assert (source, status, hashed) == ("gacc_bulletin", "loaded", True)
    # The index page that led there is kept raw too, but never parsed.
    assert (index_source, index_status) == ("gacc_bulletin", "archived")
    assert index_url.endswith("/statics/report/monthly.html")

    report = run_cli(
        "report",
        "--period",
        "2026-01",
        "--commodity",
        "rare-earths",
        "--flow",
        "import",
        "--format",
        "json",
        "--warehouse",
        warehouse,
    )
    assert report.code == 0, report.output
    world = json.loads(report.stdout)["world"]
    assert world["tonnes"] == 12_939 and world["ytd_tonnes"] == 12_939
    assert json.loads(report.stdout)["partners"] == []

    again = run_cli(
        "run", "--source", "gacc-bulletin", "--period", "2026-01", "--warehouse", warehouse
    )
    assert again.code == 0 and "unchanged" in again.stdout


def test_a_month_not_published_yet_completes_quietly(
    prefect_api: str, bulletin_site: dict[str, Route], tmp_path: Path
) -> None:
    result = run_cli(
        "run",
        "--source",
        "gacc-bulletin",
        "--period",
        "2026-09",
        "--warehouse",
        str(tmp_path / "w.duckdb"),
    )
    assert result.code == 0, result.output
    assert "not published yet" in result.stdout


def test_a_page_for_another_month_than_requested_is_refused(
    prefect_api: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The index links February to a page whose title says January (a slip on the site).
    feb = TABLE14_JAN.replace("0001.html", "0002.html")
    routes = {
        "/statics/report/monthly.html": Route.static(
            (FIXTURES / "index-monthly-2026.html").read_bytes()
        ),
        feb: Route.static((FIXTURES / "table14-import-2026-01.html").read_bytes()),
    }
    warehouse = str(tmp_path / "w.duckdb")
    with serve_site(routes) as base_url:
        monkeypatch.setenv("CUSTOMS_ETL_GACC_BULLETIN_URL", base_url)
        monkeypatch.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0")
        result = run_cli(
            "run", "--source", "gacc-bulletin", "--period", "2026-02", "--warehouse", warehouse
        )
    assert result.code == 1, result.output
    assert "the page is for 2026-01 but 2026-02 was requested" in result.stderr
    assert feb in result.stderr  # the message names the page's URL
    with duckdb.connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT status FROM raw.releases ORDER BY load_seq").fetchall() == [
            ("archived",),
            ("quarantined",),
        ]
        assert con.execute("SELECT count(*) FROM core.observations").fetchone() == (0,)


def test_a_challenge_page_is_refused_once_not_retried(
    prefect_api: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    challenge = Route.static(b"<html><script>challenge()</script></html>", status=412)
    routes = {
        "/statics/report/monthly.html": Route.static(
            (FIXTURES / "index-monthly-2026.html").read_bytes()
        ),
        TABLE14_JAN: challenge,
    }
    with serve_site(routes) as base_url:
        monkeypatch.setenv("CUSTOMS_ETL_GACC_BULLETIN_URL", base_url)
        monkeypatch.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0")
        result = run_cli(
            "run",
            "--source",
            "gacc-bulletin",
            "--period",
            "2026-01",
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        )
    assert result.code == 1
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        line for line in result.stderr.splitlines() if line.startswith("error: ")
    ]
    assert "HTTP 412" in result.stderr and "Traceback" not in result.output
    assert len(challenge.requests) == 1  # neither the HTTP client nor the task retried it
