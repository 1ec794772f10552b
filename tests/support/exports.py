"""Build query-platform exports in the real format (quoted, trailing comma, GBK) for tests."""

from __future__ import annotations

from collections.abc import Sequence

ZH_MONTHLY_HEADER = ("数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称",
                     "贸易方式编码", "贸易方式名称", "第一数量", "第一计量单位", "第二数量",
                     "第二计量单位", "美元")
MAGNETS = ("85051110", "稀土永磁铁及稀土永磁体")


def magnet_row(period: str, partner: str, partner_name: str, mode: str, kg: int, usd: int,
               mode_name: str = "一般贸易") -> tuple[str, ...]:
    return (period, *MAGNETS, partner, partner_name, mode, mode_name, str(kg), "千克", "0", "-",
            f"{usd:,}")


def render_export(header: Sequence[str], rows: Sequence[Sequence[str]], *,
                  encoding: str = "gbk", trailing_comma: bool = True, bom: bool = False) -> bytes:
    """The platform's CSV: every field quoted, a trailing comma on every line, LF endings."""
    def line(fields: Sequence[str]) -> str:
        text = ",".join(f'"{f}"' for f in fields)
        return text + ("," if trailing_comma else "")

    text = "\n".join(line(r) for r in [header, *rows]) + "\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def july_export(**kwargs: object) -> bytes:
    """A small, valid monthly export (three partners, two trade modes)."""
    rows = [
        magnet_row("202507", "304", "德国", "10", 900_000, 45_000_000),
        magnet_row("202507", "304", "德国", "15", 216_000, 10_800_000, "进料加工贸易"),
        magnet_row("202507", "502", "美国", "10", 619_000, 30_950_000),
        magnet_row("202507", "116", "日本", "10", 232_000, 11_600_000),
    ]
    return render_export(ZH_MONTHLY_HEADER, rows, **kwargs)  # type: ignore[arg-type]
