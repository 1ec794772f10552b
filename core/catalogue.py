"""Stable commodity keys and the friendly names users type on the command line.

Bulletin rows have no code, only an English label that GACC retouches now and then (full-width
or half-width brackets, a wrapped line, capitalisation, a trailing ``*``). ``bulletin_key``
turns a label into a slug that survives those cosmetic changes, so a series keeps one key
across vintages. Pure: no I/O.

Parent rule: the parent's slug is included **only** when the label alone is generic (see
``GENERIC_LABELS``: "Others", "Parts", "Materials", …), because such labels mean nothing
without their heading. Every other label is keyed alone, so the key does not move when GACC
re-indents a row or drops its heading: the 2026 import table lists ``Rare-earth ore, metals,
compounds`` indented under ``Polycrystalline silicon`` (its real parent row is absent), yet it
must keep the same key as the export table's child of ``Rare-earth … and articles thereof``.
``transforms.bulletin.bulletin_observations`` refuses a table in which two rows still collide.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from customs_etl.core.errors import CustomsEtlError

BULLETIN_PREFIX = "bulletin:"

# Labels that need their heading to mean anything (compared after normalisation).
GENERIC_LABELS = frozenset(
    {
        "other",
        "others",
        "of which",
        "parts",
        "parts thereof",
        "parts and accessories",
        "accessories",
        "materials",
        "electronic",
        "other technologies",
        "total",
    }
)


@dataclass(frozen=True)
class CommoditySpec:
    """What a friendly name stands for: the series key, which source carries it, its label."""

    name: str
    code: str
    source: str
    label: str
    flow: str | None = None
    note: str = ""
    focus: tuple[str, ...] = ()  # partners the brief always reports on (ISO alpha-2)


def _slug_words(label: str) -> list[str]:
    """Lower-case words of a label: NFKC (full-width → half-width), brackets/punctuation/``*``
    dropped, ``&`` read as ``and``, hyphens kept inside words only."""
    text = unicodedata.normalize("NFKC", label).lower().replace("&", " and ")
    text = re.sub(r"['’`]", "", text)
    text = re.sub(r"[^a-z0-9\-]+", " ", text)
    text = re.sub(r"\s*-\s*", "-", text)
    return [w.strip("-") for w in text.split() if w.strip("-")]


def slugify(label: str) -> str:
    """``Rare-earth ore, metals, compounds`` → ``rare-earth-ore-metals-compounds``."""
    slug = re.sub(r"-{2,}", "-", "-".join(_slug_words(label)))
    if not slug:
        raise CustomsEtlError(f"cannot build a commodity key from label {label!r}")
    return slug


def is_generic_label(label: str) -> bool:
    """True for labels such as 'Others' that need their parent to be unambiguous."""
    return " ".join(_slug_words(label)).replace("-", " ") in GENERIC_LABELS


def bulletin_key(label: str, parent_label: str | None = None) -> str:
    """Stable key of a bulletin row, e.g. ``bulletin:rare-earth-ore-metals-compounds``.

    Generic labels become ``bulletin:<parent-slug>/<label-slug>`` (see the module docstring).
    """
    slug = slugify(label)
    if parent_label and is_generic_label(label):
        return f"{BULLETIN_PREFIX}{slugify(parent_label)}/{slug}"
    return f"{BULLETIN_PREFIX}{slug}"


COMMODITIES: dict[str, CommoditySpec] = {
    spec.name: spec
    for spec in (
        CommoditySpec(
            name="rare-earths",
            code=bulletin_key("Rare-earth ore, metals, compounds"),
            source="gacc_bulletin",
            label="Rare-earth ore, metals, compounds",
            flow="export",
            note="稀土; sub-row of 'Rare-earth ore, metals, compounds and articles thereof'",
        ),
        CommoditySpec(
            name="rare-earth-products",
            code=bulletin_key("Rare-earth ore, metals, compounds and articles thereof"),
            source="gacc_bulletin",
            label="Rare-earth ore, metals, compounds and articles thereof",
            flow="export",
            note="稀土及其制品; includes the 'rare-earths' row",
        ),
        CommoditySpec(
            name="rare-earth-magnets",
            code="85051110",
            source="gacc_query",
            label="Rare-earth permanent magnets",
            flow="export",
            note="稀土永磁铁及稀土永磁体 (HS8 85051110); 85051190 is magnets of other metals",
            focus=("US",),  # the news desk follows shipments to the United States
        ),
    )
}


def _normalise_name(text: str) -> str:
    return re.sub(r"[\s_]+", "-", unicodedata.normalize("NFKC", text).strip().lower())


def resolve_commodity(name_or_code: str) -> CommoditySpec:
    """A friendly name, an 8-digit tariff line or a ``bulletin:`` key → its CommoditySpec.

    Unknown 8-digit codes and well-formed bulletin keys are accepted as ad-hoc specs (the
    catalogue lists favourites, not everything GACC publishes); anything else is an error that
    lists the known names.
    """
    text = unicodedata.normalize("NFKC", name_or_code).strip()
    name = _normalise_name(text)
    if name in COMMODITIES:
        return COMMODITIES[name]
    digits = re.sub(r"[.\s]", "", text)
    if re.fullmatch(r"\d{8}", digits):
        for spec in COMMODITIES.values():
            if spec.code == digits:
                return spec
        return CommoditySpec(name=digits, code=digits, source="gacc_query", label=f"HS {digits}")
    if text.lower().startswith(BULLETIN_PREFIX):
        key = text.lower()
        for spec in COMMODITIES.values():
            if spec.code == key:
                return spec
        if re.fullmatch(r"bulletin:[a-z0-9\-]+(/[a-z0-9\-]+)?", key):
            return CommoditySpec(name=key, code=key, source="gacc_bulletin", label=key)
    known = ", ".join(sorted(COMMODITIES))
    raise CustomsEtlError(
        f"unknown commodity {name_or_code!r}: use one of {known}, an 8-digit tariff line "
        f"(e.g. 85051110) or a bulletin key (e.g. {COMMODITIES['rare-earths'].code})"
    )
