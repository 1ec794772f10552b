"""Commodity names a report accepts, resolved through the shared catalogue."""

from __future__ import annotations

from customs_etl.core.catalogue import resolve_commodity


def resolve_report_commodity(
    name: str,
) -> tuple[str, str | None, str | None, tuple[str, ...]]:
    """(commodity code, label for prose, default flow, focus partners) for a friendly name,
    line or key."""
    spec = resolve_commodity(name)
    label = spec.label[:1].lower() + spec.label[1:] if spec.label else None
    return spec.code, label, spec.flow, spec.focus
