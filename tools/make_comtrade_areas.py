"""Build ``core/reference/comtrade_areas.csv``: UN Comtrade reporter/partner codes → partner keys.

Comtrade codes are M49-based: ISO 3166-1 numeric for most countries, with Comtrade's own codes
where an entity's coverage differs (France 251 incl. Monaco, Norway 579 incl. Svalbard and Jan
Mayen, India 699, Switzerland 757 incl. Liechtenstein, USA 842 incl. Puerto Rico and the US
Virgin Islands), plus World (0) and areas that are no country ("nes" = not elsewhere specified).
The countries come from the project's reviewed GACC partner table (its ISO numeric and alpha-2
columns), so both sources land on the same partner keys (``US``, ``DE``…). Areas keep their own
code as ``CT-<code>`` (``CT-490`` Other Asia, nes; ``CT-899`` Areas, nes): they are never a
country and never World. Run ``python tools/make_comtrade_areas.py`` after editing the lists.
"""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GACC = ROOT / "core" / "reference" / "gacc_partner_codes.csv"
OUT = ROOT / "core" / "reference" / "comtrade_areas.csv"

# Comtrade's own codes for entities whose coverage differs from the ISO country (comtrade.md).
COMTRADE_CODES = {
    "FR": ("251", "France (incl. Monaco)"),
    "NO": ("579", "Norway (incl. Svalbard and Jan Mayen)"),
    "IN": ("699", "India"),
    "CH": ("757", "Switzerland (incl. Liechtenstein)"),
    "US": ("842", "USA (incl. Puerto Rico and US Virgin Islands)"),
}
# Areas and groups: kept under their own code, never mapped to a country, never added to World.
AREAS = {
    "97": ("EU", "European Union", "group"),
    "490": ("S19", "Other Asia, nes", "area"),
    "527": ("", "Caribbean, nes", "area"),
    "568": ("", "Other Europe, nes", "area"),
    "577": ("", "Other Africa, nes", "area"),
    "636": ("", "Rest of America, nes", "area"),
    "637": ("", "North America and Central America, nes", "area"),
    "837": ("", "Bunkers", "area"),
    "838": ("", "Free Zones", "area"),
    "839": ("", "Special Categories", "area"),
    "849": ("", "US Misc. Pacific Islands", "area"),
    "879": ("", "Western Asia, nes", "area"),
    "899": ("_X", "Areas, nes", "area"),
}
HEADER = ("code", "key", "iso_alpha3", "name", "kind", "note")


def rows() -> list[tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {"0": ("0", "WLD", "W00", "World", "world", "")}
    with GACC.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            numeric, alpha2 = row["iso_numeric"].strip(), row["iso_alpha2"].strip()
            if not numeric or not alpha2 or "shares entity" in row["note"]:
                continue
            code = str(int(numeric))
            out.setdefault(code, (code, alpha2, row["iso_alpha3"], row["name_en"], "country", ""))
            if alpha2 in COMTRADE_CODES:
                own, name = COMTRADE_CODES[alpha2]
                out[own] = (
                    own, alpha2, row["iso_alpha3"], name, "country",
                    f"Comtrade's own code; ISO numeric {code}",
                )
    for code, (iso3, name, kind) in AREAS.items():
        out[code] = (code, f"CT-{code}", iso3, name, kind, "not a country: kept under its code")
    return sorted(out.values(), key=lambda r: int(r[0]))


def main() -> None:
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows())
    print(OUT)


if __name__ == "__main__":
    main()
