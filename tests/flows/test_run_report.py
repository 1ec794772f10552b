"""The run report: documents, failing checks with row counts, revisions, notes — and in Prefect."""

from __future__ import annotations

from pathlib import Path

from customs_etl.core.models import Outcome
from customs_etl.flows.run_report import render_run_report
from tests.e2e.test_revisions import _restated_march
from tests.pipeline.test_review import CHEAP
from tests.support.cli import run_cli

LOADED = Outcome("a.csv", "2025-07", "loaded", 120, 0.5, url="file:///landing/a.csv")
HELD = Outcome(
    "b.csv",
    "2025-07",
    "quarantined",
    0,
    0.2,
    "b.csv: failed gacc_query_release: …",
    failed_checks=(
        "[critical] expect_column_values_to_be_between column=quantity_num failing rows=3",
    ),
)
RESTATED = Outcome(
    "c.csv",
    "2025-03",
    "loaded",
    40,
    0.3,
    revisions=2,
    large_revisions=("85051110 IN month 2025-03..2025-03: 284,009 → 584,009 kg (+105.6 %)",),
)


def test_report_counts_documents_and_names_failing_checks_and_revisions() -> None:
    text = render_run_report(
        "backfill",
        [LOADED, HELD, RESTATED],
        ["2025-08: not published"],
        docs_link="file:///data/data-docs/site/index.html",
        run_name="r1",
    )
    assert text.startswith("# customs-etl backfill — r1")
    assert "3 document(s) fetched or found:** 2 loaded, 0 unchanged, 1 quarantined" in text
    assert "| 2025-07 | a.csv | loaded | 120 | 0 | 0 | 0.50 | file:///landing/a.csv |" in text
    assert "quantity_num failing rows=3" in text
    assert "c.csv** restates 2 figure(s), 1 large" in text and "+105.6 %" in text
    assert "- 2025-08: not published" in text
    assert "(file:///data/data-docs/site/index.html)" in text


def test_clean_run_says_so() -> None:
    text = render_run_report("monthly", [LOADED])
    assert "Every expectation passed" in text and "No earlier figure was restated." in text
    assert "## Notes" not in text and "Data Docs" not in text


def _latest_markdown(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    assert found, key
    return str(found[0].data)


def test_ingest_publishes_the_report_to_prefect(query_copy: Path, tmp_path: Path) -> None:
    warehouse_copy = query_copy
    held = tmp_path / "export-85051110-202507-cheap.csv"
    held.write_bytes(CHEAP)
    restated = tmp_path / "export-85051110-202503-republished.csv"
    restated.write_bytes(_restated_march(300_000))
    result = run_cli("ingest", str(held), str(restated), "--warehouse", str(warehouse_copy))
    assert result.code == 1
    text = _latest_markdown("ingest-report")
    assert "1 loaded, 0 unchanged, 1 quarantined" in text
    assert "unit_value_usd_per_kg failing rows=1" in text
    assert "republished.csv** restates 1 figure(s), 1 large" in text
    index = warehouse_copy.parent / "data_docs" / "site" / "index.html"
    assert f"[Great Expectations Data Docs]({index.as_uri()})" in text
    html = index.read_text(encoding="utf-8")
    assert held.name in html and restated.name in html  # both documents' validations


def test_a_quarantining_run_posts_the_failure_notice(
    warehouse_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    import json

    from tests.support.http_site import Route, serve_site

    hook = Route.static(b"ok", content_type="text/plain")
    held = tmp_path / "export-85051110-202507-cheap.csv"
    held.write_bytes(CHEAP)
    with serve_site({"/hooks/T0KEN-secret": hook}) as base_url:
        monkeypatch.setenv("CUSTOMS_ETL_WEBHOOK_URL", f"{base_url}/hooks/T0KEN-secret")
        result = run_cli("ingest", str(held), "--warehouse", str(warehouse_copy))
    assert result.code == 1
    assert len(hook.requests) == 1
    body = json.loads(hook.requests[0].body)
    assert (body["event"], body["flow"]) == ("quarantined", "ingest")
    assert [q["file"] for q in body["quarantined"]] == [held.name]
    assert "T0KEN-secret" not in result.output
