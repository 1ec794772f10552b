"""The bundled magnet sample (publishers/sample/data/magnets): format, sums, published figures.

Reads the committed files directly (no project parser) and regenerates them with
tools/make_sample.py to prove they are reproducible byte for byte.
"""

import csv
import io
import re
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal

import pytest

from tests.support import paths

ROOT = paths.ROOT
SAMPLE = ROOT / "publishers" / "sample" / "data" / "magnets"
SCRIPT = ROOT / "tools" / "make_sample.py"

MONTHS = [f"2024{m:02d}" for m in range(1, 13)] + [f"2025{m:02d}" for m in range(1, 8)]
RANGES = [("202401", "202412"), ("202501", "202507")]
MONTHLY = {m: f"export-85051110-{m}-partner-mode-usd.csv" for m in MONTHS}
CUMULATIVE = {r: f"export-85051110-{r[0]}-{r[1]}-partner-mode-usd.csv" for r in RANGES}
EXPORTS = [*MONTHLY.values(), *CUMULATIVE.values()]

HEADER = [
    "数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称", "贸易方式编码",
    "贸易方式名称", "第一数量", "第一计量单位", "第二数量", "第二计量单位", "美元",
]
TRADE_MODES = {
    "10": "一般贸易",
    "14": "来料加工装配贸易",
    "15": "进料加工贸易",
    "33": "保税监管场所进出境货物",
    "34": "海关特殊监管区域物流货物",
}
LINE = re.compile(r'"[^"]*"(,"[^"]*")*,')

# World monthly totals the brief fixes (tonnes) and partner-month totals published exactly (kg).
WORLD_TONNES = {
    "202401": "4500", "202402": "3326", "202403": "4970.4", "202404": "4776",
    "202405": "4811.4", "202406": "5150.2", "202407": "5278", "202408": "4850",
    "202409": "5000", "202410": "5270", "202411": "5220", "202412": "4968",
    "202501": "6356.6", "202502": "3549", "202503": "5361.13", "202504": "2626.6",
    "202505": "1238.47", "202506": "3187.6", "202507": "5577.4",
}
PARTNER_KG = {
    ("US", "2024-05"): 689_000,
    ("US", "2024-07"): 590_650,
    ("US", "2025-05"): 46_000,
    ("US", "2025-06"): 352_700,
    ("US", "2025-07"): 619_000,
    ("DE", "2025-05"): 209_000,
    ("DE", "2025-06"): 764_400,
    ("DE", "2025-07"): 1_116_000,
    ("JP", "2025-07"): 232_000,
    ("IN", "2024-07"): 261_250,
    ("IN", "2025-05"): 150_000,
    ("IN", "2025-07"): 418_000,
    ("VN", "2025-05"): 235_000,
}


def read_export(name: str) -> list[dict[str, str]]:
    text = (SAMPLE / name).read_bytes().decode("gbk")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    assert header[-1] == "" and all(r[-1] == "" for r in body)  # the trailing comma
    return [dict(zip(header[:-1], r[:-1], strict=True)) for r in body]


def kg(row: dict[str, str]) -> int:
    return int(row["第一数量"])


def usd(row: dict[str, str]) -> int:
    return int(row["美元"].replace(",", ""))


def period(yyyymm: str) -> str:
    return f"{yyyymm[:4]}-{yyyymm[4:]}"


@pytest.fixture(scope="module")
def manifest() -> list[dict[str, str]]:
    with (SAMPLE / "manifest.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def monthly() -> dict[str, list[dict[str, str]]]:
    return {m: read_export(name) for m, name in MONTHLY.items()}


@pytest.fixture(scope="module")
def code_to_iso(manifest) -> dict[str, str]:
    return {r["partner_gacc_code"]: r["partner"] for r in manifest if r["partner"] != "WLD"}


def partner_kg(rows: list[dict[str, str]], code_to_iso: dict[str, str]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for r in rows:
        out[code_to_iso[r["贸易伙伴编码"]]] += kg(r)
    return dict(out)


def test_folder_holds_exactly_the_expected_files():
    names = {p.name for p in SAMPLE.iterdir()}
    assert names == {*EXPORTS, "manifest.csv", "README.md"}
    assert "PARTLY MODELED" in (SAMPLE / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", EXPORTS)
def test_export_format(name):
    raw = (SAMPLE / name).read_bytes()
    assert b"\r" not in raw and raw.endswith(b",\n")
    assert raw.startswith(b'"') and "美元".encode("gbk") in raw  # GBK, not UTF-8
    lines = raw.decode("gbk").split("\n")
    assert lines[-1] == ""
    for line in lines[:-1]:
        assert LINE.fullmatch(line), line
    cumulative = name in CUMULATIVE.values()
    expected = HEADER[1:] if cumulative else HEADER
    assert lines[0] == '"' + '","'.join(expected) + '",'
    rows = read_export(name)
    assert rows
    for r in rows:
        if not cumulative:
            assert r["数据年月"] == name.split("-")[2]
        assert r["商品编码"] == "85051110"
        assert r["商品名称"] == "稀土永磁铁及稀土永磁体"
        assert re.fullmatch(r"\d{3}", r["贸易伙伴编码"]) and r["贸易伙伴名称"]
        assert TRADE_MODES[r["贸易方式编码"]] == r["贸易方式名称"]
        assert re.fullmatch(r"0|[1-9]\d*", r["第一数量"])
        assert r["第一计量单位"] == "千克"
        assert (r["第二数量"], r["第二计量单位"]) == ("0", "-")
        assert re.fullmatch(r"[1-9]\d{0,2}(,\d{3})*", r["美元"])
        if kg(r):
            assert 20 <= usd(r) / kg(r) <= 100  # USD/kg
    keys = [(r["贸易伙伴编码"], r["贸易方式编码"]) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_one_zero_quantity_row_with_a_value(monthly):
    zero = [r for rows in monthly.values() for r in rows if kg(r) == 0]
    assert len(zero) == 1 and usd(zero[0]) > 0


def test_some_partners_have_several_trade_modes(monthly):
    per_partner = defaultdict(set)
    for r in monthly["202507"]:
        per_partner[r["贸易伙伴编码"]].add(r["贸易方式编码"])
    counts = {len(modes) for modes in per_partner.values()}
    assert 1 in counts and max(counts) >= 3


def test_monthly_files_sum_to_manifest_exactly(monthly, manifest, code_to_iso):
    for m, rows in monthly.items():
        held = {r["partner"]: int(r["quantity_kg"]) for r in manifest if r["period"] == period(m)}
        world = held.pop("WLD")
        assert world == sum(kg(r) for r in rows)
        assert world == Decimal(WORLD_TONNES[m]) * 1000
        assert partner_kg(rows, code_to_iso) == held


def test_cumulative_files_equal_sum_of_months(monthly):
    for (start, end), name in CUMULATIVE.items():
        expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for m in MONTHS[MONTHS.index(start) : MONTHS.index(end) + 1]:
            for r in monthly[m]:
                acc = expected[(r["贸易伙伴编码"], r["贸易方式编码"])]
                acc[0] += kg(r)
                acc[1] += usd(r)
        got = {(r["贸易伙伴编码"], r["贸易方式编码"]): [kg(r), usd(r)] for r in read_export(name)}
        assert got == dict(expected)


def test_manifest_covers_the_required_levels(manifest, monthly, code_to_iso):
    assert list(manifest[0]) == [
        "series", "period", "partner", "partner_gacc_code", "quantity_kg", "tonnes", "status",
        "source", "note",
    ]
    periods = {r["period"] for r in manifest if r["partner"] == "WLD"}
    assert periods == {period(m) for m in MONTHS} | {
        "2024-01..2024-07", "2024-01..2024-12", "2025-01..2025-05", "2025-01..2025-06",
        "2025-01..2025-07",
    }
    for r in manifest:
        assert r["series"] == "magnets_85051110"
        assert r["status"] in {"published", "modeled"}
        assert (r["status"] == "modeled") == (r["source"] == "modeled")
        assert r["note"]
        q = int(r["quantity_kg"])
        assert float(r["tonnes"]) * 1000 == pytest.approx(q, abs=1e-6)
    for p in ("2025-02", "2025-03"):
        row = next(r for r in manifest if (r["period"], r["partner"]) == (p, "WLD"))
        assert row["status"] == "modeled" and "8,910" in row["note"]


def test_published_figures_held(manifest, monthly, code_to_iso):
    published = [r for r in manifest if r["status"] == "published"]
    assert len(published) == 7 + len(PARTNER_KG) + 5  # world months, partner months, cumulatives
    for r in published:
        figure = float(re.search(r"published: ([\d.]+) t", r["note"]).group(1))
        start, _, end = r["period"].partition("..")
        first, last = start.replace("-", ""), (end or start).replace("-", "")
        months = [m for m in MONTHS if first <= m <= last]
        if r["partner"] == "WLD":
            held = sum(kg(row) for m in months for row in monthly[m])
        else:
            (m,) = months
            held = partner_kg(monthly[m], code_to_iso)[r["partner"]]
            assert held == PARTNER_KG[(r["partner"], r["period"])]
        assert held == int(r["quantity_kg"])
        if end:  # cumulative: within 0.1 % of the press figure
            assert abs(held / 1000 - figure) <= 0.001 * figure, r
        else:  # month: the press figure is the sample rounded to whole tonnes
            assert abs(held / 1000 - figure) <= 0.5, r
    assert {(r["partner"], r["period"]) for r in published if r["partner"] != "WLD"} == set(
        PARTNER_KG
    )


def test_germany_is_the_largest_partner_in_july_2025(monthly, code_to_iso):
    totals = partner_kg(monthly["202507"], code_to_iso)
    germany = totals.pop("DE")
    assert germany == 1_116_000 and max(totals.values()) < germany


def test_regenerating_reproduces_the_committed_files(tmp_path):
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True, capture_output=True
    )
    fresh = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in SAMPLE.iterdir()}
    assert fresh.keys() == committed.keys()
    for name, data in committed.items():
        assert fresh[name] == data, f"{name} differs from a fresh run of tools/make_sample.py"
