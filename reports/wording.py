"""Numbers and names as a news desk prints them: press rounding, signs, articles, months.

Press rounding is half away from zero (1,116.5 t → "1,117 t"), on the decimal value a reader
would write down — not Python's round-half-to-even on binary floats. A change that rounds to
zero is "0 %", never "+0 %" or "−0 %". Only text and markdown round; JSON keeps full precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

MINUS = "−"  # typographic minus, as the press prints it

# Names that read "the United States", "the Netherlands" in running text.
_THE_PREFIXES = ("United ", "Republic of ", "Democratic Republic", "Central African Republic")
_THE_NAMES = frozenset(
    {
        "Netherlands",
        "Philippines",
        "Bahamas",
        "Gambia",
        "Maldives",
        "Comoros",
        "Czech Republic",
        "Dominican Republic",
        "Marshall Islands",
        "Solomon Islands",
        "Cayman Islands",
        "Faroe Islands",
        "Falkland Islands",
        "British Virgin Islands",
        "Virgin Islands",
        "Seychelles",
        "Vatican",
        "Holy See",
    }
)


def press_round(value: float, places: int = 0) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals (the float's shortest
    decimal form is what is rounded: 1116.5 → 1117, 0.05 → 0.1)."""
    step = Decimal(1).scaleb(-places)
    return Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP)


# How each publication is named in a brief, and the decimals of tonnes it prints (GACC's
# preliminary release prints tonnes with one decimal: "5,864.6 t"; the others are read in kg or
# whole tonnes and printed whole, as the press does).
PUBLICATION_NAMES = {
    "gacc_preliminary": "preliminary release",
    "gacc_bulletin": "monthly bulletin",
    "gacc_query": "query-platform export",
    "comtrade": "UN Comtrade",
    "sample": "modeled sample",
}
TONNES_DECIMALS = {"gacc_preliminary": 1}


def tonnes_text(value: float | None, decimals: int = 0) -> str:
    """'1,117 t' (or '5,864.6 t' with one decimal); 'n/a' for an unknown figure."""
    if value is None:
        return "n/a"
    rounded = press_round(value, decimals)
    return "0 t" if rounded == 0 else f"{rounded:,} t".replace("-", MINUS)


def pct_text(value: float | None) -> str:
    """Signed percent with one decimal, '.0' dropped, typographic minus: '+75.5 %', '−15 %';
    a change that rounds to zero is '0 %'."""
    if value is None:
        return "n/a"
    rounded = press_round(value, 1)
    if rounded == 0:
        return "0 %"
    text = f"{rounded:+}".removesuffix(".0")
    return text.replace("-", MINUS) + " %"


def share_text(value: float | None) -> str:
    """'20.0 %' (one decimal, press rounding)."""
    return "n/a" if value is None else f"{press_round(value, 1)} %"


def parse_month(ym: str) -> date:
    return date(int(ym[:4]), int(ym[5:7]), 1)


def month_name(ym: str, reference: date | None = None) -> str:
    """'July' within the reference year, else 'July 2024'; a block '2025-01..2025-02' reads
    'Jan–Feb 2025'."""
    if ".." in ym:
        first, last = (parse_month(part) for part in ym.split(".."))
        start = f"{first:%b}" if first.year == last.year else f"{first:%b %Y}"
        return f"{start}–{last:%b %Y}"
    moment = parse_month(ym)
    if reference is not None and moment.year == reference.year:
        return f"{moment:%B}"
    return f"{moment:%B %Y}"


def with_article(name: str) -> str:
    """'the United States', 'the Netherlands', but 'Germany'."""
    if name in _THE_NAMES or name.startswith(_THE_PREFIXES):
        return f"the {name}"
    return name


def join_names(names: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
