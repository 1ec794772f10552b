"""UN Comtrade reporter and partner codes translated to the warehouse's partner keys.

Comtrade labels countries with M49-based numeric codes — ISO 3166-1 numeric for most, its own
where coverage differs (India 699, France 251, USA 842, Norway 579, Switzerland 757) — plus World
(``0``) and areas that are no country (``490`` Other Asia, nes; ``899`` Areas, nes). The shipped
table (``reference/comtrade_areas.csv``, built by ``tools/make_comtrade_areas.py`` from the
reviewed GACC partner table) maps each to the key every source shares: ISO alpha-2 (``US``),
``WLD`` for World, ``CT-<code>`` for an area, which is kept under its own code and never added
to a country or to World. A code the table lacks is kept the same way (``CT-<code>``), so a
figure is never lost and never misfiled. Pure: no I/O beyond the packaged table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

TABLE_RESOURCE = "reference/comtrade_areas.csv"
TABLE_COLUMNS = ("code", "key", "iso_alpha3", "name", "kind", "note")
KINDS = frozenset({"world", "country", "area", "group"})
WORLD_CODE = "0"
CHINA_CODE = "156"
AREA_PREFIX = "CT-"


@dataclass(frozen=True)
class Area:
    """One Comtrade code and the warehouse key it stands for."""

    code: str
    key: str
    name: str
    kind: str

    @property
    def is_country(self) -> bool:
        return self.kind == "country"


@cache
def load_area_table() -> dict[str, Area]:
    """Every known Comtrade code (``"842"``) → its Area; a malformed shipped table fails loudly."""
    text = resources.files("customs_etl.core").joinpath(TABLE_RESOURCE).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != TABLE_COLUMNS:
        raise ValueError(f"{TABLE_RESOURCE}: header {reader.fieldnames!r} is not {TABLE_COLUMNS}")
    table: dict[str, Area] = {}
    for line, row in enumerate(reader, start=2):
        code = row["code"].strip()
        if code in table or row["kind"] not in KINDS:
            raise ValueError(f"{TABLE_RESOURCE}, line {line}: duplicate code or bad kind")
        table[code] = Area(code, row["key"].strip(), row["name"].strip(), row["kind"])
    return table


def normalise_code(code: object) -> str:
    """``842``, ``"0842"``, ``842.0`` → ``"842"``; anything else as text, stripped."""
    text = str(code).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return str(int(text)) if text.isdigit() else text


def area_for_code(code: object) -> Area:
    """The Area of a Comtrade code; an unknown code is kept as ``CT-<code>`` (kind ``area``)."""
    text = normalise_code(code)
    found = load_area_table().get(text)
    return found or Area(text, f"{AREA_PREFIX}{text}", f"Comtrade area {text}", "area")


def is_known_code(code: object) -> bool:
    return normalise_code(code) in load_area_table()


@cache
def codes_for_key(key: str) -> tuple[str, ...]:
    """Comtrade codes that map to a partner key (``US`` → 840, 842), Comtrade's own first."""
    found = [a.code for a in load_area_table().values() if a.key == key]
    return tuple(sorted(found, key=lambda c: (c not in _OWN_CODES, int(c))))


_OWN_CODES = frozenset({"251", "579", "699", "757", "842"})


def area_name(key: str) -> str | None:
    """Comtrade's name for an area key (``CT-899`` → ``Areas, nes``); None for other keys."""
    if not key.startswith(AREA_PREFIX):
        return None
    found = load_area_table().get(key.removeprefix(AREA_PREFIX))
    return found.name if found else None


def country_codes() -> tuple[str, ...]:
    """Every country and area code, World excluded: the partner universe a query that asks for
    all partners can be split into."""
    return tuple(c for c, a in load_area_table().items() if a.kind != "world" and a.kind != "group")
