"""Quantity units GACC publishes, each known or the document is refused.

One table for every channel: the query platform's Chinese unit names (GACC's 计量单位 code
list: 千克, 克, 吨, 个, 台, 件, 套, 对, 升, 立方米, …), the English query UI's names
(``Kilogram``, ``Number of item``, ``Carat``) and the bulletin's abbreviations with a power-of-ten
multiplier (``T``, ``10000T``, ``KG``, ``N``, ``100MN``, ``10000L``, ``MKWH``) and the English
preliminary release's spelled-out units (``10,000 Tons``, ``100 Million PCS``, ``Craft``). Each unit
has a kind; a mass unit carries its exact factor to kilograms as a ``Decimal`` (a tonne is exactly
1,000 kg, a metric carat exactly 0.0002 kg), so conversions never pass through float. Units that
are not masses (pieces, pairs, litres, square metres…) are *declared* non-mass: their rows carry
no ``quantity_kg`` by design. A unit that is in none of these lists is unknown, and a document
using it is refused (``unit_for`` returns None and the parser names the row and unit): a unit
that silently became NULL kilograms once made a month's tonnage vanish.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

MASS = "mass"
NON_MASS_KINDS = frozenset(
    {"count", "pairs", "volume", "area", "length", "energy", "power", "activity"}
)


@dataclass(frozen=True)
class Unit:
    """A published quantity unit: what it measures and, for masses, kilograms per unit.

    ``base`` is how many base items (pieces, pairs, cubic metres) one unit of a non-mass kind
    stands for, where the unit says so exactly (``10,000 Sets`` = 10,000 sets); it never
    becomes kilograms, it only lets two printed units of one kind be compared.
    """

    name: str
    kind: str
    kg: Decimal | None = None
    base: Decimal | None = None

    @property
    def is_mass(self) -> bool:
        return self.kind == MASS

    @property
    def per_unit(self) -> Decimal | None:
        """Base units (kg for a mass, else items/pairs/m³) in one published unit, if known."""
        return self.kg if self.is_mass else self.base


def _mass(name: str, kg: str) -> Unit:
    return Unit(name, MASS, Decimal(kg))


# Query platform (Chinese UI): GACC's 计量单位 code list (001 台 … 164 亿株). Every mass unit
# with an exact definition converts; 盎司 (troy or avoirdupois?), 担, 司马担 and 司马斤 (no
# official factor found) are left out on purpose: a document using them is refused until
# their definition is confirmed.
_COUNT_NAMES = (
    "个 台 座 辆 艘 架 套 只 头 张 件 支 枝 根 条 把 块 卷 副 片 组 份 幅 棵 株 井 盘 筒 "
    "盆 具 刀 疋 扇 令 箱 批 罐 桶 扎 包 箩 打 筐 罗 匹 册 本 发 枚 捆 袋 粒 盒 合 瓶 部 "
    "万个 百副 百支 百把 百个 百片 百枝 千只 千块 千盒 千枝 千个 亿支 亿个 万套 千张 "
    "万张 千部 万粒 千粒 千支 亿株"
)
_CHINESE = {
    "千克": _mass("千克", "1"),
    "公斤": _mass("公斤", "1"),
    "克": _mass("克", "0.001"),
    "吨": _mass("吨", "1000"),
    "公吨": _mass("公吨", "1000"),
    "千吨": _mass("千吨", "1000000"),
    "万吨": _mass("万吨", "10000000"),
    "克拉": _mass("克拉", "0.0002"),  # metric carat: exactly 200 mg
    "公担": _mass("公担", "100"),  # quintal
    "长吨": _mass("长吨", "1016.0469088"),  # long ton: 2,240 lb
    "短吨": _mass("短吨", "907.18474"),  # short ton: 2,000 lb
    "磅": _mass("磅", "0.45359237"),  # international avoirdupois pound
    "英担": _mass("英担", "50.80234544"),  # long hundredweight: 112 lb
    "短担": _mass("短担", "45.359237"),  # short hundredweight: 100 lb
    "斤": _mass("斤", "0.5"),  # 市斤
    "两": _mass("两", "0.05"),  # 市两
    "市担": _mass("市担", "50"),  # 100 市斤
    **{name: Unit(name, "count") for name in _COUNT_NAMES.split()},
    **{name: Unit(name, "pairs") for name in ("双", "对", "万双")},
    **{
        name: Unit(name, "volume")
        for name in ("升", "毫升", "千升", "立方米", "英加仑", "美加仑", "立方英尺", "立方尺")
    },
    **{name: Unit(name, "area") for name in ("平方米", "平方码", "平方英尺", "平方尺")},
    **{
        name: Unit(name, "length")
        for name in ("米", "千米", "英尺", "千英尺", "市尺", "码", "英寸", "寸")
    },
    **{name: Unit(name, "power") for name in ("千瓦", "千伏安", "英制马力", "公制马力")},
    **{name: Unit(name, "energy") for name in ("千瓦时",)},
    "百万贝可": Unit("百万贝可", "activity"),  # radioactivity, million becquerel
}

# Query platform (English UI) names, compared case-insensitively ("Number of item", "In
# Thousands" and "In Hundreds" each stand for several Chinese count units).
_ENGLISH = {
    "kilogram": _mass("Kilogram", "1"),
    "kilograms": _mass("Kilogram", "1"),
    "kg": _mass("kg", "1"),
    "gram": _mass("Gram", "0.001"),
    "grams": _mass("Gram", "0.001"),
    "ton": _mass("Ton", "1000"),
    "tons": _mass("Ton", "1000"),
    "tonne": _mass("Tonne", "1000"),
    "tonnes": _mass("Tonne", "1000"),
    "metric ton": _mass("Metric ton", "1000"),
    "carat": _mass("Carat", "0.0002"),
    "carats": _mass("Carat", "0.0002"),
    "number of item": Unit("Number of item", "count"),
    "in thousands": Unit("In Thousands", "count"),
    "in hundreds": Unit("In Hundreds", "count"),
    "million bq": Unit("Million Bq", "activity"),
    "kilolitre": Unit("Kilolitre", "volume"),
    "square metre": Unit("Square Metre", "area"),
    "cubic metre": Unit("Cubic Metre", "volume"),
    "number of items": Unit("Number of item", "count"),
    "piece": Unit("Piece", "count"),
    "pieces": Unit("Piece", "count"),
    "set": Unit("Set", "count"),
    "sets": Unit("Set", "count"),
    "pair": Unit("Pair", "pairs"),
    "pairs": Unit("Pair", "pairs"),
    "liter": Unit("Liter", "volume"),
    "litre": Unit("Litre", "volume"),
    "cubic meter": Unit("Cubic meter", "volume"),
    "square meter": Unit("Square meter", "area"),
    "meter": Unit("Meter", "length"),
    "metre": Unit("Metre", "length"),
    "kilowatt": Unit("Kilowatt", "power"),
    "kilowatt-hour": Unit("Kilowatt-hour", "energy"),
}


def _counted(name: str, kind: str, base: str) -> Unit:
    return Unit(name, kind, base=Decimal(base))


# GACC's English preliminary release (tables (5) and (6)), compared case-insensitively with
# spaces collapsed. Exactly what the pages print: ``10,000 Tons`` is ten million kilograms;
# ``100 Million Pairs`` is what the Chinese table prints for footwear (亿双), which the English
# page has been seen to mislabel ``10,000 Pairs`` (the publisher resolves that from the page).
_PRELIMINARY = {
    "ton": _mass("Ton", "1000"),
    "tons": _mass("Ton", "1000"),
    "10,000 tons": _mass("10,000 Tons", "10000000"),
    "set": _counted("Set", "count", "1"),
    "sets": _counted("Set", "count", "1"),
    "10,000 sets": _counted("10,000 Sets", "count", "10000"),
    "10,000 pairs": _counted("10,000 Pairs", "pairs", "10000"),
    "100 million pairs": _counted("100 Million Pairs", "pairs", "100000000"),
    "pcs": _counted("PCS", "count", "1"),
    "10,000 pcs": _counted("10,000 PCS", "count", "10000"),
    "100 million pcs": _counted("100 Million PCS", "count", "100000000"),
    "10,000 autos": _counted("10,000 Autos", "count", "10000"),
    "ship": _counted("Ship", "count", "1"),
    "ships": _counted("Ship", "count", "1"),
    "craft": _counted("Craft", "count", "1"),  # aircraft (架)
    "10,000 cbm": _counted("10,000 CBM", "volume", "10000"),  # cubic metres (万立方米)
    "cbm": _counted("CBM", "volume", "1"),
}

# Monthly bulletin abbreviations (before any multiplier prefix such as 10000 or 100).
_BULLETIN_MASS_KG = {"KG": Decimal(1), "T": Decimal(1000), "G": Decimal("0.001")}
_BULLETIN_OTHER = {
    "N": "count",  # number of items
    "MN": "count",  # million items
    "CR": "count",  # cartons (万条): only the cigarettes row, "10000CR"
    "PR": "pairs",
    "MPR": "pairs",
    "MP": "pairs",  # footwear ("100MP": hundred million pairs)
    "L": "volume",
    "CUM": "volume",
    "SM": "area",
    "MKWH": "energy",
}
_BULLETIN_UNIT = re.compile(r"(\d+)?\s*([A-Z]+)")


def _bulletin_unit(text: str) -> Unit | None:
    match = _BULLETIN_UNIT.fullmatch(text.upper())
    if not match:
        return None
    multiplier = Decimal(match.group(1) or 1)
    code = match.group(2)
    if code in _BULLETIN_MASS_KG:
        return Unit(text, MASS, multiplier * _BULLETIN_MASS_KG[code])
    if code in _BULLETIN_OTHER:
        return Unit(text, _BULLETIN_OTHER[code])
    return None


def unit_for(text: str | None) -> Unit | None:
    """The unit a published unit text names, or None when it is unknown (or blank)."""
    if text is None:
        return None
    cleaned = " ".join(unicodedata.normalize("NFKC", str(text)).split())
    if not cleaned:
        return None
    lowered = cleaned.lower()
    return (
        _CHINESE.get(cleaned)
        or _PRELIMINARY.get(lowered)
        or _ENGLISH.get(lowered)
        or _bulletin_unit(cleaned)
    )


def kg_factor(unit: str | None) -> Decimal | None:
    """Kilograms per ``unit`` for a known mass unit; None for non-mass and unknown units."""
    found = unit_for(unit)
    return found.kg if found is not None and found.is_mass else None
