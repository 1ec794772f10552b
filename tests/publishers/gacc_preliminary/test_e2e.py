"""The preliminary release end to end: a stand-in site (index → pages) → the real CLI → SQL.

The site serves the pages at the paths the indexes link (``preliminary_pages.site_pages``): the
real May and January–February 2025 export pages among them, the rest built from them. Every run
goes through ``customs-etl`` itself, a real Prefect API (``prefect_api``) and a temporary DuckDB
file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.flows.test_progress import _prefect_artifacts
from tests.support.cli import run_cli
from tests.support.http_site import Reply, Route, serve_site
from tests.support.preliminary_pages import (
    IMAGE_ONLY,
    page,
    page_path,
    render_index,
    site_pages,
    variant,
)

pytestmark = pytest.mark.slow
RARE_EARTHS = "bulletin:rare-earth-ore-metals-compounds"
MAY_CNY = page_path("export", 2025, 5, "CNY")
INDEX_2025 = "/statics/report/preliminary2025.html"
INDEX_2018 = "/statics/report/preliminary2018.html"


class Site:
    """The stand-in site: ``pages`` (path → bytes) is read at each request, so a test can
    change a page, add one or take one away while the site runs; ``routes`` record requests."""

    def __init__(self) -> None:
        self.pages = site_pages()
        self.routes: dict[str, Route] = {}

    def route(self, path: str) -> Route:
        def answer(_: object, path: str = path) -> Reply:
            body = self.pages.get(path)
            return Reply(body) if body is not None else Reply(b"not found", status=404)

        return self.routes.setdefault(path, Route.handler(answer))


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    stand_in = Site()
    extra = [INDEX_2018, page_path("export", 2018, 1, "CNY")]
    routes = {path: stand_in.route(path) for path in [*stand_in.pages, *extra]}
    with serve_site(routes) as base_url:
        monkeypatch.setenv("CUSTOMS_ETL_GACC_PRELIMINARY_URL", base_url)
        monkeypatch.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "0")
        monkeypatch.setenv("CUSTOMS_ETL_DATA_DOCS", "off")
        yield stand_in


def _cli(*args: str, warehouse: Path, summary: Path | None = None) -> tuple[object, dict]:
    extra = ["--summary-json", str(summary)] if summary else []
    result = run_cli(*args, "--source", "gacc-preliminary", "--warehouse", str(warehouse), *extra)
    return result, json.loads(summary.read_text()) if summary and summary.exists() else {}


def _one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> tuple:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None, sql
    return row


def test_backfill_loads_then_is_unchanged_then_a_changed_page_is_a_new_vintage(
    prefect_api: str, site: Site, tmp_path: Path
) -> None:
    warehouse = tmp_path / "w.duckdb"
    first, summary = _cli("backfill", "--start", "2025-01", "--end", "2025-05",
                          warehouse=warehouse, summary=tmp_path / "1.json")  # fmt: skip
    assert first.code == 0, first.output
    assert summary["counts"]["loaded"] == 8 and summary["counts"]["quarantined"] == 0
    # January is published only with February (the index shows "Jan." as text).
    # January is never published alone (a combined Jan–Feb comes in March), so long past its
    # date it is late by GACC's calendar.
    assert (
        "gacc_preliminary 2025-01: nothing published — late: expected 2025-03-07 (GACC's calendar)"
        in summary["notes"]
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kept = con.execute("SELECT file_name, status, published_on FROM raw.releases "
                           "ORDER BY load_seq").fetchall()  # fmt: skip
        assert kept[0][:2] == ("preliminary-index-2025.html", "archived")
        assert kept[-2][:2] == ("preliminary-exports-2025-05.bundle", "loaded")
        assert str(kept[-2][2]) == "2025-06-10"  # the page's date line
        latest = {
            (basis, str(start), str(end)): (kg, cny, usd, flags)
            for basis, start, end, kg, cny, usd, flags in con.execute(
                "SELECT basis, period_start, period_end, quantity_kg, value_cny, value_usd, flags"
                " FROM core.latest WHERE source = 'gacc_preliminary' AND flow = 'export'"
                " AND commodity_code = ? AND period_end IN ('2025-05-01', '2024-05-01')",
                [RARE_EARTHS],
            ).fetchall()
        }
        world = _one(
            con,
            # the bulletin's series, as its first vintage (the preliminary release) prints it
            "SELECT quantity_kg, ytd_kg, value_cny, value_usd, yoy_pct FROM marts.world_monthly"
            " WHERE source = 'gacc_bulletin' AND vintage_source = 'gacc_preliminary'"
            " AND flow = 'export' AND commodity_code = ? AND period = '2025-05-01'",
            RARE_EARTHS,
        )
        feb = _one(
            con,
            "SELECT quantity_kg, ytd_kg FROM marts.world_monthly WHERE source = "
            "'gacc_bulletin' AND flow = 'export' AND commodity_code = ? AND period = "
            "'2025-02-01'",
            RARE_EARTHS,
        )
        aluminium = _one(
            con,
            "SELECT quantity, quantity_unit, quantity_kg, flags FROM core.latest WHERE "
            "source = 'gacc_preliminary' AND commodity_code = "
            "'bulletin:unwrought-aluminium-and-aluminium-products' AND basis = 'month' "
            "AND period_start = '2025-05-01'",
        )
    # May 2025 rare earths, exports: the real page's figures in kilograms, both currencies.
    month = latest[("month", "2025-05-01", "2025-05-01")]
    assert month[:3] == (Decimal(5_864_600), Decimal(130_000_000), Decimal(18_100_000))
    ytd = latest[("ytd", "2025-01-01", "2025-05-01")]
    assert ytd[:3] == (Decimal(24_827_000), Decimal(1_210_000_000), Decimal(168_300_000))
    last_year = latest[("ytd", "2024-01-01", "2024-05-01")]
    assert last_year[0] == Decimal(24_266_500) and "last_year_reprint" in last_year[3]
    assert world[:4] == (Decimal(5_864_600), Decimal(24_827_000), Decimal(130_000_000),
                         Decimal(18_100_000))  # fmt: skip
    assert world[4] is None  # no single-month y/y is published, and May 2024 is not held
    assert feb == (None, Decimal(8_511_300))  # the combined January–February block
    # GACC's English page says "Ton" over aluminium figures in 10,000 t: read as 10,000 Tons.
    assert aluminium[:3] == (Decimal("54.7"), "10,000 Tons", Decimal(547_000_000))
    assert "unit_corrected=Ton->10,000 Tons" in aluminium[3]

    again, summary = _cli("backfill", "--start", "2025-01", "--end", "2025-05",
                          warehouse=warehouse, summary=tmp_path / "2.json")  # fmt: skip
    assert again.code == 0, again.output
    assert summary["counts"] | {"unchanged": 8} == summary["counts"]
    assert summary["counts"]["loaded"] == 0 and summary["rows"] == 0

    # GACC changes the May CNY page (rare earths' May value 1.3 → 1.4): a new vintage.
    page = site.pages[MAY_CNY]
    assert page.count(b"<span><b>1.3&nbsp;") == 1
    site.pages[MAY_CNY] = page.replace(b"<span><b>1.3&nbsp;", b"<span><b>1.4&nbsp;")
    changed, summary = _cli("run", "--period", "2025-05", warehouse=warehouse,
                            summary=tmp_path / "3.json")  # fmt: skip
    assert changed.code == 0, changed.output
    statuses = {d["file"]: d["status"] for d in summary["documents"]}
    assert statuses == {"preliminary-exports-2025-05.bundle": "loaded",
                        "preliminary-imports-2025-05.bundle": "unchanged"}  # fmt: skip
    with duckdb.connect(str(warehouse), read_only=True) as con:
        revisions = con.execute(
            "SELECT commodity_code, basis, period_start, previous_value, value FROM core.revisions"
            " WHERE source = 'gacc_preliminary'"
        ).fetchall()
        now = _one(con, "SELECT value, value_cny, value_usd FROM core.latest WHERE "
                   "commodity_code = ? AND flow = 'export' AND basis = 'month' AND "
                   "period_start = '2025-05-01'", RARE_EARTHS)  # fmt: skip
    assert [(c, b, str(p), old, new) for c, b, p, old, new in revisions] == [
        (RARE_EARTHS, "month", "2025-05-01", Decimal("1.3"), Decimal("1.4"))
    ]
    assert now == (Decimal("1.4"), Decimal(140_000_000), Decimal(18_100_000))


def test_a_month_not_linked_is_not_published_yet(
    prefect_api: str, site: Site, tmp_path: Path
) -> None:
    result, summary = _cli("run", "--period", "2025-06", warehouse=tmp_path / "w.duckdb",
                           summary=tmp_path / "s.json")  # fmt: skip
    assert result.code == 0, result.output
    assert summary["notes"] == [
        "gacc_preliminary 2025-06: not published yet — late: expected 2025-07-14 (GACC's calendar)"
    ]
    assert "not published yet" in result.stdout


def test_an_index_link_to_another_host_is_refused(
    prefect_api: str, site: Site, tmp_path: Path
) -> None:
    site.pages[INDEX_2025] = site.pages[INDEX_2025].replace(
        f"http://english.customs.gov.cn{MAY_CNY}".encode(), f"http://evil.example{MAY_CNY}".encode()
    )
    result, _ = _cli("run", "--period", "2025-05", warehouse=tmp_path / "w.duckdb")
    assert result.code == 1
    assert "links to another host (http://evil.example): refused, not fetched" in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1
    assert site.routes[MAY_CNY].requests == []


def test_pages_whose_quantities_disagree_are_quarantined_in_one_line(
    prefect_api: str, site: Site, tmp_path: Path
) -> None:
    usd = page_path("export", 2025, 5, "USD")
    site.pages[usd] = variant("usd-rare-earth-quantity-differs")
    warehouse = tmp_path / "w.duckdb"
    result, summary = _cli("run", "--period", "2025-05", warehouse=warehouse,
                           summary=tmp_path / "s.json")  # fmt: skip
    assert result.code == 1
    (refused,) = summary["quarantined"]
    assert refused["file"] == "preliminary-exports-2025-05.bundle"
    assert refused["reason"] == (
        "preliminary-exports-2025-05.bundle, row 5, field 'month_quantity': 'Rare earth': "
        "month_quantity 5,864.6 on the CNY page but 5,846.6 on the USD page: the two "
        "currencies' pages must print the same quantities"
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert _one(con, "SELECT count(*) FROM core.observations WHERE flow = 'export'") == (0,)
        assert _one(con, "SELECT count(*) FROM core.observations WHERE flow = 'import'") == (63,)


def test_last_years_page_then_this_years_reprint_is_a_revision(
    prefect_api: str, site: Site, tmp_path: Path
) -> None:
    warehouse = tmp_path / "w.duckdb"
    result, _ = _cli("run", "--period", "2024-05", warehouse=warehouse)
    assert result.code == 0, result.output
    # April's and May's 2025 pages reprint Jan–Apr and Jan–May 2024: with May 2024 held, the
    # history check's step (Jan–May − Jan–Apr ≈ May) runs on the reprints, within tolerance.
    result, summary = _cli("backfill", "--start", "2025-04", "--end", "2025-05",
                           warehouse=warehouse, summary=tmp_path / "s.json")  # fmt: skip
    assert result.code == 0, result.output
    assert summary["counts"]["loaded"] == 4 and summary["quarantined"] == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        revisions = con.execute(
            "SELECT basis, period_start, period_end, previous_quantity_kg, quantity_kg"
            " FROM core.revisions WHERE commodity_code = ? AND flow = 'export'"
            " AND quantity_kg IS DISTINCT FROM previous_quantity_kg",
            [RARE_EARTHS],
        ).fetchall()
        flags = _one(con, "SELECT flags FROM core.latest WHERE commodity_code = ? AND "
                     "flow = 'export' AND basis = 'ytd' AND period_start = '2024-01-01' AND "
                     "period_end = '2024-05-01'", RARE_EARTHS)[0]  # fmt: skip
    # May 2024's page said 24,266.4 t for Jan–May 2024; May 2025's reprints 24,266.5 t.
    assert [(b, str(s), str(e), old, new) for b, s, e, old, new in revisions] == [
        ("ytd", "2024-01-01", "2024-05-01", Decimal(24_266_400), Decimal(24_266_500))
    ]
    assert "last_year_reprint" in flags


def test_an_image_only_page_is_archived_never_loaded(
    prefect_api: str, site: Site, tmp_path: Path
) -> None:
    site.pages[INDEX_2018] = render_index(2018, {("export", "CNY"): [1]})
    site.pages[page_path("export", 2018, 1, "CNY")] = page(IMAGE_ONLY)
    warehouse = tmp_path / "w.duckdb"
    result, summary = _cli("backfill", "--start", "2018-01", "--end", "2018-01",
                           warehouse=warehouse, summary=tmp_path / "s.json")  # fmt: skip
    assert result.code == 0, result.output
    assert summary["counts"]["loaded"] == 0 and summary["quarantined"] == []
    # The run says which page was skipped and why: in its notes and on the terminal.
    skipped = ("gacc_preliminary 2018-01 table (5) major exports in CNY: no HTML table "
               "(image only), skipped")  # fmt: skip
    assert summary["notes"] == [
        skipped,
        "gacc_preliminary 2018-01: nothing published — late: expected 2018-02-10 (its usual day)",
    ]
    assert skipped in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kept = con.execute("SELECT file_name, status FROM raw.releases ORDER BY load_seq")
        assert kept.fetchall() == [("preliminary-index-2018.html", "archived"),
                                   ("preliminary-exports-2018-01-cny-image.html", "archived")]
        assert _one(con, "SELECT count(*) FROM core.observations") == (0,)
    # A run that loads documents also has a run report: the note is in it. (May 2025's USD
    # export page an image: the month's export document is its CNY page alone.)
    site.pages[page_path("export", 2025, 5, "USD")] = page(IMAGE_ONLY)
    result, summary = _cli("backfill", "--start", "2025-05", "--end", "2025-05",
                           warehouse=warehouse, summary=tmp_path / "may.json")  # fmt: skip
    assert result.code == 0, result.output
    skipped = ("gacc_preliminary 2025-05 table (5) major exports in USD: no HTML table "
               "(image only), skipped")  # fmt: skip
    assert summary["notes"] == [skipped] and summary["counts"]["loaded"] == 2
    (report,) = _prefect_artifacts(summary["run_id"])["backfill-report"]
    assert f"- {skipped}" in report.data


def test_the_first_figure_of_the_month_reaches_the_brief_with_its_source_and_date(
    prefect_api: str, site: Site, tmp_path: Path
) -> None:
    """Issue 19's done-when: a backfill against the stand-in site, then the brief on rare
    earths prints the page's figures with the preliminary release and its date; table (6)
    answers --flow import the same way."""
    warehouse = tmp_path / "w.duckdb"
    loaded, _ = _cli("backfill", "--start", "2025-01", "--end", "2025-05", warehouse=warehouse)
    assert loaded.code == 0, loaded.output
    brief = run_cli("report", "--period", "2025-05", "--commodity", "rare-earths",
                    "--warehouse", str(warehouse))  # fmt: skip
    assert brief.code == 0, brief.output
    text = brief.stdout
    assert "May 2025: China's exports of rare-earth ore, metals, compounds were 5,864.6 t" in text
    assert "(preliminary release of 10 June 2025)" in text
    assert "Jan–May 2025: 24,827.0 t, +2.3 % y/y." in text
    data = json.loads(run_cli("report", "--period", "2025-05", "--commodity", "rare-earths",
                              "--format", "json", "--warehouse",
                              str(warehouse)).stdout)  # fmt: skip
    assert data["source"] == "gacc_bulletin"  # the series; this vintage is the preliminary's
    assert data["release"]["source"] == "gacc_preliminary"
    assert data["release"]["published"] == "2025-06-10"
    assert data["world"]["tonnes"] == pytest.approx(5_864.6)
    assert data["world"]["ytd_tonnes"] == pytest.approx(24_827.0)
    assert data["world"]["ytd_yoy_pct"] == pytest.approx((24_827.0 / 24_266.5 - 1) * 100)
    assert data["world"]["yoy_pct"] is None  # no single-month y/y is published; May 2024 absent
    assert {"claim": "yoy_pct", "reason": "missing", "period": "2024-05", "line": RARE_EARTHS,
            "partner": None} in data["caveats"]  # fmt: skip
    imports = json.loads(run_cli("report", "--period", "2025-05", "--commodity", "rare-earths",
                                 "--flow", "import", "--format", "json",
                                 "--warehouse", str(warehouse)).stdout)  # fmt: skip
    assert imports["flow"] == "import" and imports["release"]["source"] == "gacc_preliminary"
    assert imports["world"]["tonnes"] is not None and imports["world"]["ytd_tonnes"] is not None
