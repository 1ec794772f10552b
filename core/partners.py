"""GACC trade-partner codes translated to the warehouse's canonical partner keys.

China's customs query platform labels partners with GACC's own three-digit codes (``502`` is
the United States, ``101`` is Afghanistan), not ISO codes. The warehouse joins every source on
one partner key, so each GACC code goes through a reviewed table shipped inside the package
(``core/reference/gacc_partner_codes.csv``) instead of a name match at run time, which is
how a draft once mapped codes wrongly.

Partner keys are the ISO 3166-1 alpha-2 code when the partner has one, otherwise
``GACC-<code>`` (for example ``GACC-701`` for "country unknown" and ``GACC-199`` for "other
Asia"). A few GACC codes denote parts of one ISO entity (the Canary Islands and Spain both map
to ``ES``); their table note says "shares entity".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from customs_etl.core.comtrade_areas import AREA_PREFIX, load_area_table
from customs_etl.core.text import clean_code

TABLE_RESOURCE = "reference/gacc_partner_codes.csv"
TABLE_COLUMNS = (
    "gacc_code",
    "name_cn",
    "name_en",
    "partner",
    "iso_alpha2",
    "iso_alpha3",
    "iso_numeric",
    "kind",
    "note",
)
KINDS = frozenset({"country", "other", "unknown", "historical"})
SHARED_ENTITY_MARKER = "shares entity"

# Keys the warehouse uses that no GACC code carries (aggregates across partners).
_AGGREGATE_NAMES = {"WLD": "World"}
# ISO entities that GACC only reports in parts, so no single row's name fits the whole.
_ENTITY_NAMES = {"BQ": "Caribbean Netherlands"}


@dataclass(frozen=True)
class Partner:
    """One GACC partner code and the warehouse key it stands for."""

    gacc_code: str
    name_cn: str
    name_en: str
    partner: str
    iso_alpha2: str | None
    kind: str


def _read_table_text() -> str:
    """Read the shipped CSV through the package so it works from a wheel as well as a checkout."""
    return resources.files("customs_etl.core").joinpath(TABLE_RESOURCE).read_text(encoding="utf-8")


@cache
def _table_rows() -> tuple[dict[str, str], ...]:
    """Parse the table once; a malformed shipped table is a bug, so fail loudly."""
    reader = csv.DictReader(io.StringIO(_read_table_text()))
    if tuple(reader.fieldnames or ()) != TABLE_COLUMNS:
        raise ValueError(
            f"{TABLE_RESOURCE}: header {reader.fieldnames!r} is not {list(TABLE_COLUMNS)!r}"
        )
    return tuple(reader)


@cache
def load_partner_table() -> dict[str, Partner]:
    """Return every GACC partner code, keyed by the code as GACC publishes it (``"502"``)."""
    table: dict[str, Partner] = {}
    for line, row in enumerate(_table_rows(), start=2):
        code = row["gacc_code"].strip()
        if code in table:
            raise ValueError(f"{TABLE_RESOURCE}, line {line}: duplicate gacc_code {code!r}")
        if row["kind"] not in KINDS:
            raise ValueError(f"{TABLE_RESOURCE}, line {line}: unknown kind {row['kind']!r}")
        table[code] = Partner(
            gacc_code=code,
            name_cn=row["name_cn"].strip(),
            name_en=row["name_en"].strip(),
            partner=row["partner"].strip(),
            iso_alpha2=row["iso_alpha2"].strip() or None,
            kind=row["kind"],
        )
    return table


def normalise_gacc_code(code: str) -> str:
    """Put a code as found in exports into GACC's form: no whitespace (``core.text``), no extra
    leading zeros.

    Spreadsheets and CSV exports pad or indent codes (``" 502"``, ``"0502"``); GACC's codes are
    three digits, so zeros beyond the third digit are padding, never part of the code.
    """
    text = clean_code(str(code))
    if text.isdigit() and len(text) > 3:
        text = text.lstrip("0").zfill(3)
    return text


def partner_for_gacc_code(code: str) -> Partner | None:
    """Look up a GACC partner code; ``None`` when GACC's table (as shipped) does not have it."""
    return load_partner_table().get(normalise_gacc_code(code))


@cache
def _names_by_partner() -> dict[str, str]:
    """English name per partner key; for shared entities, the row that is the entity itself."""
    names: dict[str, str] = {}
    shared: dict[str, str] = {}
    for row in _table_rows():
        key = row["partner"].strip()
        target = shared if SHARED_ENTITY_MARKER in row["note"] else names
        target.setdefault(key, row["name_en"].strip())
    for key, name in shared.items():
        names.setdefault(key, name)
    names.update(_ENTITY_NAMES)
    names.update(_AGGREGATE_NAMES)
    return names


@cache
def partner_names() -> dict[str, str]:
    """English name of every partner key the warehouse uses: GACC's table (ISO keys and
    ``GACC-nnn`` buckets), ``WLD``, and UN Comtrade's areas (``CT-490`` "Other Asia, nes").

    The one source of the marts' ``partner_name`` column (``warehouse/views``) and the
    reports' names, so a key is never named two ways."""
    names = dict(_names_by_partner())
    for area in load_area_table().values():
        if area.key.startswith(AREA_PREFIX):
            names.setdefault(area.key, area.name)
    return names


def partner_name(partner_key: str) -> str:
    """English name for a canonical partner key (``"US"`` -> ``"United States"``).

    Falls back to the key itself so reports still show something for a key the table lacks.
    """
    names = _names_by_partner()
    key = partner_key.strip()
    return names.get(key) or names.get(key.upper()) or partner_key
