"""HTTP faults from a local site: retried where sensible, refused clearly where not, never loaded.

Every case runs the real chain — bulletin client over real sockets → prepare (parse, normalise,
GX) → load into a DuckDB file — and then looks at what the warehouse holds: the good page's
rows after a transient fault, nothing at all after a fault that is not data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from customs_etl.core.errors import SourceError
from customs_etl.core.models import Outcome
from customs_etl.pipeline.load import archive
from customs_etl.publishers.gacc_bulletin import PUBLISHER as BULLETIN
from customs_etl.publishers.gacc_bulletin.client import BulletinClient
from customs_etl.publishers.http import HttpStatusError, make_session
from tests.support import paths
from tests.support.cli import run_cli
from tests.support.documents import load_prepared
from tests.support.faults import Reset, Truncated, serve_faulty_site
from tests.support.http_site import Reply, Route
from tests.support.pipeline import prepared

pytestmark = pytest.mark.slow  # local HTTP servers
FIXTURES = paths.FIXTURES / "gacc_bulletin"
INDEX = (FIXTURES / "index-monthly-2026.html").read_bytes()
PAGE = (FIXTURES / "table14-import-2026-01.html").read_bytes()
TABLE14_JAN = "/Statics/14000000-0000-4000-8000-000000000001.html"
TABLE13_JAN = "/Statics/13000000-0000-4000-8000-000000000001.html"
MONTH = date(2026, 1, 1)
CHALLENGE = (
    b"<!DOCTYPE html><html><head><title>Please wait</title><script>var _0x4f=['cookie'];"
    b"document[_0x4f[0]]='__jsl_clearance=1';location.reload();</script></head>"
    b"<body></body></html>"
)


def _site(table14: Route, table13: Route | None = None) -> dict[str, Route | bytes]:
    """The 2026 index (under both names, whatever this year is) and January's tables."""
    return {
        "/statics/report/monthly.html": INDEX,
        "/statics/report/monthly2026.html": INDEX,
        TABLE14_JAN: table14,
        TABLE13_JAN: table13 or Route.static(b"gone", status=404, content_type="text/plain"),
    }


def _load_month(base_url: str, warehouse: Path) -> list[Outcome]:
    """Fetch January 2026 from the site as the flows do: archive the index, then prepare +
    load every data document; the data documents' outcomes."""
    client = BulletinClient(
        base_url, session=make_session(retries=2, backoff=0.01), polite_delay=0, timeout=(2, 5)
    )
    docs = BULLETIN.documents_for_month(MONTH, {}, client=client)
    for page in (d for d in docs if d.archive_only):
        archive(page, str(warehouse))
    return [load_prepared(prepared(doc), str(warehouse)) for doc in docs if not doc.archive_only]


def _observations(warehouse: Path) -> list[tuple[Any, ...]]:
    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(
            con.execute("SELECT * EXCLUDE (release_id) FROM core.observations").fetchall(),
            key=repr,
        )


@pytest.fixture(scope="module")
def good_rows(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Any, ...]]:
    """What an undisturbed fetch of the page loads."""
    warehouse = tmp_path_factory.mktemp("good") / "w.duckdb"
    with serve_faulty_site(_site(Route.static(PAGE))) as base_url:
        [outcome] = _load_month(base_url, warehouse)
    assert outcome.status == "loaded" and outcome.rows > 0
    return _observations(warehouse)


@dataclass(frozen=True)
class Case:
    replies: tuple[Any, ...]
    requests: int  # how many times the page was asked for
    error: str | None = None  # a SourceError from the fetch, matching this text
    quarantined: str | None = None  # fetched but refused by the parser with this text
    kept: bytes = b""  # the bytes a quarantined document keeps


def _truncated(declare_length: bool) -> Truncated:
    return Truncated(PAGE, keep=len(PAGE) * 2 // 3, declare_length=declare_length)


CASES = {
    # transient: retried, then the good page loads
    "reset-then-page": Case((Reset(), Reply(PAGE)), 2),
    "500-then-page": Case((Reply(b"busy", status=500), Reply(PAGE)), 2),
    "429-retry-after-then-page": Case(
        (Reply(b"slow down", status=429, headers={"Retry-After": "1"}), Reply(PAGE)), 2
    ),
    "cut-off-body-then-page": Case((_truncated(True), Reply(PAGE)), 2),
    # persistent: refused with a SourceError after the retries
    "always-reset": Case((Reset(),), 3, error="ConnectionError"),
    "always-500": Case((Reply(b"down", status=500),), 3, error="HTTP 500"),
    "always-cut-off-body": Case((_truncated(True),), 3, error="cut off mid-transfer"),
    # not data: refused at once, no retry
    "412-challenge-page": Case(
        (Reply(CHALLENGE, status=412),), 1, error="HTTP 412 (a WAF/JS challenge"
    ),
    "wrong-content-type": Case(
        (Reply(PAGE, content_type="application/octet-stream"),), 1, error="content type"
    ),
    "json-instead-of-page": Case(
        (Reply(b'{"code": 500}', content_type="application/json"),), 1, error="content type"
    ),
    # fetched, but the parser refuses it: quarantined with the bytes, no rows
    "cut-off-body-without-length": Case(
        (_truncated(False),), 1, quarantined="cut off", kept=PAGE[: _truncated(False).keep]
    ),
    "challenge-page-with-200": Case(
        (Reply(CHALLENGE),), 1, quarantined="no bulletin table", kept=CHALLENGE
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_http_fault(name: str, good_rows: list[tuple[Any, ...]], tmp_path: Path) -> None:
    case = CASES[name]
    warehouse = tmp_path / "w.duckdb"
    page = Route.script(*case.replies)
    started = time.monotonic()
    with serve_faulty_site(_site(page)) as base_url:
        if case.error:
            with pytest.raises(SourceError, match=case.error.replace("(", r"\(")) as info:
                _load_month(base_url, warehouse)
            assert TABLE14_JAN in str(info.value)  # names the page
            outcomes = []
        else:
            outcomes = _load_month(base_url, warehouse)
    assert len(page.requests) == case.requests, [r.path for r in page.requests]
    if case.error:
        assert _observations(warehouse) == []
        if "412" in name:
            assert isinstance(info.value, HttpStatusError) and info.value.status == 412
    elif case.quarantined:
        [outcome] = outcomes
        assert outcome.status == "quarantined" and case.quarantined in outcome.message
        assert _observations(warehouse) == []
        with duckdb.connect(str(warehouse), read_only=True) as con:
            [(kept,)] = con.execute(
                "SELECT content FROM raw.releases WHERE status = 'quarantined'"
            ).fetchall()
        assert kept == case.kept  # the bytes as received, for review
    else:
        assert [o.status for o in outcomes] == ["loaded"]
        assert _observations(warehouse) == good_rows
    if "retry-after" in name:
        assert time.monotonic() - started >= 1.0  # the server's Retry-After was honoured


def test_cli_run_never_loads_fault_pages(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: a cut-off page and a WAF page (200) — both quarantined, exit 1, no rows."""
    site = _site(Route(_truncated(False)), Route(Reply(CHALLENGE)))
    warehouse = tmp_path / "w.duckdb"
    with serve_faulty_site(site) as base_url:
        monkeypatch.setenv("CUSTOMS_ETL_GACC_BULLETIN_URL", base_url)
        monkeypatch.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0")
        result = run_cli(
            "run", "--source", "gacc-bulletin", "--period", "2026-01", "--warehouse", str(warehouse)
        )
    assert result.code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 2 and all(line.startswith("quarantined: ") for line in errors), errors
    assert any("cut off" in line for line in errors), errors
    assert any("no bulletin table" in line for line in errors), errors
    assert _observations(warehouse) == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = con.execute("SELECT status FROM raw.releases ORDER BY status").fetchall()
    assert statuses == [("archived",), ("quarantined",), ("quarantined",)]  # index kept raw
