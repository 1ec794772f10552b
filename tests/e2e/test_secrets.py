"""Secrets from the environment reach the publisher and nothing else.

``CUSTOMS_ETL_HTTP_COOKIE`` and ``CUSTOMS_ETL_HTTP_API_KEY`` are sent to the site (checked on
the server side, so the greps below could fail), then a failing run's every trace is searched
for them: the terminal, Prefect's logs, flow and task run states and artifacts, every table of
the warehouse and its files, and the PREFECT_HOME folder.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from customs_etl.core.errors import SourceError
from customs_etl.publishers.http import (
    Credentials,
    fetch,
    make_session,
    redact_secrets,
)
from tests.support import paths
from tests.support.cli import run_cli
from tests.support.http_site import RecordedRequest, Reply, Route, serve_site

ENV_COOKIE = "CUSTOMS_ETL_HTTP_COOKIE"
ENV_API_KEY = "CUSTOMS_ETL_HTTP_API_KEY"
ENV_API_KEY_PARAM = "CUSTOMS_ETL_HTTP_API_KEY_PARAM"

pytestmark = pytest.mark.slow  # local HTTP servers, Prefect flow runs
FIXTURES = paths.FIXTURES / "gacc_bulletin"
INDEX = (FIXTURES / "index-monthly-2026.html").read_bytes()
# URL-safe on purpose: one marker then covers the raw, quoted and URL-encoded forms.
COOKIE_VALUE = "COOKIE-SECRET-5f1e9a"
CLEARANCE = "CLEARANCE-SECRET-77b2"
API_KEY = "APIKEY-SECRET-3c8d41"
COOKIE = f"sessionid={COOKIE_VALUE}; __jsl_clearance={CLEARANCE}"
MARKERS = (COOKIE_VALUE, CLEARANCE, API_KEY)
CHALLENGE = b"<html><head><script>document.cookie='x=1';location.reload()</script></head></html>"


def leaks(text: str | bytes) -> list[str]:
    """The secret markers found in ``text``."""
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    return [m for m in MARKERS if m.encode() in data]


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_COOKIE, COOKIE)
    monkeypatch.setenv(ENV_API_KEY, API_KEY)
    monkeypatch.setenv(ENV_API_KEY_PARAM, "k")  # a plain name: only value redaction catches it


def _seen_by_site(requests_: list[RecordedRequest]) -> str:
    return "\n".join(f"{r.path} {r.headers}" for r in requests_)


# --------------------------------------------------------------------------- sending


def test_credentials_go_to_the_publisher_host_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_COOKIE, COOKIE)
    monkeypatch.setenv(ENV_API_KEY, API_KEY)
    log: list[RecordedRequest] = []
    with serve_site({"/a": b"a", "/b": b"b"}, log=log) as base_url:
        port = base_url.rsplit(":", 1)[1]
        session = make_session(retries=0, secret_hosts=["127.0.0.1"])
        assert fetch(session, f"{base_url}/a").body == b"a"
        assert fetch(session, f"http://localhost:{port}/b").body == b"b"
    publisher, other = log
    assert publisher.headers["Cookie"] == COOKIE and publisher.headers["X-API-Key"] == API_KEY
    assert leaks(_seen_by_site([other])) == []
    assert API_KEY not in repr(Credentials.from_env())


def test_a_redirect_to_another_origin_drops_the_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_COOKIE, COOKIE)
    monkeypatch.setenv(ENV_API_KEY, API_KEY)
    elsewhere_log: list[RecordedRequest] = []
    with serve_site({"/x": b"landed"}, log=elsewhere_log) as elsewhere:
        same_host = Route.script(
            Reply(status=302, headers={"Location": "/moved"}),
            Reply(status=302, headers={"Location": f"{elsewhere}/x"}),
        )
        with serve_site({"/start": same_host, "/moved": same_host}) as base_url:
            doc = fetch(make_session(retries=0), f"{base_url}/start")
    assert doc.body == b"landed"
    first, moved = same_host.requests
    assert COOKIE_VALUE in first.headers["Cookie"] and moved.headers["Cookie"] == COOKIE
    assert moved.headers["X-API-Key"] == API_KEY  # same origin: kept across the redirect
    assert leaks(_seen_by_site(elsewhere_log)) == []  # another origin: neither is sent


# --------------------------------------------------------------------------- redaction


def test_connection_error_messages_hold_no_secret(secret_env: None) -> None:
    """urllib3 quotes the full request URL — here with the API key in it — when it fails."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceError) as info:
        fetch(make_session(retries=1, backoff=0.01), f"http://127.0.0.1:{port}/t?period=2026")
    text = f"{info.value} {info.value!r}"
    assert "Connection" in text and "period=2026" in text
    assert leaks(text) == []
    assert redact_secrets(f"k={API_KEY}&c={COOKIE}") == "k=REDACTED&c=REDACTED"


# --------------------------------------------------------------------------- a failing run


def _warehouse_text(path: Path) -> str:
    """Every row of every table and view, as text."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()"
            " UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
        return "\n".join(
            repr(con.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall())
            for schema, name in names
        )


def _prefect_text(since: datetime) -> str:
    """Flow runs, task runs, logs and artifacts the API holds for runs started since ``since``."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterStartTime,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()  # logs reach the API in batches: send what is still queued
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since))
        )
        ids = [r.id for r in runs]
        assert len(ids) >= 2, "the failing runs did not reach the Prefect API"
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": ids}))
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)), limit=200)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids))
        )
    assert logs and artifacts, "nothing to search: the runs logged nothing"
    return "\n".join(x.model_dump_json() for x in [*runs, *tasks, *logs, *artifacts])


def _files_bytes(folder: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_no_secret_in_any_trace_of_a_failing_run(
    prefect_api: str, secret_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pages = {
        # January: imports load, exports are an error page (quarantined: the run fails)
        "/Statics/14000000-0000-4000-8000-000000000001.html": (
            FIXTURES / "table14-import-2026-01.html"
        ).read_bytes(),
        "/Statics/13000000-0000-4000-8000-000000000001.html": (
            FIXTURES / "error-page.html"
        ).read_bytes(),
        # February: the WAF's 412 challenge (the fetch fails: the run errors out)
        "/Statics/13000000-0000-4000-8000-000000000002.html": Reply(CHALLENGE, status=412),
    }
    site = {"/statics/report/monthly.html": INDEX, "/statics/report/monthly2026.html": INDEX}
    log: list[RecordedRequest] = []
    warehouse = tmp_path / "w.duckdb"
    since = datetime.now(UTC)
    with serve_site({**site, **pages}, log=log) as base_url:
        monkeypatch.setenv("CUSTOMS_ETL_GACC_BULLETIN_URL", base_url)
        monkeypatch.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0")
        quarantined = run_cli(
            "run", "--source", "gacc-bulletin", "--period", "2026-01", "--warehouse", str(warehouse)
        )
        refused = run_cli(
            "run", "--source", "gacc-bulletin", "--period", "2026-02", "--warehouse", str(warehouse)
        )
    assert quarantined.code == 1 and "quarantined" in quarantined.stderr, quarantined.output
    assert refused.code == 1 and "HTTP 412" in refused.stderr, refused.output

    # The secrets were really in play: the site got both on every request...
    assert all(COOKIE_VALUE in r.headers.get("Cookie", "") for r in log)
    assert all(f"k={API_KEY}" in r.path for r in log)
    assert leaks(_seen_by_site(log)) == list(MARKERS)  # ...and the search finds them there.

    traces = {
        "terminal": quarantined.output + refused.output,
        "prefect api": _prefect_text(since),
        "warehouse rows": _warehouse_text(warehouse),
        "warehouse files": _files_bytes(tmp_path),
        "prefect home": _files_bytes(Path(os.environ["PREFECT_HOME"])),
    }
    found = {where: leaks(text) for where, text in traces.items() if leaks(text)}
    assert found == {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        urls = [u for (u,) in con.execute("SELECT url FROM raw.releases").fetchall()]
    # the metadata is there (index archived, one table loaded, one quarantined), redacted
    assert len(urls) == 3 and all(u.startswith(base_url) for u in urls)
