"""Commodity names a report accepts: tariff lines and friendly names."""

from __future__ import annotations

import re

from customs_etl.errors import CustomsEtlError

FRIENDLY = {"rare-earth-magnets": ("85051110", "rare-earth permanent magnets")}
LABELS = {code: label for code, label in FRIENDLY.values()}


def resolve_report_commodity(name: str) -> tuple[str, str | None]:
    """(commodity code, label for prose) for a friendly name or an 8-digit line."""
    key = name.strip().lower()
    if key in FRIENDLY:
        return FRIENDLY[key]
    if re.fullmatch(r"\d{8}", key):
        return key, LABELS.get(key)
    raise CustomsEtlError(
        f"unknown commodity {name!r}; use an 8-digit tariff line or one of "
        + ", ".join(sorted(FRIENDLY))
    )
