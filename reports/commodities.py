"""Commodity names a report accepts, resolved through the shared catalogue, and the series a
report on them shows: one line, or a watchlist entry's lines summed like for like."""

from __future__ import annotations

from dataclasses import dataclass

from customs_etl.core import sources
from customs_etl.core.catalogue import CommoditySpec, resolve_commodity


@dataclass(frozen=True)
class ReportSeries:
    """What a report adds up: ``codes`` (one line, or an entry's lines ``grouped``), the label
    for prose, and — for an entry — its name and all of its lines of this kind, so the brief can
    name the lines it covers when they are not the whole entry."""

    codes: tuple[str, ...]
    grouped: bool = False
    label: str | None = None
    entry: str | None = None
    entry_lines: tuple[str, ...] = ()


def single_line(code: str, label: str | None = None) -> ReportSeries:
    return ReportSeries((code,), False, label)


def _prose(label: str) -> str:
    """"Rare-earth magnets" → "rare-earth…" in the middle of a sentence; "HS 8505" stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def resolve_report_commodity(
    name: str,
) -> tuple[str, str | None, str | None, tuple[str, ...]]:
    """(commodity code, label for prose, default flow, focus partners) for a friendly name,
    line or key."""
    spec = resolve_commodity(name)
    return spec.code, _prose(spec.label) if spec.label else None, spec.flow, spec.focus


def candidates(spec: CommoditySpec) -> list[ReportSeries]:
    """Where a report on ``spec`` may come from, in order of preference: the entry's own
    series when it has one (a bulletin row: the whole of it), else its China tariff lines
    summed, else its HS6 codes (China's reports to UN Comtrade) summed."""
    label = _prose(spec.label)
    out = []
    lines = tuple(dict.fromkeys(
        ([spec.code] if spec.source == sources.GACC_QUERY else []) + list(spec.tariff_lines)
    ))  # fmt: skip
    if spec.source != sources.GACC_QUERY or len(lines) <= 1:
        out.append(single_line(spec.code, label))
    if len(lines) > 1:
        out.append(ReportSeries(tuple(sorted(lines)), True, label, spec.name, tuple(sorted(lines))))
    elif lines and lines[0] != spec.code:
        out.append(single_line(lines[0], f"{label}, tariff line {lines[0]}"))
    hs6 = tuple(sorted(spec.hs6))
    if hs6 and hs6 != (spec.code,):
        broader = f"HS {'+'.join(hs6)} (UN Comtrade; broader than {label})"
        out.append(ReportSeries(hs6, len(hs6) > 1, broader, spec.name if len(hs6) > 1 else None,
                                hs6 if len(hs6) > 1 else ()))  # fmt: skip
    return out


def report_options(name: str) -> list[ReportSeries]:
    """The series a report on ``name`` may show, in order of preference (``candidates``);
    ``news.choose_series`` takes the first with China's figures in the month. A fallback is
    labelled as what it is, never as the whole entry (an HS6 code covers more than the
    controlled goods)."""
    return candidates(resolve_commodity(name))
