#!/usr/bin/env python3
"""Generate the bundled sample: China's rare-earth magnet exports (85051110), Jan 2024 – Jul 2025.

The files imitate GACC query-platform CSV exports (stats.customs.gov.cn, 导出数据) grouped by
trading partner and trade mode, in US dollars. The sample is PARTLY MODELED: the world monthly
totals and a handful of partner-month totals are chosen so that every figure published in the
press (``PUBLISHED`` below) holds; everything else (the other partners, the trade-mode split,
every US-dollar value) is modeled with a seeded ``random.Random``.

    python tools/make_sample.py [--out DIR]      # default: publishers/sample/data/magnets

Standard library only. The output is byte-for-byte deterministic: the model uses only the seeded
generator and plain float arithmetic (no libm functions), and every figure written is an integer.
Before writing anything the script checks every published figure and stated change it claims to
hold, and stops with a message if one does not.
"""

import argparse
import csv
import io
import random
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

SERIES = "magnets_85051110"
HS_CODE = "85051110"
HS_NAME = "稀土永磁铁及稀土永磁体"
SEED = 20250717
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "publishers" / "sample" / "data" / "magnets"

MONTHS = tuple(f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13))[:19]
RANGES = (("2024-01", "2024-12"), ("2025-01", "2025-07"))  # the cumulative exports
WORLD_CUMULATIVES = (
    ("2024-01", "2024-07"),
    ("2024-01", "2024-12"),
    ("2025-01", "2025-05"),
    ("2025-01", "2025-06"),
    ("2025-01", "2025-07"),
)

# World totals, tonnes. Published months round to the published figure; the others are chosen so
# the published cumulatives and stated changes hold (checked in check_published()).
WORLD_TONNES = {
    "2024-01": "4500",
    "2024-02": "3326",
    "2024-03": "4970.4",
    "2024-04": "4776",
    "2024-05": "4811.4",
    "2024-06": "5150.2",
    "2024-07": "5278",
    "2024-08": "4850",
    "2024-09": "5000",
    "2024-10": "5270",
    "2024-11": "5220",
    "2024-12": "4968",
    "2025-01": "6356.6",
    "2025-02": "3549",
    "2025-03": "5361.13",
    "2025-04": "2626.6",
    "2025-05": "1238.47",
    "2025-06": "3187.6",
    "2025-07": "5577.4",
}

# Why each modeled world month has its value (manifest notes).
WORLD_MODELED_NOTES = {
    "2024-01": "modeled; with Mar-Jun 2024 chosen so Jan-Jul 2024 = 32,812 t exactly",
    "2024-03": "modeled; with Jan and Apr-Jun 2024 chosen so Jan-Jul 2024 = 32,812 t exactly",
    "2024-04": "modeled; 4,776 t makes Apr 2025's -45 % y/y hold; Jan-Jul 2024 = 32,812 t",
    "2024-05": "modeled; 4,811.4 t makes May 2025's -74.26 % y/y hold; Jan-Jul 2024 = 32,812 t",
    "2024-06": (
        "modeled; 5,150.2 t makes Jun 2025's -38.1 % y/y, Jul 2024's +2 % m/m and "
        "H1 2025's -18.9 % y/y hold"
    ),
    "2024-08": "modeled; with Sep-Dec 2024 chosen so 2024 = 58,120 t exactly",
    "2024-09": "modeled; with Aug and Oct-Dec 2024 chosen so 2024 = 58,120 t exactly",
    "2024-10": "modeled; with Aug-Sep and Nov-Dec 2024 chosen so 2024 = 58,120 t exactly",
    "2024-11": "modeled; with Aug-Oct and Dec 2024 chosen so 2024 = 58,120 t exactly",
    "2024-12": "modeled; with Aug-Nov 2024 chosen so 2024 = 58,120 t exactly",
}
FEB_MAR_NOTE = (
    "modeled; Feb and Mar 2025 are not published separately, only their sum 8,910 t "
    "(derived: Jan-Jul 27,897 minus the published months); sample Feb + Mar = 8,910.13 t; "
    "Mar 5,361.13 t makes Apr 2025's -51 % m/m hold"
)

# The magnets_85051110 rows of shared/reference/published_figures.csv, copied verbatim:
# (series, period, partner, tonnes, stated_change, source, note).
PUBLISHED = (
    (
        "magnets_85051110", "2024-02", "World", "3326", "",
        "https://metalnomist.com/2024/10/chinas-rare-earth-magnet-exports-surge.html",
        "year low",
    ),
    (
        "magnets_85051110", "2024-05", "United States", "689", "",
        "https://rawmaterials.net/chinese-rare-earth-magnet-exports-plummet-in-may/",
        "",
    ),
    (
        "magnets_85051110", "2024-07", "World", "5278", "+11% y/y; +2% m/m",
        "https://metalnomist.com/2024/08/chinas-rare-earth-magnet-exports.html",
        "",
    ),
    (
        "magnets_85051110", "2024-01..2024-07", "World", "32812", "",
        "https://metalnomist.com/2024/08/chinas-rare-earth-magnet-exports.html",
        "Jan-Jul cumulative",
    ),
    (
        "magnets_85051110", "2023-01..2023-07", "World", "31727", "",
        "https://metalnomist.com/2024/08/chinas-rare-earth-magnet-exports.html",
        "Jan-Jul cumulative",
    ),
    (
        "magnets_85051110", "2024-01..2024-12", "World", "58120", "+10% y/y",
        "SMM (news.metal.com)",
        "Adamas gives 58152 incl. magnet alloys",
    ),
    (
        "magnets_85051110", "2025-01", "World", "6357", "",
        "https://www.devdiscourse.com/article/headlines/3736790-chinas-rare-earth-magnet-surge-a-post-agreement-export-boom",
        "record month at the time",
    ),
    (
        "magnets_85051110", "2025-02..2025-03", "World", "8910", "",
        "derived: Jan-Jul 27897 minus published months",
        "Feb and Mar not published separately in the sources found",
    ),
    (
        "magnets_85051110", "2025-04", "World", "2627", "-51% m/m; -45% y/y",
        "https://news.metal.com/newscontent/103342786/rare-earth-permanent-magnets-exports-in-april-2025-hit-a-record-low-in-nearly-five-years-smm-analysis",
        "",
    ),
    (
        "magnets_85051110", "2025-05", "World", "1238", "-52.85% m/m; -74.26% y/y",
        "https://news.metal.com/newscontent/103387605/",
        "1238.47 t",
    ),
    (
        "magnets_85051110", "2025-05", "United States", "46", "",
        "https://rawmaterials.net/chinese-rare-earth-magnet-exports-plummet-in-may/",
        "",
    ),
    (
        "magnets_85051110", "2025-05", "Viet Nam", "235", "",
        "https://www.econotimes.com/Chinas-Rare-Earth-Magnet-Exports-Plunge-Amid-Tighter-Export-Controls-1713812",
        "",
    ),
    (
        "magnets_85051110", "2025-05", "Germany", "209", "",
        "https://www.econotimes.com/Chinas-Rare-Earth-Magnet-Exports-Plunge-Amid-Tighter-Export-Controls-1713812",
        "",
    ),
    (
        "magnets_85051110", "2025-05", "India", "150", "",
        "https://www.econotimes.com/Chinas-Rare-Earth-Magnet-Exports-Plunge-Amid-Tighter-Export-Controls-1713812",
        "",
    ),
    (
        "magnets_85051110", "2025-01..2025-05", "World", "19132", "-14.5% y/y",
        "https://www.econotimes.com/Chinas-Rare-Earth-Magnet-Exports-Plunge-Amid-Tighter-Export-Controls-1713812",
        "",
    ),
    (
        "magnets_85051110", "2025-06", "World", "3188", "+157.5% m/m; -38.1% y/y",
        "https://www.timeslive.co.za/news/world/2025-07-20-chinas-exports-of-rare-earth-magnets-to-the-us-skyrocket-in-june/",
        "",
    ),
    (
        "magnets_85051110", "2025-06", "United States", "353", "+660% m/m",
        "https://www.timeslive.co.za/news/world/2025-07-20-chinas-exports-of-rare-earth-magnets-to-the-us-skyrocket-in-june/",
        "619/1.755 = 352.7 t makes July's +75.5% exact",
    ),
    (
        "magnets_85051110", "2025-01..2025-06", "World", "22319", "-18.9% y/y",
        "https://rareearthexchanges.com/?p=8723",
        "",
    ),
    (
        "magnets_85051110", "2025-07", "World", "5577",
        "highest since January; second consecutive monthly rise",
        "seed article (GACC via Reuters)",
        "",
    ),
    (
        "magnets_85051110", "2025-07", "United States", "619", "+75.5% m/m; +4.8% y/y",
        "seed article (GACC via Reuters)",
        "",
    ),
    (
        "magnets_85051110", "2025-07", "Germany", "1116", "+46% m/m; largest buyer",
        "seed article (GACC via Reuters)",
        "",
    ),
    (
        "magnets_85051110", "2025-07", "Japan", "232", "",
        "https://en.ckhq.net/html/36711add5b00b1bb47f31689e77d293f.html",
        "",
    ),
    (
        "magnets_85051110", "2025-07", "India", "418", "+60% y/y",
        "https://en.ckhq.net/html/36711add5b00b1bb47f31689e77d293f.html",
        "",
    ),
    (
        "magnets_85051110", "2025-01..2025-07", "World", "27897",
        "-15% y/y (H1 was nearly -19%)",
        "seed article (GACC via Reuters)",
        "",
    ),
)
PUBLISHED_PARTNER_ISO = {
    "World": "WLD",
    "United States": "US",
    "Germany": "DE",
    "Japan": "JP",
    "India": "IN",
    "Viet Nam": "VN",
}

# Partner-month totals held exactly (kg). Where the press gives only rounded tonnes, the kg
# figure is the one that makes a stated change exact (e.g. US Jun 2025 = 619 / 1.755).
FIXED_PARTNER_KG = {
    ("US", "2024-05"): 689_000,
    ("US", "2024-07"): 590_650,  # 619 / 1.048: Jul 2025's +4.8 % y/y
    ("IN", "2024-07"): 261_250,  # 418 / 1.6: Jul 2025's +60 % y/y
    ("US", "2025-05"): 46_000,
    ("VN", "2025-05"): 235_000,
    ("DE", "2025-05"): 209_000,
    ("IN", "2025-05"): 150_000,
    ("US", "2025-06"): 352_700,  # 619 / 1.755: Jul 2025's +75.5 % m/m
    ("DE", "2025-06"): 764_400,  # 1116 / 1.46: Jul 2025's +46 % m/m
    ("US", "2025-07"): 619_000,
    ("DE", "2025-07"): 1_116_000,
    ("JP", "2025-07"): 232_000,
    ("IN", "2025-07"): 418_000,
}

TRADE_MODES = {
    "10": "一般贸易",
    "14": "来料加工装配贸易",
    "15": "进料加工贸易",
    "33": "保税监管场所进出境货物",
    "34": "海关特殊监管区域物流货物",
}
MODE_UNIT_VALUE = {"10": 1.0, "14": 0.9, "15": 0.93, "33": 1.04, "34": 1.05}

# GACC partner codes and today's platform names (codes checked against the 2019 GACC code
# list; 110 and 143 carry the platform's current names). Columns: ISO alpha-2, GACC code,
# GACC name, base share of world tonnage (%), share trend per month, base unit value (USD/kg),
# trade modes with their usual share of the partner's tonnage, tail partner (absent in some
# months).
PARTNERS = (
    ("DE", "304", "德国", 17.0, 0.004, 52.0, (("10", 0.76), ("15", 0.19), ("33", 0.03),
                                             ("14", 0.02)), False),
    ("US", "502", "美国", 12.5, -0.004, 47.0, (("10", 0.68), ("15", 0.27), ("34", 0.05)), False),
    ("KR", "133", "韩国", 10.0, 0.0, 45.0, (("10", 0.55), ("15", 0.45)), False),
    ("VN", "141", "越南", 8.0, 0.012, 33.0, (("15", 0.60), ("10", 0.34), ("14", 0.06)), False),
    ("IN", "111", "印度", 5.5, 0.010, 31.0, (("10", 0.92), ("15", 0.08)), False),
    ("JP", "116", "日本", 5.0, -0.005, 68.0, (("10", 0.60), ("15", 0.35), ("34", 0.05)), False),
    ("MX", "429", "墨西哥", 4.2, 0.006, 40.0, (("15", 0.70), ("10", 0.30)), False),
    ("TH", "136", "泰国", 4.0, 0.004, 38.0, (("10", 0.50), ("15", 0.45), ("33", 0.05)), False),
    ("PL", "327", "波兰", 3.5, 0.008, 44.0, (("10", 0.90), ("15", 0.10)), False),
    ("IT", "307", "意大利", 3.0, 0.0, 55.0, (("10", 1.0),), False),
    ("NL", "309", "荷兰", 2.6, 0.0, 50.0, (("10", 0.85), ("33", 0.15)), False),
    ("FR", "305", "法国", 2.1, 0.0, 58.0, (("10", 1.0),), False),
    ("HK", "110", "中国香港", 2.0, -0.006, 42.0, (("10", 0.70), ("34", 0.20), ("33", 0.10)),
     False),
    ("GB", "303", "英国", 1.9, 0.0, 54.0, (("10", 1.0),), False),
    ("ES", "312", "西班牙", 1.7, 0.004, 47.0, (("10", 1.0),), False),
    ("MY", "122", "马来西亚", 1.7, 0.005, 36.0, (("15", 0.60), ("10", 0.40)), False),
    ("PH", "129", "菲律宾", 1.5, 0.0, 34.0, (("14", 0.50), ("15", 0.30), ("10", 0.20)), False),
    ("ID", "112", "印度尼西亚", 1.3, 0.008, 31.0, (("10", 0.80), ("15", 0.20)), False),
    ("TW", "143", "中国台湾", 1.2, 0.0, 62.0, (("10", 0.70), ("15", 0.30)), False),
    ("SG", "132", "新加坡", 1.0, 0.0, 60.0, (("10", 0.60), ("33", 0.25), ("34", 0.15)), False),
    ("RU", "344", "俄罗斯联邦", 1.4, 0.010, 40.0, (("10", 1.0),), False),
    ("BR", "410", "巴西", 1.4, 0.004, 37.0, (("10", 1.0),), False),
    ("TR", "137", "土耳其", 1.2, 0.006, 39.0, (("10", 1.0),), False),
    ("CA", "501", "加拿大", 1.0, 0.0, 50.0, (("10", 1.0),), False),
    ("AT", "315", "奥地利", 0.9, 0.0, 56.0, (("10", 0.90), ("15", 0.10)), False),
    ("CZ", "352", "捷克", 0.9, 0.004, 46.0, (("10", 0.80), ("15", 0.20)), False),
    ("HU", "321", "匈牙利", 0.8, 0.008, 43.0, (("15", 0.60), ("10", 0.40)), False),
    ("AU", "601", "澳大利亚", 0.6, 0.0, 52.0, (("10", 1.0),), False),
    ("BE", "301", "比利时", 0.5, 0.0, 53.0, (("10", 1.0),), True),
    ("SE", "330", "瑞典", 0.45, 0.0, 57.0, (("10", 1.0),), True),
    ("CH", "331", "瑞士", 0.35, 0.0, 70.0, (("10", 1.0),), True),
    ("DK", "302", "丹麦", 0.3, 0.0, 60.0, (("10", 1.0),), True),
    ("AE", "138", "阿联酋", 0.3, 0.0, 35.0, (("10", 0.70), ("34", 0.30)), True),
    ("PT", "311", "葡萄牙", 0.25, 0.0, 45.0, (("10", 1.0),), True),
)
# 142 中国: re-imports, a few hundred kilograms at most, in some months only.
REIMPORT = ("CN", "142", "中国", 70.0, (("34", 0.8), ("33", 0.2)))
PARTNER_NAMES = {p[1]: p[2] for p in PARTNERS} | {REIMPORT[1]: REIMPORT[2]}
CODE_TO_ISO = {p[1]: p[0] for p in PARTNERS} | {REIMPORT[1]: REIMPORT[0]}
# Month-specific multipliers on a partner's modeled share.
EVENTS = {("US", "2025-04"): 0.5}
# The one row with quantity 0 and a value > 0 (as real exports show for a few kilograms).
ZERO_ROW = ("SG", "2024-10", "34")
# Price index applied to every partner's base unit value: drifting down through 2024, up
# after the April 2025 export controls.
PRICE_INDEX = {
    "2024-01": 1.00, "2024-02": 0.99, "2024-03": 0.985, "2024-04": 0.975, "2024-05": 0.97,
    "2024-06": 0.96, "2024-07": 0.955, "2024-08": 0.945, "2024-09": 0.94, "2024-10": 0.935,
    "2024-11": 0.925, "2024-12": 0.92, "2025-01": 0.93, "2025-02": 0.95, "2025-03": 0.97,
    "2025-04": 1.02, "2025-05": 1.10, "2025-06": 1.12, "2025-07": 1.08,
}
UNIT_VALUE_BAND = (25.0, 90.0)

MONTHLY_HEADER = (
    "数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称", "贸易方式编码",
    "贸易方式名称", "第一数量", "第一计量单位", "第二数量", "第二计量单位", "美元",
)
CUMULATIVE_HEADER = MONTHLY_HEADER[1:]
MANIFEST_HEADER = (
    "series", "period", "partner", "partner_gacc_code", "quantity_kg", "tonnes", "status",
    "source", "note",
)
PARTNER_MODELED_NOTE = (
    "modeled; the world total less the published partners, shared by a seeded smooth share "
    "model (random.Random(20250717))"
)
REIMPORT_NOTE = "modeled; re-imports into China, a few hundred kilograms at most"


def world_kg(month: str) -> int:
    kg = Decimal(WORLD_TONNES[month]) * 1000
    if kg != kg.to_integral_value():
        raise ValueError(f"world total for {month} is not a whole number of kg")
    return int(kg)


def span(start: str, end: str) -> tuple[str, ...]:
    return MONTHS[MONTHS.index(start) : MONTHS.index(end) + 1]


def allocate(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split an integer total in proportion to weights (largest remainder, ties by key)."""
    wsum = sum(weights.values())
    raw = {k: total * w / wsum for k, w in weights.items()}
    out = {k: int(v) for k, v in raw.items()}
    order = sorted(weights, key=lambda k: (out[k] - raw[k], k))
    for k in order[: total - sum(out.values())]:
        out[k] += 1
    return out


def clamp_unit_value(uv: float) -> float:
    return min(max(uv, UNIT_VALUE_BAND[0]), UNIT_VALUE_BAND[1])


def build() -> dict[str, list[tuple[str, str, int, int]]]:
    """Rows per month: (partner code, mode code, kg, usd), sorted by partner code then mode."""
    rng = random.Random(SEED)
    # Smooth share of each partner: base × linear trend × mean-reverting random level.
    weights: dict[str, dict[str, float]] = {}
    for iso, _code, _name, share, trend, _uv, _modes, tail in PARTNERS:
        level = rng.uniform(0.9, 1.1)
        weights[iso] = {}
        for i, month in enumerate(MONTHS):
            if i:
                level = 0.7 * level + 0.3 + rng.uniform(-0.06, 0.06)
            present = not tail or rng.random() < 0.85
            w = share * (1 + trend * i) * level * EVENTS.get((iso, month), 1.0)
            weights[iso][month] = w if present else 0.0
    reimport_kg = {m: rng.randint(15, 480) if rng.random() < 0.45 else 0 for m in MONTHS}

    totals: dict[str, dict[str, int]] = {}
    for month in MONTHS:
        fixed = {iso: kg for (iso, m), kg in FIXED_PARTNER_KG.items() if m == month}
        rest = world_kg(month) - sum(fixed.values()) - reimport_kg[month]
        if rest <= 0:
            raise ValueError(f"{month}: published partners exceed the world total")
        free = {
            iso: w[month] for iso, w in weights.items() if iso not in fixed and w[month] > 0
        }
        totals[month] = {**fixed, **allocate(rest, free)}
        if reimport_kg[month]:
            totals[month][REIMPORT[0]] = reimport_kg[month]

    partners = {p[0]: p for p in PARTNERS}
    rows: dict[str, list[tuple[str, str, int, int]]] = {}
    for month in MONTHS:
        rows[month] = []
        for iso, kg in totals[month].items():
            if iso == REIMPORT[0]:
                code, base_uv, modes = REIMPORT[1], REIMPORT[3], REIMPORT[4]
            else:
                code, base_uv, modes = partners[iso][1], partners[iso][5], partners[iso][6]
            shares = {
                mode: s * rng.uniform(0.8, 1.2)
                for i, (mode, s) in enumerate(modes)
                if i == 0 or rng.random() < 0.85
            }
            split = allocate(kg, shares)
            if (iso, month) == ZERO_ROW[:2]:
                split[modes[0][0]] += split.pop(ZERO_ROW[2], 0)
                split[ZERO_ROW[2]] = 0
            uv = base_uv * PRICE_INDEX[month] * rng.uniform(0.95, 1.05)
            for mode, mode_kg in split.items():
                row_uv = clamp_unit_value(uv * MODE_UNIT_VALUE[mode] * rng.uniform(0.98, 1.02))
                if mode_kg:
                    rows[month].append((code, mode, mode_kg, round(mode_kg * row_uv)))
                elif (iso, month, mode) == ZERO_ROW:
                    rows[month].append((code, mode, 0, rng.randint(80, 900)))
        rows[month].sort()
    return rows


def tonnes(kg: int) -> str:
    return f"{kg // 1000}.{kg % 1000:03d}".rstrip("0").rstrip(".")


def pct(new: Decimal, old: Decimal, places: int) -> Decimal:
    return ((new / old - 1) * 100).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def check_published(rows: dict[str, list[tuple[str, str, int, int]]]) -> None:
    """Stop unless every published figure and stated change the sample claims holds."""
    by_partner = partner_totals(rows)
    problems = []

    def t(kg: int) -> Decimal:
        return Decimal(kg) / 1000

    world = {m: t(sum(r[2] for r in rows[m])) for m in MONTHS}
    for m in MONTHS:
        if world[m] != Decimal(WORLD_TONNES[m]):
            problems.append(f"world {m}: {world[m]} t != {WORLD_TONNES[m]} t")
    for (iso, m), kg in FIXED_PARTNER_KG.items():
        if by_partner[m].get(iso) != kg:
            problems.append(f"{iso} {m}: {by_partner[m].get(iso)} kg != {kg} kg")

    def cum(a: str, b: str) -> Decimal:
        return sum((world[m] for m in span(a, b)), Decimal(0))

    for _s, period, partner, pub, *_ in PUBLISHED:
        start, _, end = period.partition("..")
        if start not in MONTHS:
            continue  # 2023: outside the sample
        iso = PUBLISHED_PARTNER_ISO[partner]
        held = cum(start, end or start) if iso == "WLD" else t(by_partner[start][iso])
        if held.quantize(Decimal(1), ROUND_HALF_UP) != Decimal(pub):
            problems.append(f"{partner} {period}: sample {held} t does not round to {pub} t")
    for a, b, exact in (("2024-01", "2024-07", "32812"), ("2024-01", "2024-12", "58120")):
        if cum(a, b) != Decimal(exact):
            problems.append(f"{a}..{b}: {cum(a, b)} t != {exact} t")

    us = {m: t(by_partner[m]["US"]) for m in ("2024-07", "2025-06", "2025-07")}
    de = {m: t(by_partner[m]["DE"]) for m in ("2025-06", "2025-07")}
    india = {m: t(by_partner[m]["IN"]) for m in ("2024-07", "2025-07")}
    changes = (
        ("World 2024-07 m/m", pct(world["2024-07"], world["2024-06"], 0), "2"),
        ("World 2025-04 m/m", pct(world["2025-04"], world["2025-03"], 0), "-51"),
        ("World 2025-04 y/y", pct(world["2025-04"], world["2024-04"], 0), "-45"),
        ("World 2025-05 m/m", pct(world["2025-05"], world["2025-04"], 2), "-52.85"),
        ("World 2025-05 y/y", pct(world["2025-05"], world["2024-05"], 2), "-74.26"),
        ("World 2025-06 y/y", pct(world["2025-06"], world["2024-06"], 1), "-38.1"),
        # +157.5 % m/m holds on the published rounded tonnes (3,188 / 1,238), not on 1,238.47.
        ("World 2025-06 m/m (published t)", pct(Decimal(3188), Decimal(1238), 1), "157.5"),
        ("World Jan-May 2025 y/y", pct(cum("2025-01", "2025-05"),
                                       cum("2024-01", "2024-05"), 1), "-14.5"),
        ("World H1 2025 y/y", pct(cum("2025-01", "2025-06"), cum("2024-01", "2024-06"), 1),
         "-18.9"),
        ("World Jan-Jul 2025 y/y", pct(cum("2025-01", "2025-07"),
                                       cum("2024-01", "2024-07"), 0), "-15"),
        ("US 2025-07 m/m", pct(us["2025-07"], us["2025-06"], 1), "75.5"),
        ("US 2025-07 y/y", pct(us["2025-07"], us["2024-07"], 1), "4.8"),
        ("DE 2025-07 m/m", pct(de["2025-07"], de["2025-06"], 0), "46"),
        ("IN 2025-07 y/y", pct(india["2025-07"], india["2024-07"], 0), "60"),
    )
    for label, got, want in changes:
        if got != Decimal(want):
            problems.append(f"{label}: {got} % != {want} %")
    if world["2025-02"] + world["2025-03"] != Decimal("8910.13"):
        problems.append("Feb + Mar 2025 should be 8,910.13 t (published sum 8,910 t)")
    if min(world[m] for m in span("2024-01", "2024-12")) != world["2024-02"]:
        problems.append("Feb 2024 is not the year low")
    if not (world["2025-07"] > world["2025-06"] > world["2025-05"]):
        problems.append("Jul 2025 is not the second consecutive monthly rise")
    if any(world[m] >= world["2025-07"] for m in span("2025-02", "2025-06")):
        problems.append("Jul 2025 is not the highest since January")
    top = max(by_partner["2025-07"], key=lambda iso: by_partner["2025-07"][iso])
    rivals = [kg for iso, kg in by_partner["2025-07"].items() if iso != "DE"]
    if top != "DE" or max(rivals) >= by_partner["2025-07"]["DE"]:
        problems.append(f"Germany is not the largest partner in 2025-07 ({top} is)")
    for m in MONTHS:
        for code, mode, kg, usd in rows[m]:
            uv = usd / kg if kg else None
            if usd <= 0 or (uv is not None and not 24.5 <= uv <= 90.5):
                problems.append(f"{m} {code} {mode}: {kg} kg, {usd} USD")
    if problems:
        raise SystemExit("published figures not held:\n  " + "\n  ".join(problems))


def partner_totals(rows: dict[str, list[tuple[str, str, int, int]]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for m in MONTHS:
        out[m] = {}
        for code, _mode, kg, _usd in rows[m]:
            iso = CODE_TO_ISO[code]
            out[m][iso] = out[m].get(iso, 0) + kg
    return out


def csv_bytes(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> bytes:
    """The query platform's layout: all fields quoted, a trailing comma, LF, GBK."""
    text = "".join('"' + '","'.join(fields) + '",\n' for fields in [header, *lines])
    return text.encode("gbk")


def export_fields(code: str, mode: str, kg: int, usd: int) -> tuple[str, ...]:
    return (
        HS_CODE, HS_NAME, code, PARTNER_NAMES[code], mode, TRADE_MODES[mode], str(kg), "千克",
        "0", "-", f"{usd:,}",
    )


def render(rows: dict[str, list[tuple[str, str, int, int]]]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for m in MONTHS:
        yyyymm = m.replace("-", "")
        lines = [(yyyymm, *export_fields(*r)) for r in rows[m]]
        files[f"export-{HS_CODE}-{yyyymm}-partner-mode-usd.csv"] = csv_bytes(MONTHLY_HEADER, lines)
    for start, end in RANGES:
        summed: dict[tuple[str, str], list[int]] = {}
        for m in span(start, end):
            for code, mode, kg, usd in rows[m]:
                acc = summed.setdefault((code, mode), [0, 0])
                acc[0] += kg
                acc[1] += usd
        lines = [export_fields(c, md, kg, usd) for (c, md), (kg, usd) in sorted(summed.items())]
        name = f"export-{HS_CODE}-{start.replace('-', '')}-{end.replace('-', '')}"
        files[f"{name}-partner-mode-usd.csv"] = csv_bytes(CUMULATIVE_HEADER, lines)
    files["manifest.csv"] = manifest_bytes(rows)
    files["README.md"] = readme().encode("utf-8")
    return files


# Partner months not stated in the press but implied exactly by a stated change: (source, note).
REUTERS = "seed article (GACC via Reuters)"
CKHQ = "https://en.ckhq.net/html/36711add5b00b1bb47f31689e77d293f.html"
IMPLIED = {
    ("2024-07", "US"): (REUTERS, "Jul 2025's 619 t / 1.048, the stated +4.8 % y/y"),
    ("2024-07", "IN"): (CKHQ, "Jul 2025's 418 t / 1.6, the stated +60 % y/y"),
    ("2025-06", "DE"): (REUTERS, "Jul 2025's 1,116 t / 1.46, the stated +46 % m/m"),
}


def published_note(period: str, iso: str, held_kg: int) -> tuple[str, str] | None:
    if (period, iso) in IMPLIED:
        source, how = IMPLIED[period, iso]
        return source, f"published: {tonnes(held_kg)} t (implied, not stated: {how})"
    for _s, p, partner, pub, change, source, note in PUBLISHED:
        if p == period and PUBLISHED_PARTNER_ISO[partner] == iso:
            parts = [f"published: {pub} t"]
            if tonnes(held_kg) != pub:
                parts.append(f"sample {tonnes(held_kg)} t (the press figure is rounded)")
            if change:
                parts.append(f"stated: {change}")
            if note:
                parts.append(note)
            return source, "; ".join(parts)
    return None


EXTRA_NOTES = {
    ("2024-07", "WLD"): "+11 % y/y not checkable here (no Jul 2023 month in the sample)",
    ("2024-01..2024-12", "WLD"): "+10 % y/y not checkable here (no 2023 in the sample)",
    ("2025-06", "WLD"): (
        "+157.5 % m/m holds on the rounded press tonnes (3,188 / 1,238); "
        "the sample's 3,187.6 / 1,238.47 gives +157.4 %"
    ),
    ("2025-06", "US"): (
        "+660 % m/m does not hold against May's published 46 t: 352.7 / 46 = +667 %; "
        "the sample keeps 352.7 t so July's +75.5 % m/m is exact"
    ),
}


def manifest_bytes(rows: dict[str, list[tuple[str, str, int, int]]]) -> bytes:
    by_partner = partner_totals(rows)
    iso_to_code = {iso: code for code, iso in CODE_TO_ISO.items()}
    out = []

    def add(period: str, iso: str, kg: int, modeled_note: str) -> None:
        pub = published_note(period, iso, kg)
        if pub:
            source, note = pub
            extra = EXTRA_NOTES.get((period, iso))
            note = f"{note}; {extra}" if extra else note
            status = "published"
        else:
            status, source, note = "modeled", "modeled", modeled_note
        code = "" if iso == "WLD" else iso_to_code[iso]
        out.append((SERIES, period, iso, code, str(kg), tonnes(kg), status, source, note))

    for m in MONTHS:
        world_note = FEB_MAR_NOTE if m in ("2025-02", "2025-03") else WORLD_MODELED_NOTES.get(m)
        add(m, "WLD", world_kg(m), world_note or "")
        for _code, iso in sorted(CODE_TO_ISO.items()):
            if iso in by_partner[m]:
                note = REIMPORT_NOTE if iso == REIMPORT[0] else PARTNER_MODELED_NOTE
                add(m, iso, by_partner[m][iso], note)
    for start, end in WORLD_CUMULATIVES:
        add(f"{start}..{end}", "WLD", sum(world_kg(m) for m in span(start, end)), "")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(MANIFEST_HEADER)
    writer.writerows(out)
    return buf.getvalue().encode("utf-8")


README = """\
# Bundled sample: China's rare-earth magnet exports (85051110), Jan 2024 – Jul 2025

**This sample is PARTLY MODELED. It is not GACC data.** It imitates CSV exports of the GACC
query platform (stats.customs.gov.cn, 导出数据) for tariff line 85051110 稀土永磁铁及稀土永磁体
(rare-earth permanent magnets), exports, grouped by trading partner and trade mode, in US dollars.
It exists so the pipeline, its tests and its demos run offline with figures that look and add up
like the real ones.

* What is real: the world monthly totals and the partner-month totals marked `published` in
  `manifest.csv` hold the figures reported in the press (with their sources); the cumulative
  figures (Jan–Jul 2024, 2024, Jan–May, H1 and Jan–Jul 2025) and the stated m/m and y/y changes
  hold as well. Months the press did not report are chosen so those totals and changes hold.
  US and India July 2024 and Germany June 2025 are not stated but implied exactly by stated
  changes. Exceptions, noted in `manifest.csv`: June 2025's +157.5 % m/m holds only on the
  rounded press tonnes (the sample gives +157.4 %); the US's +660 % m/m in June 2025 cannot hold
  with May's published 46 t (352.7 / 46 = +667 %); the +11 % y/y (Jul 2024) and +10 % y/y
  (2024) need 2023 months the sample does not have.
* What is modeled: every other partner-month total (a smooth, seeded share per partner, the
  rest of the world total after the published partners), the trade-mode split, and every
  US-dollar value (unit values of about 25–90 USD/kg drifting over time). Status `modeled` in
  `manifest.csv`.

Regenerate (standard library only, byte-for-byte deterministic; it checks every published figure
before writing):

    python tools/make_sample.py [--out DIR]      # default: publishers/sample/data/magnets

`tests/publishers/sample/test_sample_data.py` checks that the committed files match a fresh run.

## Files

File names carry what the pipeline reads (flow, commodity, period range, grouping, currency):

    {flow}-{commodity}-{first YYYYMM}[-{last YYYYMM}]-{grouping}-{currency}.csv

* `export-85051110-YYYYMM-partner-mode-usd.csv` — one per month, 202401 … 202507 (19 files),
  exported with one row per month (`数据年月` column).
* `export-85051110-202401-202412-partner-mode-usd.csv`,
  `export-85051110-202501-202507-partner-mode-usd.csv` — cumulative exports over the range (no
  `数据年月` column); each row is exactly the sum of the monthly rows for that partner and trade
  mode.
* `manifest.csv` (UTF-8) — one row per figure the sample holds: every world month, every partner
  month, and the world cumulatives; columns `series, period (YYYY-MM or YYYY-MM..YYYY-MM),
  partner (ISO alpha-2 or WLD), partner_gacc_code, quantity_kg, tonnes, status (published |
  modeled), source, note`. Published rows note the press figure (`published: N t`), the stated
  change, and any difference between the sample and the rounded press figure.

## Format (as the real platform exports)

GBK encoding, LF line endings, every field double-quoted, every line (header included) ending
with a trailing comma. Header:

    "数据年月","商品编码","商品名称","贸易伙伴编码","贸易伙伴名称","贸易方式编码","贸易方式名称","第一数量","第一计量单位","第二数量","第二计量单位","美元",

第一数量 is kilograms (第一计量单位 `千克`) without thousands separators; 第二数量 `0`,
第二计量单位 `-`; 美元 with thousands separators (`"1,234,567"`). Partners are GACC codes, not
ISO (502 美国, 304 德国, 142 中国 = re-imports, …); several partners have 2–4 trade-mode rows
(10 一般贸易, 15 进料加工贸易, 14 来料加工装配贸易, 33 保税监管场所进出境货物,
34 海关特殊监管区域物流货物) that sum to the partner total. One row has quantity `0` with a value,
as real exports do for a few kilograms. Rows are sorted by partner code, then trade mode.
"""


def readme() -> str:
    table = "".join(
        f"| {code} | {PARTNER_NAMES[code]} | {iso} |\n" for code, iso in sorted(CODE_TO_ISO.items())
    )
    head = "| GACC code | 贸易伙伴名称 | ISO |\n| --- | --- | --- |\n"
    return f"{README}\n## Partners\n\n{head}{table}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    rows = build()
    check_published(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in render(rows).items():
        (args.out / name).write_bytes(data)
    print(f"wrote {len(MONTHS) + len(RANGES) + 2} files to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
