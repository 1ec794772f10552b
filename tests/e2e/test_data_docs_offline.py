"""Data Docs a reviewer can open offline, end to end: two bad query exports ingested in one
batch through the real CLI (real Prefect API, real DuckDB file), their quarantine shown by
``customs-etl quarantine show`` (the failing rows' values, numbered as the page numbers them)
and ``quarantine list --format json``, and the validation page GX wrote read as HTML and opened
in a real headless Chromium with the network off (skipped without Chromium outside CI; required
in CI: ``CUSTOMS_ETL_REQUIRE_BROWSER=1``, see tests/support/browser.py)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from bs4 import BeautifulSoup

from customs_etl.expectations.data_docs import ROW_MEANING as DOCS_ROW_MEANING
from customs_etl.pipeline.failing_rows import ROW_MEANING
from customs_etl.warehouse.db import writer
from tests.support.browser import chromium, offline_browser, open_offline
from tests.support.cli import CliResult, run_cli
from tests.support.data_docs import unexpected_rows
from tests.support.exports import ZH_MONTHLY_HEADER, magnet_row, render_export
from tests.support.offline import references, site_files

pytestmark = pytest.mark.slow  # the CLI starts flows on the session's Prefect API

# Partner codes of GACC's table (an unknown one would add a warning), one per good row.
KNOWN = [str(c) for c in (*range(101, 140), *range(141, 150), *range(201, 232))]
PRICE = str(1_000 / 619_000)  # USD per kg, as GX prints the failing value
PRICE_RULE = "values must be greater than or equal to 5.0 and less than or equal to 1000.0"


def _export(period: str, good: int, cheap_line: int, usd: int = 1_000) -> bytes:
    """``good`` plausible rows (50 USD/kg), and 619 t for ``usd`` — far below the 5 USD/kg
    band — on line ``cheap_line`` of the file (the header is line 1)."""
    rows = [magnet_row(period, KNOWN[i], "伙伴", "10", 10_000, 500_000) for i in range(good)]
    rows.insert(cheap_line - 2, magnet_row(period, "502", "美国", "10", 619_000, usd))
    return render_export(ZH_MONTHLY_HEADER, rows)


@dataclass(frozen=True)
class Quarantined:
    warehouse: Path
    site: Path
    ids: dict[str, str]  # file name → release id
    cli_rows: dict[tuple[str, str], list[int]]  # (column, release id) → rows the CLI names
    page: Path  # the batch's validation page
    ingest: CliResult  # what the load printed
    shown: dict[str, str]  # release id → `quarantine show` output


def _cli_rows(shown: str, release_id: str) -> dict[tuple[str, str], list[int]]:
    """``quarantine show``: "[critical] expect_… column=unit_value_usd_per_kg failing=1 rows=62"."""
    found = re.findall(r"\[(?:critical|warning)\] \S+.*? column=(\S+) failing=\d+ rows=([\d, ]+)",
                       shown)  # fmt: skip
    return {(col, release_id): [int(r) for r in rows.split(",")] for col, rows in found}


@pytest.fixture(scope="module")
def quarantined(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Quarantined:
    folder = tmp_path_factory.mktemp("offline")
    files = {  # July's bad row: line 62 of its file; in the batch's frame, position 60 or more
        "export-85051110-202507-cheap.csv": _export("202507", 60, cheap_line=62),
        "export-85051110-202506-cheap.csv": _export("202506", 4, cheap_line=3, usd=2_000),
    }
    paths = []
    for name, content in files.items():
        (folder / name).write_bytes(content)
        paths.append(str(folder / name))
    warehouse = folder / "warehouse.duckdb"
    result = run_cli("ingest", *paths, "--warehouse", str(warehouse))
    assert result.code == 1 and "2 quarantined" in result.stdout, result.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ids = dict(con.execute("SELECT file_name, release_id FROM raw.releases").fetchall())
    assert set(ids) == set(files)
    cli_rows: dict[tuple[str, str], list[int]] = {}
    outputs: dict[str, str] = {}
    for release_id in ids.values():
        shown = run_cli("quarantine", "show", release_id[:12], "--warehouse", str(warehouse))
        assert shown.code == 0, shown.output
        cli_rows |= _cli_rows(shown.stdout, release_id)
        outputs[release_id] = shown.stdout
    site = folder / "data_docs" / "site"
    (page,) = (site / "validations" / "gacc_query_release").rglob("*.html")  # one batch
    return Quarantined(warehouse, site, ids, cli_rows, page, result, outputs)


def test_the_cli_names_the_failing_rows(quarantined: Quarantined) -> None:
    ids = quarantined.ids
    assert quarantined.cli_rows == {
        ("unit_value_usd_per_kg", ids["export-85051110-202507-cheap.csv"]): [62],
        ("unit_value_usd_per_kg", ids["export-85051110-202506-cheap.csv"]): [3],
    }


def test_data_docs_name_the_rows_the_cli_names(quarantined: Quarantined) -> None:
    # Data Docs show a release id as `quarantine list` does: its first 12 characters.
    assert unexpected_rows(quarantined.page) == {
        (column, rid[:12]): rows for (column, rid), rows in quarantined.cli_rows.items()
    }


def test_quarantine_show_prints_the_failing_rows_values(quarantined: Quarantined) -> None:
    """The values of the row the CLI and Data Docs name, as the document's parser reads them:
    the cheap US row (619 t for 1,000 or 2,000 USD) on line 62 of July's file, 3 of June's."""
    july = quarantined.shown[quarantined.ids["export-85051110-202507-cheap.csv"]]
    june = quarantined.shown[quarantined.ids["export-85051110-202506-cheap.csv"]]
    us = "partner US United States [美国] code 502 trade_mode 10 quantity_kg 619,000"
    assert f"    row 62: 85051110 2025-07 {us} value_usd 1,000" in july.splitlines()
    assert f"    row 3: 85051110 2025-06 {us} value_usd 2,000" in june.splitlines()
    for shown in (july, june):
        assert f"({ROW_MEANING})" in shown  # the number's meaning, stated once
        # every row named with values is a row the check names (and Data Docs show)
        valued = {int(n) for n in re.findall(r"^    row (\d+): ", shown, re.MULTILINE)}
        named = {int(n) for n in re.findall(r" rows=([\d, ]+)", shown)[0].split(",")}
        assert valued == named


def test_data_docs_say_what_source_row_means(quarantined: Quarantined) -> None:
    text = BeautifulSoup(quarantined.page.read_text(encoding="utf-8"), "lxml").get_text(" ")
    assert "source_row" in text and " ".join(DOCS_ROW_MEANING.split()) in " ".join(text.split())


def test_the_load_names_each_quarantined_id_and_the_command_to_see_it(
    quarantined: Quarantined,
) -> None:
    lines = [line for line in quarantined.ingest.stderr.splitlines() if line.strip()]
    assert len(lines) == 2 and all(line.startswith("quarantined: ") for line in lines), lines
    for release_id in quarantined.ids.values():
        short = release_id[:12]
        command = f"customs-etl quarantine show {short} --warehouse {quarantined.warehouse}"
        assert len([x for x in lines if f"(id {short}; next: {command})" in x]) == 1, lines
        again = run_cli(*shlex.split(command)[1:])  # runnable as printed
        assert again.code == 0 and release_id in again.stdout, again.output


def test_quarantine_list_as_json(quarantined: Quarantined, tmp_path: Path) -> None:
    listed = run_cli("quarantine", "list", "--format", "json", "--warehouse",
                     str(quarantined.warehouse))  # fmt: skip
    assert listed.code == 0, listed.output
    data = json.loads(listed.stdout)
    assert data["count"] == 2 and {d["id"] for d in data["documents"]} == set(
        quarantined.ids.values()
    )
    for document in data["documents"]:
        assert quarantined.ids[document["file"]] == document["id"]
        assert document["short_id"] == document["id"][:12]
        assert document["show"].startswith(f"customs-etl quarantine show {document['short_id']}")
        assert document["reason"].startswith(f"{document['file']}: failed gacc_query_release")
        assert datetime.fromisoformat(document["ingested_at"]).tzinfo is not None
    empty = tmp_path / "empty.duckdb"
    with writer(empty):
        pass
    none = run_cli("quarantine", "list", "--format", "json", "--warehouse", str(empty))
    assert none.code == 0 and json.loads(none.stdout) == {"count": 0, "documents": []}


def test_no_written_page_loads_anything_from_the_internet(quarantined: Quarantined) -> None:
    files = site_files(quarantined.site)
    pages = [f for f in files if f.suffix == ".html"]
    assert quarantined.page in pages and quarantined.site / "index.html" in pages
    found = [r for f in files for r in references(f)]
    assert [f"{r.file}: {r.url}" for r in found if r.remote] == []
    assert [f"{r.file}: {r.url}" for r in found if r.local and not r.target().is_file()] == []


BOOTSTRAP_STYLED = """() => ({
  navbar: getComputedStyle(document.querySelector('nav.navbar')).display,
  font: getComputedStyle(document.body).fontFamily,
  tables: document.querySelectorAll('div.bootstrap-table').length,
  icons: [...document.fonts].filter(f => f.family.includes('Font Awesome') && f.status === 'loaded').length,
})"""  # noqa: E501
ROWS = """() => [...document.querySelectorAll('table')]
  .filter(t => t.tHead && [...t.tHead.rows[0].cells].some(c => c.innerText.trim() === 'source_row'))
  .flatMap(t => [...t.tBodies[0].rows].map(tr => [...tr.cells].map(c => c.innerText.trim())))"""


@pytest.fixture(scope="session")
def browser_found() -> Path:
    """Before Prefect and the ingest: without a browser the test skips at once (fails in CI)."""
    return chromium()


def test_the_quarantined_page_renders_offline_in_chromium(
    browser_found: Path, quarantined: Quarantined, tmp_path: Path
) -> None:
    july = quarantined.ids["export-85051110-202507-cheap.csv"]
    with offline_browser() as browser:
        opened = open_offline(browser, quarantined.page)
        page = opened.page
        shot = tmp_path / "validation.png"
        page.screenshot(path=str(shot), full_page=True)
        styled = page.evaluate(BOOTSTRAP_STYLED)
        text = page.inner_text("body")
        rows = page.evaluate(ROWS)
        index = open_offline(browser, quarantined.site / "index.html")
        listed = index.page.inner_text("body")
        index.page.screenshot(path=str(tmp_path / "index.png"))
    # Nothing was fetched but the site's own files; none missing; no script failed.
    assert opened.remote == [] and index.remote == []
    assert all(u.startswith(("file:", "data:")) for u in opened.requests + index.requests)
    assert opened.failed == [] and index.failed == [] and opened.errors == index.errors == []
    # (a) the failing expectation and its sample row, as the CLI names it: line 62.
    assert PRICE_RULE in text and "Failed" in text
    assert [PRICE, "1", july[:12], "62"] in rows
    # (b) Bootstrap's styles (an unstyled page has a block navbar and the serif default),
    # bootstrap-table's script ran, Font Awesome's font loaded from the site.
    assert styled["navbar"] == "flex" and "Segoe UI" in styled["font"]
    assert styled["tables"] > 0 and styled["icons"] > 0, styled
    assert shot.stat().st_size > 50_000  # a full page, not a blank one
    # The index lists the batch through bootstrap-table (jQuery, filter-control, datepicker).
    assert "export-85051110-202507-cheap.csv" in listed and "Showing 1 to 1 of 1 rows" in listed
