"""Quantity units: which are masses, and the exact factor to kilograms.

Factors are ``Decimal`` so conversions stay exact (a tonne is exactly 1,000 kg); units that are
not masses (pieces, litres, carats…) map to ``None`` and their rows carry no ``quantity_kg``.
"""

from __future__ import annotations

from decimal import Decimal

KG_PER_UNIT: dict[str, Decimal] = {
    "千克": Decimal(1),
    "公斤": Decimal(1),
    "kilogram": Decimal(1),
    "kilograms": Decimal(1),
    "kg": Decimal(1),
    "克": Decimal("0.001"),
    "gram": Decimal("0.001"),
    "g": Decimal("0.001"),
    "吨": Decimal(1000),
    "t": Decimal(1000),
    "ton": Decimal(1000),
    "tons": Decimal(1000),
    "tonne": Decimal(1000),
    "10000t": Decimal(10_000_000),
    "万吨": Decimal(10_000_000),
}


def kg_factor(unit: str | None) -> Decimal | None:
    """Kilograms per one ``unit``, or ``None`` when the unit is not a mass (or is missing)."""
    if unit is None:
        return None
    return KG_PER_UNIT.get(unit.strip().lower())
