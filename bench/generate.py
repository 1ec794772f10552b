"""Deterministic synthetic query-platform exports at full scale, for the benchmark.

A user who wants every tariff line by partner and trade mode for a month must split the query,
because the platform stops at 10,000 rows (an export of exactly 10,000 rows means "truncated").
This writes what they would end up with: for each month, files of at most 9,999 rows in the real
format (GBK, every field quoted, trailing comma, values with thousands separators), each holding
whole tariff lines — a line is never split across files, because the warehouse treats a later
release of the same line and month as a new vintage of the whole slice.

Distributions: thousands of HS8 lines (chapters 01-97, rows per line heavy-tailed), ~200 GACC
partners with a long tail (Zipf weights, the big buyers first), seven trade modes, a few percent
of lines counted in pieces with kilograms as the second quantity, and quantity-0-with-value
rows. Same arguments, same bytes: numpy's PCG64 seeded from (seed, month).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from customs_etl.core.partners import load_partner_table
from customs_etl.transforms.query_export import PLATFORM_ROW_LIMIT

ROWS_PER_FILE = PLATFORM_ROW_LIMIT - 1  # 10,000 exactly is the platform's truncation mark
HEADER = (
    "数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称", "贸易方式编码",
    "贸易方式名称", "第一数量", "第一计量单位", "第二数量", "第二计量单位", "美元",
)  # fmt: skip
MAGNETS = "85051110"
TRADE_MODES = (  # code, name, share of a line's rows
    ("10", "一般贸易", 0.46),
    ("15", "进料加工贸易", 0.16),
    ("14", "来料加工装配贸易", 0.06),
    ("33", "保税监管场所进出境货物", 0.08),
    ("34", "海关特殊监管区域物流货物", 0.12),
    ("19", "边境小额贸易", 0.07),
    ("39", "其他", 0.05),
)
BIG_PARTNERS = ("502", "110", "116", "133", "304", "141", "111", "143", "344", "309", "303",
                "601", "429", "112", "132", "136", "129", "305", "307", "410")  # fmt: skip
COUNT_UNITS = ("台", "个", "件", "套", "双", "条")
_MATERIAL = ("钢铁", "铜", "铝", "塑料", "橡胶", "棉", "化学纤维", "木", "纸", "玻璃", "陶瓷",
             "稀土", "锂", "硅", "镍", "钛", "羊毛", "皮革", "竹", "石")  # fmt: skip
_FORM = ("制品", "零件", "板材", "管", "线材", "粉末", "薄膜", "纱线", "织物", "容器", "器具",
         "设备", "化合物", "合金", "废碎料")  # fmt: skip
_USE = ("", "，家用", "，工业用", "，医疗用", "，其他", "，未锻轧", "，已加工", "，电动")
UNIVERSE_LINES = 6_000
DEFAULT_END = date(2025, 12, 1)
ROWS_PER_LINE = 60  # average; the number of active lines follows from the rows wanted


@dataclass(frozen=True)
class Universe:
    """Everything that stays the same from month to month: lines, partners, modes."""

    codes: list[str]
    names: list[str]
    count_unit: list[str | None]  # None: the first unit is 千克
    unit_value: np.ndarray  # USD per kg, per line
    line_scale: np.ndarray  # typical kg per row, per line
    breadth: np.ndarray  # relative number of rows per line
    partner_codes: list[str]
    partner_names: list[str]
    partner_weight: np.ndarray
    mode_weight: np.ndarray


def _partners(rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """~200 GACC partners, the big buyers first, the rest in a seeded order (the long tail)."""
    table = load_partner_table()
    usable = [
        code
        for code, p in sorted(table.items())
        if p.kind != "historical" and _gbk_ok(p.name_cn) and p.partner
    ]
    tail = [c for c in usable if c not in BIG_PARTNERS]
    order = [c for c in BIG_PARTNERS if c in usable] + [tail[i] for i in rng.permutation(len(tail))]
    chosen = order[:200]
    return chosen, [table[c].name_cn for c in chosen]


def _gbk_ok(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def universe(seed: int) -> Universe:
    """The fixed catalogue of lines and partners (same seed, same catalogue)."""
    rng = np.random.default_rng([seed, 0])
    codes_set: set[str] = {MAGNETS}
    chapters = [c for c in range(1, 98) if c != 77]
    while len(codes_set) < UNIVERSE_LINES:
        chapter = chapters[int(rng.integers(len(chapters)))]
        codes_set.add(
            f"{chapter:02d}{int(rng.integers(1, 100)):02d}{int(rng.integers(0, 10000)):04d}"
        )
    codes = sorted(codes_set)
    order = rng.permutation(len(codes))
    codes = [codes[i] for i in order]  # activation order: line i is active when i < n_lines
    codes.remove(MAGNETS)
    codes.insert(0, MAGNETS)  # always active
    names = [
        _MATERIAL[int(rng.integers(len(_MATERIAL)))]
        + _FORM[int(rng.integers(len(_FORM)))]
        + _USE[int(rng.integers(len(_USE)))]
        for _ in codes
    ]
    names[0] = "稀土永磁铁及稀土永磁体"
    count_unit: list[str | None] = [
        COUNT_UNITS[int(rng.integers(len(COUNT_UNITS)))] if rng.random() < 0.08 else None
        for _ in codes
    ]
    count_unit[0] = None
    unit_value = np.exp(rng.normal(np.log(8.0), 1.3, len(codes)))
    unit_value[0] = 50.0
    line_scale = np.exp(rng.normal(np.log(20_000.0), 1.5, len(codes)))
    line_scale[0] = 15_000.0
    breadth = np.exp(rng.normal(0.0, 1.1, len(codes)))
    breadth[0] = 3.0
    partner_codes, partner_names = _partners(rng)
    ranks = np.arange(1, len(partner_codes) + 1)
    partner_weight = 1.0 / ranks**1.1
    mode_weight = np.array([share for _, _, share in TRADE_MODES])
    return Universe(
        codes, names, count_unit, unit_value, line_scale, breadth,
        partner_codes, partner_names, partner_weight / partner_weight.sum(), mode_weight,
    )  # fmt: skip


def _rows_per_line(u: Universe, n_lines: int, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``rows`` over the active lines by their breadth; every line has ≥ 1 row."""
    cap = len(u.partner_codes) * len(TRADE_MODES)
    if rows > n_lines * cap:
        raise ValueError(f"{rows} rows do not fit in {n_lines} lines")
    weight = u.breadth[:n_lines] * np.exp(rng.normal(0.0, 0.1, n_lines))
    counts = np.clip(np.floor(rows * weight / weight.sum()), 1, cap).astype(np.int64)
    order = np.argsort(-weight, kind="stable")
    diff = rows - int(counts.sum())
    while diff != 0:
        for i in order:
            if diff > 0 and counts[i] < cap:
                counts[i] += 1
                diff -= 1
            elif diff < 0 and counts[i] > 1:
                counts[i] -= 1
                diff += 1
            if diff == 0:
                break
    return counts


def month_lines(u: Universe, month: date, rows: int, seed: int) -> list[list[tuple[str, ...]]]:
    """One month's export rows, grouped by tariff line (sorted by line, partner, mode)."""
    rng = np.random.default_rng([seed, month.year, month.month])
    n_lines = min(len(u.codes), max(1, rows // ROWS_PER_LINE))
    # Rows per line and the cells they fill are the line's own, not the month's (see below).
    counts = _rows_per_line(u, n_lines, rows, np.random.default_rng([seed, rows]))
    n_modes = len(TRADE_MODES)
    grid_weight = (u.partner_weight[:, None] * u.mode_weight[None, :]).ravel()
    period = f"{month.year}{month.month:02d}"
    blocks: list[tuple[str, list[tuple[str, ...]]]] = []
    for i in range(n_lines):
        k = int(counts[i])
        # Which partners and modes trade a line is the line's own (seeded by the line, not the
        # month): month to month a line keeps its buyers and modes, so a full export is never
        # taken for a filtered one by the history checks (a new month's full export must carry
        # the partners and modes that held 75 % of the month before); only the quantities and
        # values move. A weighted draw, no repeats.
        keys = np.log(np.random.default_rng([seed, i]).random(grid_weight.size)) / grid_weight
        cells = np.sort(np.argpartition(-keys, k - 1)[:k]) if k < keys.size else np.arange(k)
        share = grid_weight[cells] / grid_weight[cells].max()
        kg = np.floor(u.line_scale[i] * share**0.6 * np.exp(rng.normal(0.0, 1.0, k))).astype(
            np.int64
        )
        kg[rng.random(k) < 0.015] = 0  # a few kilograms, rounded to 0, still with a value
        usd = np.maximum(
            np.rint(np.maximum(kg, 0.4) * u.unit_value[i] * np.exp(rng.normal(0.0, 0.12, k))), 1
        ).astype(np.int64)
        code, name, unit = u.codes[i], u.names[i], u.count_unit[i]
        piece_kg = 0.2 + 40 * rng.random()
        lines: list[tuple[str, ...]] = []
        for cell, q, v in zip(cells.tolist(), kg.tolist(), usd.tolist(), strict=True):
            p, m = divmod(cell, n_modes)
            mode, mode_name, _ = TRADE_MODES[m]
            if unit is None:
                first, first_unit, second, second_unit = str(q), "千克", "0", "-"
            else:
                first, first_unit = str(int(q / piece_kg)), unit
                second, second_unit = str(q), "千克"
            lines.append((period, code, name, u.partner_codes[p], u.partner_names[p], mode,
                          mode_name, first, first_unit, second, second_unit, f"{v:,}"))  # fmt: skip
        lines.sort(key=lambda r: (r[3], r[5]))
        blocks.append((code, lines))
    blocks.sort(key=lambda b: b[0])
    return [lines for _, lines in blocks]


def pack(blocks: list[list[tuple[str, ...]]], limit: int = ROWS_PER_FILE) -> list[list[tuple]]:
    """Whole tariff lines into files of at most ``limit`` rows, in code order."""
    files: list[list[tuple]] = [[]]
    for block in blocks:
        if len(block) > limit:
            raise ValueError(f"tariff line {block[0][1]} has {len(block)} rows > {limit}")
        if len(files[-1]) + len(block) > limit:
            files.append([])
        files[-1].extend(block)
    return files


def render(rows: list[tuple[str, ...]]) -> bytes:
    """The platform's CSV: all fields quoted, a trailing comma, LF endings, GBK."""
    text = "".join('"' + '","'.join(fields) + '",\n' for fields in [HEADER, *rows])
    return text.encode("gbk")


def months_ending(end: date, count: int) -> list[date]:
    """``count`` consecutive months ending with ``end``, oldest first."""
    index = end.year * 12 + end.month - 1 - (count - 1)
    return [date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(count)]


def generate(out: Path, *, months: int, rows: int, seed: int = 5, end: date = DEFAULT_END
             ) -> list[Path]:  # fmt: skip
    """Write ``months`` months of ``rows`` rows each under ``out``; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    u = universe(seed)
    written = []
    for month in months_ending(end, months):
        for part, chunk in enumerate(pack(month_lines(u, month, rows, seed)), start=1):
            path = out / f"export-{month:%Y%m}-partner-mode-usd-part{part:03d}.csv"
            path.write_bytes(render(chunk))
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--months", type=int, default=1)
    parser.add_argument("--rows", type=int, default=300_000, help="rows per month")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--end", default=f"{DEFAULT_END:%Y-%m}", help="last month YYYY-MM")
    args = parser.parse_args(argv)
    year, month = map(int, args.end.split("-"))
    files = generate(args.out, months=args.months, rows=args.rows, seed=args.seed,
                     end=date(year, month, 1))  # fmt: skip
    print(f"wrote {len(files)} files to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
