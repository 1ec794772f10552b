"""The last run of each customs-etl flow as a Prefect API knows it: best effort, never required.

Why plain HTTP (urllib) and not Prefect's client: importing Prefect costs seconds, and
``status`` must answer in under one. Two POSTs (the flows by name, then their newest started
runs), each with a short timeout; whatever goes wrong (no server, a slow one, an answer we do
not understand) becomes one line in ``error`` and the rest of the status stands.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from customs_etl.core.settings import secret_text, setting

FLOW_NAMES = ("backfill", "monthly", "scheduled-monthly", "ingest", "landing")
TIMEOUT_SECONDS = 0.5  # per request; the whole query stops after DEADLINE_SECONDS
DEADLINE_SECONDS = 0.8
RUNS_ASKED = 50  # newest started runs read; the last of each flow is among them in practice


def api_url() -> str | None:
    """$PREFECT_API_URL when set (a Prefect profile's setting is not read: that needs Prefect)."""
    url = (setting("prefect_api_url") or "").strip()
    return url.rstrip("/") or None


def _post(url: str, body: dict[str, Any], deadline: float) -> Any:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("no time left")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    key = secret_text(setting("prefect_api_key"))
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=min(TIMEOUT_SECONDS, left)) as answer:
        return json.loads(answer.read(2_000_000))


def _why(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def last_runs(url: str | None = None) -> dict[str, Any] | None:
    """``{"api_url", "error", "runs": [{flow, name, state, start_time, end_time}]}`` — the
    newest started run of each flow, newest first; None when no API is configured."""
    url = url or api_url()
    if url is None:
        return None
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        flows = _post(f"{url}/flows/filter", {"flows": {"name": {"any_": list(FLOW_NAMES)}}},
                      deadline)  # fmt: skip
        names = {f["id"]: f["name"] for f in flows}
        runs = []
        if names:
            runs = _post(
                f"{url}/flow_runs/filter",
                {
                    "flows": {"id": {"any_": list(names)}},
                    "flow_runs": {"start_time": {"is_null_": False}},
                    "sort": "START_TIME_DESC",
                    "limit": RUNS_ASKED,
                },
                deadline,
            )
        newest: dict[str, dict[str, Any]] = {}
        for run in runs:
            flow = names.get(run.get("flow_id"))
            if flow is not None and flow not in newest:
                newest[flow] = {
                    "flow": flow,
                    "name": run.get("name"),
                    "state": run.get("state_name") or run.get("state_type"),
                    "start_time": run.get("start_time"),
                    "end_time": run.get("end_time"),
                }
    except Exception as exc:  # best effort: the warehouse's own records still answer
        return {"api_url": url, "error": _why(exc), "runs": []}
    return {"api_url": url, "error": None, "runs": list(newest.values())}
