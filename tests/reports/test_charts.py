"""The report chart: its numbers are the marts' numbers, gaps stay gaps, and a real PNG is drawn.

Runs on the session's sample warehouse (85051110 exports 2024-01..2025-07, loaded through the
CLI under a real Prefect API); the gap test deletes one month from a private copy; the modeled
mark is checked against the same files ingested as real query exports (``query_warehouse``).
"""

from __future__ import annotations

import json
import math
import struct
from datetime import date
from pathlib import Path

import duckdb
import pytest
from matplotlib.text import Text

from customs_etl.core.errors import CustomsEtlError
from customs_etl.reports.charts import (
    MODELED_MARK,
    OTHER,
    chart_data,
    chart_figure,
    chart_title,
    draw_chart,
    write_chart,
)
from customs_etl.reports.news import build_report, render

JULY = date(2025, 7, 1)
LINE = "85051110"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.slow  # the sample warehouse is built by a Prefect backfill


def _marts_world(con: duckdb.DuckDBPyConnection) -> dict[date, tuple[float, float | None]]:
    rows = con.execute(
        "SELECT period, tonnes::DOUBLE, ytd_tonnes::DOUBLE FROM marts.world_monthly"
        " WHERE commodity_code = ? AND flow = 'export' ORDER BY period",
        [LINE],
    ).fetchall()
    return {p: (t, y) for p, t, y in rows}


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_MAGIC and header[12:16] == b"IHDR"
    return struct.unpack(">II", header[16:24])


def test_chart_data_equals_the_marts(sample_warehouse: Path) -> None:
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        data = chart_data(con, JULY, LINE)
        marts = _marts_world(con)
        leaders = [
            p
            for (p,) in con.execute(
                "SELECT partner FROM marts.partner_monthly WHERE commodity_code = ?"
                " AND flow = 'export' AND period BETWEEN DATE '2023-08-01' AND ?"
                " GROUP BY partner ORDER BY sum(quantity_kg) DESC LIMIT 5",
                [LINE, JULY],
            ).fetchall()
        ]
        germany = dict(
            con.execute(
                "SELECT period, tonnes::DOUBLE FROM marts.partner_ranked"
                " WHERE commodity_code = ? AND flow = 'export' AND partner = 'DE'",
                [LINE],
            ).fetchall()
        )

    # 24 months ending July 2025, clipped to what the warehouse holds (from January 2024).
    assert (
        list(data.world.index)
        == sorted(marts)
        == [date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 20)]
    )
    assert round(data.world[JULY]) == 5_577
    assert data.world.to_dict() == pytest.approx({p: t for p, (t, _y) in marts.items()})

    assert list(data.partners.columns) == [*leaders, OTHER]
    assert leaders[0] == "DE"
    assert data.partners["DE"].to_dict() == pytest.approx(germany)
    # the stack adds up to the world line in every month (partners cover the whole total)
    assert data.partners.sum(axis=1).to_dict() == pytest.approx(data.world.to_dict())
    assert (data.partners[OTHER] > 0).all()

    assert round(data.ytd.loc[7, 2025]) == 27_897
    for moment, (_t, ytd) in marts.items():
        assert data.ytd.loc[moment.month, moment.year] == pytest.approx(ytd)
    assert data.ytd.loc[8:, 2025].isna().all()  # after the report month: nothing, not zero


def test_window_is_at_most_the_months_asked(sample_warehouse: Path) -> None:
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        six = chart_data(con, JULY, LINE, months=6)
        early = chart_data(con, date(2024, 3, 1), LINE)
        with pytest.raises(CustomsEtlError, match="no export figures for 85051110 in 2023-01"):
            chart_data(con, date(2023, 1, 1), LINE)
    assert list(six.world.index) == [date(2025, m, 1) for m in range(2, 8)]
    assert list(early.world.index) == [date(2024, m, 1) for m in range(1, 4)]
    assert early.ytd[2023].isna().all()
    assert early.ytd[2024].notna().sum() == 3


def test_a_missing_month_is_a_gap_not_zero(warehouse_copy: Path, tmp_path: Path) -> None:
    may = date(2025, 5, 1)
    with duckdb.connect(str(warehouse_copy)) as con:
        deleted = con.execute(
            "DELETE FROM core.observations WHERE basis = 'month' AND period_start = ?", [may]
        ).fetchone()[0]
    assert deleted > 0
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        data = chart_data(con, JULY, LINE)
    assert may in data.world.index and math.isnan(data.world[may])
    assert data.partners.loc[may].isna().all()
    assert data.world.drop(may).notna().all()
    assert data.partners.drop(may).notna().all().all()
    png = draw_chart(data, tmp_path / "gap.png")
    assert png.read_bytes()[:8] == PNG_MAGIC


def test_write_chart_draws_a_png(sample_warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "charts" / "july.png"  # the folder does not exist yet
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        written = write_chart(con, JULY, LINE, target, label="rare-earth permanent magnets")
        title = chart_title(chart_data(con, JULY, LINE), "rare-earth permanent magnets")
    assert written == target and target.is_file()
    assert target.read_bytes()[:8] == PNG_MAGIC
    assert target.stat().st_size > 30_000  # three panels of lines and bars, not a blank canvas
    assert _png_size(target) == (1000, 1100)
    assert title == (
        "Rare-earth permanent magnets (85051110): China exports, July 2025 — MODELED SAMPLE"
    )


def _texts(figure: object) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_text()]  # type: ignore[attr-defined]


def test_a_modeled_sample_chart_says_so_on_the_image(
    sample_warehouse: Path, query_warehouse: Path
) -> None:
    """The same figures loaded as the sample and as real query exports: only the sample's
    image carries the mark — in its title, a large watermark and a footer."""
    label = "rare-earth permanent magnets"
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        sample = chart_data(con, JULY, LINE)
    with duckdb.connect(str(query_warehouse), read_only=True) as con:
        real = chart_data(con, JULY, LINE)
    assert (sample.source, real.source) == ("sample", "gacc_query")
    assert real.world.to_dict() == pytest.approx(sample.world.to_dict())  # same figures

    marked = chart_figure(sample, chart_title(sample, label))
    assert marked.get_suptitle().endswith("July 2025 — MODELED SAMPLE")
    (watermark,) = [t for t in _texts(marked) if t.get_text() == MODELED_MARK]
    assert watermark.get_fontsize() >= 48 and watermark.get_rotation() != 0
    assert any(t.get_text().startswith(f"{MODELED_MARK}: ") for t in marked.texts)  # footer
    # even a caller's own title is marked
    assert chart_figure(sample, "Magnets").get_suptitle() == "Magnets — MODELED SAMPLE"

    plain = chart_figure(real, chart_title(real, label))
    assert plain.get_suptitle() == chart_title(real, label)
    assert [t.get_text() for t in _texts(plain) if "MODELED" in t.get_text().upper()] == []


def test_markdown_embeds_the_chart_and_json_is_unchanged(sample_warehouse: Path) -> None:
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        report = build_report(con, JULY, LINE)
    plain = render(report, "markdown", "rare-earth permanent magnets")
    with_chart = render(report, "markdown", "rare-earth permanent magnets", chart_path="c.png")
    spaced = render(report, "markdown", None, chart_path=Path("out dir") / "july.png")
    assert "![" not in plain
    assert "![rare-earth permanent magnets: last 24 months" in with_chart
    assert "](c.png)" in with_chart
    assert "](<out dir/july.png>)" in spaced
    image = next(line for line in with_chart.split("\n") if line.startswith("!["))
    assert with_chart.replace(image + "\n\n", "", 1) == plain  # nothing else moved
    assert json.loads(render(report, "json", chart_path="c.png")) == report
    assert render(report, "text", chart_path="c.png") == render(report, "text")
