"""The benchmark's export generator: deterministic, the platform's format, parseable by us."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bench.generate import ROWS_PER_FILE, generate, pack
from customs_etl.transforms.file_names import hints_from_name
from customs_etl.transforms.normalise import query_observations
from customs_etl.transforms.query_export import parse_query_export


def _write(folder: Path, **kwargs: object) -> dict[str, bytes]:
    files = generate(folder, months=2, rows=12_500, end=date(2024, 3, 1), **kwargs)
    return {p.name: p.read_bytes() for p in files}


def test_same_arguments_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = _write(tmp_path / "a")
    assert first == _write(tmp_path / "b")
    assert first != _write(tmp_path / "c", seed=6)


def test_files_are_platform_exports_under_the_row_cap_that_parse(tmp_path: Path) -> None:
    files = _write(tmp_path)
    months = {hints_from_name(name).period_start for name in files}
    assert months == {date(2024, 2, 1), date(2024, 3, 1)}
    total = 0
    lines_seen: dict[date, set[str]] = {}
    for name, data in files.items():
        text = data.decode("gbk")  # GBK as the platform serves it (not UTF-8)
        assert not data.startswith(b"\xef\xbb\xbf")
        lines = text.splitlines()
        assert lines[0].startswith('"数据年月","商品编码"') and all(
            line.startswith('"') and line.endswith('",') for line in lines
        )
        assert 1 <= len(lines) - 1 <= ROWS_PER_FILE < 10_000
        export = parse_query_export(data, name)
        assert export.encoding == "gb18030" and export.monthly
        obs = query_observations(export, release_id="r", flow="export")
        assert obs["partner"].notna().all() and obs["quantity_kg"].notna().all()
        month = hints_from_name(name).period_start
        codes = set(obs["commodity_code"])
        assert not codes & lines_seen.get(month, set()), "a tariff line split across files"
        lines_seen.setdefault(month, set()).update(codes)
        total += len(obs)
    assert total == 2 * 12_500  # exactly the rows asked for, every month
    assert all(len(codes) > 150 for codes in lines_seen.values())


def test_pack_never_splits_a_line_and_respects_the_limit() -> None:
    blocks = [[("p", f"{i:08d}")] * size for i, size in enumerate([4, 3, 3, 5, 1])]
    files = pack(blocks, limit=6)
    assert [len(f) for f in files] == [4, 6, 6]
    assert [sorted({r[1] for r in f}) for f in files] == [
        ["00000000"],
        ["00000001", "00000002"],
        ["00000003", "00000004"],
    ]
