"""The failure notice: real POSTs to a local web site, secrets kept out of every log line.

The webhook is ``tests/support/http_site.py`` on 127.0.0.1; the flow-run tests use the
session's real Prefect API. ``Outcome`` objects are built directly: they are plain values.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from customs_etl.core.errors import SourceError
from customs_etl.core.models import Outcome
from customs_etl.flows.notify import (
    ENV_WEBHOOK,
    notify_failure,
    notify_on_crash,
    redact_webhook_url,
    webhook_url_from_env,
)
from tests.support.http_site import RecordedRequest, Route, serve_site

PATH_TOKEN = "T0PSECRETPATHTOKEN"
QUERY_TOKEN = "s3cr3t-query-value"
PASSWORD = "pa55w0rd-hidden"


def _outcomes() -> list[Outcome]:
    return [
        Outcome("export-85051110-202506.csv", "2025-06", "loaded", 812, 1.2, "", "a" * 64),
        Outcome("export-85051110-202507.csv", "2025-07", "unchanged", 0, 0.1, "", "b" * 64),
        Outcome(
            "export-85051110-202505.csv",
            "2025-05",
            "quarantined",
            0,
            0.8,
            "export-85051110-202505.csv: failed gacc_query_release: quantity_kg >= 0",
            "c0ffee" + "0" * 58,
        ),
    ]


def _body(request: RecordedRequest) -> dict:
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.body)


def _assert_recent(iso: str) -> None:
    moment = datetime.fromisoformat(iso)
    assert moment.tzinfo is not None
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=1)


def test_quarantine_notice_reaches_the_webhook() -> None:
    hook = Route.static("ok", content_type="text/plain")
    with serve_site({"/hooks/run": hook}) as base:
        sent = notify_failure(
            "backfill", _outcomes(), f"{base}/hooks/run", run="tidy-otter", run_id="42"
        )
    assert sent is True
    assert len(hook.requests) == 1
    body = _body(hook.requests[0])
    _assert_recent(body.pop("at"))
    assert body == {
        "event": "quarantined",
        "flow": "backfill",
        "run": "tidy-otter",
        "run_id": "42",
        "quarantined": [
            {
                "file": "export-85051110-202505.csv",
                "period": "2025-05",
                "reason": "export-85051110-202505.csv: failed gacc_query_release: quantity_kg >= 0",
                "id": "c0ffee000000",
            }
        ],
        "counts": {"loaded": 1, "unchanged": 1, "quarantined": 1},
    }


def test_run_failure_summary_goes_to_the_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = Route.static("", status=204)
    with serve_site({"/hook": hook}) as base:
        monkeypatch.setenv(ENV_WEBHOOK, f"  {base}/hook  ")
        assert webhook_url_from_env() == f"{base}/hook"
        sent = notify_failure("monthly", SourceError("gacc: HTTP 503"), run="r", run_id="1")
    assert sent is True
    body = _body(hook.requests[0])
    assert (body["event"], body["flow"], body["quarantined"], body["counts"]) == (
        "run_failed",
        "monthly",
        [],
        {},
    )
    assert body["error"] == "SourceError: gacc: HTTP 503"


def test_nothing_to_report_or_no_url_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[RecordedRequest] = []
    fine = [o for o in _outcomes() if o.status != "quarantined"]
    with serve_site({"/hook": Route.static("ok")}, log=log) as base:
        assert notify_failure("ingest", fine, f"{base}/hook", run="r", run_id="1") is False
        monkeypatch.setenv(ENV_WEBHOOK, "   ")
        assert webhook_url_from_env() is None
        assert notify_failure("ingest", _outcomes(), run="r", run_id="1") is False
    assert log == []


def _secret_url(base: str) -> str:
    """A webhook URL with a password, a path token and a query token (all must stay hidden)."""
    host = base.removeprefix("http://")
    return f"http://bot:{PASSWORD}@{host}/hooks/{PATH_TOKEN}?token={QUERY_TOKEN}&v=1"


def _assert_one_redacted_warning(caplog: pytest.LogCaptureFixture) -> str:
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "failure notice" in warnings[0]
    for secret in (PATH_TOKEN, QUERY_TOKEN, PASSWORD):
        assert secret not in caplog.text
    return warnings[0]


def test_webhook_answering_500_is_retried_then_warned_without_its_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 prints request paths at DEBUG: must be masked too
    broken = Route.static("down", status=500)
    with serve_site({f"/hooks/{PATH_TOKEN}": broken}) as base:
        sent = notify_failure(
            "backfill", _outcomes(), _secret_url(base), run="r", run_id="1", retries=1
        )
    assert sent is False
    assert len(broken.requests) == 2  # retried once, then gave up
    assert QUERY_TOKEN in broken.requests[0].path  # the secret did reach the webhook itself
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    warning = _assert_one_redacted_warning(caplog)
    assert warning.endswith("/REDACTED not delivered: HTTP 500")


def test_unreachable_webhook_never_raises_nor_leaks(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with serve_site({}) as base:
        url = _secret_url(base)  # the port is closed once the site has shut down
    sent = notify_failure("backfill", _outcomes(), url, run="r", run_id="1", retries=0)
    assert sent is False
    warning = _assert_one_redacted_warning(caplog)
    assert "/REDACTED not delivered: ConnectionError" in warning


def test_a_malformed_webhook_url_is_not_echoed(caplog: pytest.LogCaptureFixture) -> None:
    url = f"hooks {PATH_TOKEN} token={QUERY_TOKEN} {PASSWORD}"
    assert notify_failure("ingest", "boom", url, run="r", run_id="1", retries=0) is False
    assert "REDACTED" in _assert_one_redacted_warning(caplog)


def test_redacted_webhook_url_keeps_only_scheme_host_and_port() -> None:
    assert (
        redact_webhook_url("https://hooks.slack.com/services/T000/B000/XXXXXXXX")
        == "https://hooks.slack.com/REDACTED"
    )
    assert redact_webhook_url("https://u:pw@example.org:8443/?key=abc") == (
        "https://example.org:8443/REDACTED"
    )
    assert redact_webhook_url("https://example.org") == "https://example.org/"
    assert "secret" not in redact_webhook_url("no scheme secret")


@pytest.mark.slow
def test_notices_name_the_real_prefect_flow_run(
    prefect_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import flow

    @flow(name="notify-quarantine-test")
    def quarantining(url: str) -> bool:
        return notify_failure("ingest", _outcomes(), url)  # as flows/run_engine.py Run.finish does

    @flow(name="notify-crash-test", on_failure=[notify_on_crash])
    def crashing() -> None:
        raise SourceError("gacc bulletin unreachable after 3 tries")

    hook = Route.static("ok")
    with serve_site({"/hook": hook}) as base:
        monkeypatch.setenv(ENV_WEBHOOK, f"{base}/hook")
        quarantined = quarantining(f"{base}/hook", return_state=True)
        crashed = crashing(return_state=True)

    assert quarantined.result() is True
    assert crashed.is_failed()
    first, second = (_body(r) for r in hook.requests)
    assert first["event"] == "quarantined"
    assert first["run_id"] == str(quarantined.state_details.flow_run_id)
    assert first["run"]  # Prefect's generated run name
    assert second["event"] == "run_failed"
    assert second["flow"] == "notify-crash-test"
    assert second["run_id"] == str(crashed.state_details.flow_run_id)
    assert second["error"] == "SourceError: gacc bulletin unreachable after 3 tries"
