"""Failure notice: a small JSON message to an optional webhook when a run fails or quarantines.

Why its own module: the flows should only say *that* something failed. Where the notice goes
(``$CUSTOMS_ETL_WEBHOOK_URL``), how it is sent (the project's retrying session, timeouts) and
how the URL stays secret are decided here once.

A webhook URL is a credential as a whole: Slack, Teams and Discord put the token in the *path*,
others in the query string. So it is never logged — not even urllib3's DEBUG lines — only
``scheme://host:port/REDACTED``. A notice that cannot be delivered logs a warning and returns
False; it never fails the run it reports on.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from customs_etl.core.models import Outcome, Status
from customs_etl.core.settings import secret_text, settings
from customs_etl.publishers.http import REDACTED, make_session

ENV_WEBHOOK = "CUSTOMS_ETL_WEBHOOK_URL"
TIMEOUT = (3.05, 10.0)  # connect, read: a notice must not hold a finished run for long
MAX_LISTED = 20  # quarantined documents listed in one message
MAX_TEXT = 500  # characters of one reason or error kept
STATUSES = (Status.LOADED, Status.UNCHANGED, Status.QUARANTINED)
# Loggers that print request lines (path and query included) at DEBUG level.
_HTTP_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection")

log = logging.getLogger(__name__)


class _SecretFilter(logging.Filter):
    """Masks registered secrets in records of the HTTP libraries' own loggers."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, *secrets: str) -> None:
        with self._lock:
            self._secrets.update(s for s in secrets if len(s) > 1)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is not ours to fix; keep it as it is
            return True
        masked = _mask(text, self._secrets)
        if masked != text:
            record.msg, record.args = masked, ()
        return True


_FILTER = _SecretFilter()
for _name in _HTTP_LOGGERS:
    logging.getLogger(_name).addFilter(_FILTER)


def _mask(text: str, secrets: set[str] | list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):  # longest first: full URL, then parts
        text = text.replace(secret, REDACTED)
    return text


def webhook_url_from_env() -> str | None:
    """``$CUSTOMS_ETL_WEBHOOK_URL``, or None when unset or blank (notices are optional)."""
    return secret_text(settings().webhook_url)


def redact_webhook_url(url: str) -> str:
    """``scheme://host:port/REDACTED``: userinfo, path, query and fragment all hidden."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"<webhook URL {REDACTED}>"
    if not parts.scheme or not host:
        return f"<webhook URL {REDACTED}>"
    hidden = parts.path not in ("", "/") or parts.query or parts.fragment or parts.username
    return f"{parts.scheme}://{host}{port}" + (f"/{REDACTED}" if hidden else "/")


def _secret_parts(url: str) -> list[str]:
    """Every piece of the URL that may carry a credential, for masking text and logs."""
    pieces = [url]
    try:
        parts = urlsplit(url)
    except ValueError:
        return pieces
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    pieces += [tail, parts.path, parts.query, parts.fragment, parts.netloc.rpartition("@")[0]]
    pieces += [segment for segment in re.split(r"[/?&=#]", tail) if len(segment) >= 6]
    return [p for p in pieces if p and p != "/"]


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _current_run() -> tuple[str | None, str | None]:
    """(name, id) of the Prefect flow run we are in, or (None, None) outside one."""
    try:
        from prefect.runtime import flow_run

        run_id = flow_run.id
        return flow_run.name, str(run_id) if run_id else None
    except Exception:  # no Prefect context (or Prefect unavailable): the notice still goes
        return None, None


def failure_message(
    kind: str,
    outcomes_or_summary: Sequence[Outcome] | BaseException | str,
    *,
    run: str | None = None,
    run_id: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any] | None:
    """The JSON body, or None when there is nothing to report (no document quarantined).

    Outcomes give ``quarantined`` (with the documents, reasons and counts); an exception or a
    summary text gives ``run_failed`` with the error.
    """
    message: dict[str, Any] = {
        "event": "run_failed",
        "flow": kind,
        "run": run,
        "run_id": run_id,
        "quarantined": [],
        "counts": {},
        "at": (at or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    if isinstance(outcomes_or_summary, BaseException | str):
        error = outcomes_or_summary
        text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else error
        message["error"] = _clip(text)
        return message
    outcomes = list(outcomes_or_summary)
    bad = [o for o in outcomes if o.status == Status.QUARANTINED]
    if not bad:
        return None
    message["event"] = "quarantined"
    message["counts"] = {str(s): sum(o.status == s for o in outcomes) for s in STATUSES}
    message["quarantined"] = [
        {"file": o.name, "period": o.period, "reason": _clip(o.message), "id": o.release_id[:12]}
        for o in bad[:MAX_LISTED]
    ]
    if len(bad) > MAX_LISTED:
        message["more_quarantined"] = len(bad) - MAX_LISTED
    return message


def notify_failure(
    kind: str,
    outcomes_or_summary: Sequence[Outcome] | BaseException | str,
    url: str | None = None,
    *,
    run: str | None = None,
    run_id: str | None = None,
    retries: int = 2,
    timeout: float | tuple[float, float] = TIMEOUT,
) -> bool:
    """POST the failure notice; True only when the webhook accepted it (2xx).

    ``url`` defaults to ``$CUSTOMS_ETL_WEBHOOK_URL``; no URL or nothing to report → False, no
    request. ``run``/``run_id`` default to the current Prefect flow run. Never raises.
    """
    target = url or webhook_url_from_env()
    if not target:
        return False
    safe = redact_webhook_url(target)
    secrets = _secret_parts(target)
    _FILTER.add(*secrets)
    try:
        if run is None and run_id is None:
            run, run_id = _current_run()
        body = failure_message(kind, outcomes_or_summary, run=run, run_id=run_id)
        if body is None:
            return False
        with make_session(retries=retries) as session:
            response = session.post(target, json=body, timeout=timeout)
            status = response.status_code
    except Exception as exc:  # never fail the run over its notice
        reason = _mask(f"{type(exc).__name__}: {exc}", secrets)
        log.warning("failure notice to %s not delivered: %s", safe, reason)
        return False
    if not 200 <= status < 300:
        log.warning("failure notice to %s not delivered: HTTP %s", safe, status)
        return False
    log.info("failure notice (%s, %s) sent to %s", body["event"], kind, safe)
    return True


def notify_on_crash(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect ``on_failure`` hook: a ``run_failed`` notice when a flow raised.

    A Failed state that carries outcomes (quarantines, returned by the flow itself) is skipped:
    the flow already sent its ``quarantined`` notice, and one failure should make one message.
    """
    try:
        result = state.result(raise_on_failure=False)
    except Exception as exc:  # the result could not be read back: report what we know
        result = exc
    if not isinstance(result, BaseException):
        return
    notify_failure(flow.name, result, run=flow_run.name, run_id=str(flow_run.id))
