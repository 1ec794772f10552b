"""Recorded-shape UN Comtrade records for the tests, and the script that writes the fixtures.

The records have the API's 47 fields in its order, as the recorded responses published by the
UN's client and rOpenSci's comtradr show them (``../shared/samples/comtrade``): lower-case
``cifvalue``/``fobvalue``, ``netWgt`` in kilograms, ``qty`` with ``qtyUnitCode`` 8 (kg),
``isNetWgtEstimated``, ``partner2Code`` 0 / ``motCode`` 0 / ``customsCode`` C00 on totals rows.
The figures are the project's own (hand-written), not real trade.

``python -m tests.support.comtrade_records`` rewrites ``tests/fixtures/comtrade/*.json``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "comtrade"

# code → (ISO3, description) as Comtrade writes them
AREAS = {
    0: ("W00", "World"),
    156: ("CHN", "China"),
    276: ("DEU", "Germany"),
    344: ("HKG", "China, Hong Kong SAR"),
    392: ("JPN", "Japan"),
    410: ("KOR", "Rep. of Korea"),
    490: ("S19", "Other Asia, nes"),
    699: ("IND", "India"),
    842: ("USA", "USA"),
    899: ("_X", "Areas, nes"),
}
COMMODITIES = {
    "850511": "Magnets; permanent magnets and articles intended to become permanent magnets "
    "after magnetisation, of metal",
    "811292": "Gallium, germanium, indium, niobium...; unwrought, waste and scrap, powders",
}
MOT = {0: "TOTAL MOT", 2100: "Sea", 1000: "Air"}


def record(
    period: str,
    reporter: int,
    flow: str,
    partner: int,
    cmd: str,
    net_wgt: Any,
    value: Any,
    *,
    estimated: bool = False,
    partner2: int = 0,
    mot: int = 0,
    customs: str = "C00",
) -> dict[str, Any]:
    """One data row, every field the API sends, in its order."""
    year, month = int(period[:4]), int(period[4:] or 52)  # annual data: refMonth 52
    rep_iso, rep_desc = AREAS[reporter]
    par_iso, par_desc = AREAS[partner]
    p2_iso, p2_desc = AREAS[partner2]
    return {
        "typeCode": "C",
        "freqCode": "M",
        "refPeriodId": int(f"{period}01"),
        "refYear": year,
        "refMonth": month,
        "period": period,
        "reporterCode": reporter,
        "reporterISO": rep_iso,
        "reporterDesc": rep_desc,
        "flowCode": flow,
        "flowDesc": "Export" if flow == "X" else "Import",
        "partnerCode": partner,
        "partnerISO": par_iso,
        "partnerDesc": par_desc,
        "partner2Code": partner2,
        "partner2ISO": p2_iso,
        "partner2Desc": p2_desc,
        "classificationCode": "H6",
        "classificationSearchCode": "HS",
        "isOriginalClassification": True,
        "cmdCode": cmd,
        "cmdDesc": COMMODITIES[cmd],
        "aggrLevel": 6,
        "isLeaf": True,
        "customsCode": customs,
        "customsDesc": "TOTAL CPC" if customs == "C00" else "Customs procedure " + customs,
        "mosCode": "0",
        "motCode": mot,
        "motDesc": MOT[mot],
        "qtyUnitCode": 8,
        "qtyUnitAbbr": "kg",
        "qty": net_wgt,
        "isQtyEstimated": estimated,
        "altQtyUnitCode": -1,
        "altQtyUnitAbbr": "N/A",
        "altQty": None,
        "isAltQtyEstimated": False,
        "netWgt": net_wgt,
        "isNetWgtEstimated": estimated,
        "grossWgt": None,
        "isGrossWgtEstimated": False,
        "cifvalue": value if flow == "M" else None,
        "fobvalue": value if flow == "X" else None,
        "primaryValue": value,
        "legacyEstimationFlag": 0,
        "isReported": True,
        "isAggregate": False,
    }


def envelope(rows: list[dict[str, Any]], elapsed: str = "0.21 secs") -> dict[str, Any]:
    return {"elapsedTime": elapsed, "count": len(rows), "data": rows, "error": ""}


def availability(period: str, reporter: int, checksum: int, released: str) -> dict[str, Any]:
    """One data-availability row (``getDa``)."""
    iso, desc = AREAS[reporter]
    return {
        "datasetCode": int(f"{reporter}{period}"),
        "typeCode": "C",
        "freqCode": "M",
        "period": period,
        "reporterCode": reporter,
        "reporterISO": iso,
        "reporterDesc": desc,
        "classificationCode": "H6",
        "isOriginalClassification": True,
        "totalRecords": 12345,
        "datasetChecksum": checksum,
        "firstReleased": released,
        "lastReleased": released,
    }


def _world(rows: list[dict[str, Any]], period: str, cmd: str) -> dict[str, Any]:
    totals = [r for r in rows if r["cmdCode"] == cmd and r["motCode"] == 0
              and r["partner2Code"] == 0 and r["customsCode"] == "C00"]
    kg = sum((Decimal(str(r["netWgt"])) for r in totals if r["netWgt"] is not None), Decimal(0))
    usd = sum((Decimal(str(r["primaryValue"])) for r in totals), Decimal(0))
    return record(period, 156, "X", 0, cmd, float(kg), float(usd))


def china_rows(period: str, scale: float = 1.0) -> list[dict[str, Any]]:
    """China's exports (reporter 156, flow X): partners, World, areas, and 'plus' rows."""
    def r(partner: int, cmd: str, kg: Any, usd: Any, **more: Any) -> dict[str, Any]:
        kg = None if kg is None else round(kg * scale, 3)
        return record(period, 156, "X", partner, cmd, kg, round(usd * scale, 2), **more)

    magnets = [
        r(842, "850511", 700_000.0, 31_500_000.0),
        r(276, "850511", 1_200_000.0, 60_000_000.5),
        r(392, "850511", 300_000.25, 15_000_000.0),
        r(344, "850511", 450_000.0, 18_000_000.0),
        r(699, "850511", 250_000.0, 9_000_000.0, estimated=True),
        r(410, "850511", 400_000.0, 20_000_000.0),
        r(490, "850511", 100_000.0, 5_000_000.0),
        r(899, "850511", 5_000.0, 200_000.0),
    ]
    gallium = [
        r(842, "811292", 10_000.0, 5_000_000.0),
        r(392, "811292", 20_000.0, 9_000_000.0),
        r(276, "811292", 0, 100_000.0),  # a weight the API does not have, written as 0
    ]
    rows = magnets + gallium
    rows += [_world(rows, period, "850511"), _world(rows, period, "811292")]
    # 'plus' breakdown rows (by mode of transport, second partner, customs procedure): never
    # part of the totals; the stand-in returns them when asked for a plus breakdown.
    rows += [
        r(842, "850511", 600_000.0, 27_000_000.0, mot=2100),
        r(842, "850511", 100_000.0, 4_500_000.0, mot=1000),
        r(276, "850511", 200_000.0, 10_000_000.0, partner2=344),
        r(392, "850511", 300_000.25, 15_000_000.0, customs="C01"),
    ]
    return rows


def partner_rows(period: str, scale: float = 1.0) -> list[dict[str, Any]]:
    """Partners' imports from China (flow M, partner 156); Korea has not reported."""
    def r(reporter: int, cmd: str, kg: Any, usd: Any, **more: Any) -> dict[str, Any]:
        kg = None if kg is None else round(kg * scale, 3)
        return record(period, reporter, "M", 156, cmd, kg, round(usd * scale, 2), **more)

    return [
        r(842, "850511", 735_000.0, 35_280_000.0),
        r(842, "811292", 10_500.0, 5_400_000.0),
        r(276, "850511", 1_150_000.0, 63_000_000.0),  # Germany: no 811292 row (none recorded)
        r(392, "850511", 310_000.0, 16_500_000.0, estimated=True),
        r(392, "811292", 21_000.0, 9_900_000.0),
        r(699, "850511", None, 9_500_000.0),  # India published no weight
        r(344, "850511", 480_000.0, 19_000_000.0),
        r(490, "850511", 95_000.0, 5_100_000.0),
        r(842, "850511", 700_000.0, 33_000_000.0, mot=2100),  # plus rows
        r(842, "850511", 35_000.0, 2_280_000.0, mot=1000),
    ]


PERIODS = {"202502": 0.8, "202503": 1.0}
REPORTING = {  # reporters with a dataset per month (Korea never reports here)
    "202502": (156, 842, 276, 392),
    "202503": (156, 842, 276, 392, 699, 344, 490),
}


def write_fixtures() -> list[Path]:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    written = []
    for period, scale in PERIODS.items():
        reporting = REPORTING[period]
        mirror = [row for row in partner_rows(period, scale) if row["reporterCode"] in reporting]
        for name, rows in (
            (f"china-exports-{period}.json", china_rows(period, scale)),
            (f"partners-imports-{period}.json", mirror),
        ):
            path = FIXTURES / name
            path.write_text(json.dumps(envelope(rows), indent=1) + "\n", encoding="utf-8")
            written.append(path)
    rows = [
        availability(period, reporter, 1_000_000 + reporter * 100 + int(period[-2:]),
                     f"2025-{int(period[-2:]) + 1:02d}-20T08:00:00")
        for period, reporters in REPORTING.items()
        for reporter in reporters
    ]
    path = FIXTURES / "availability.json"
    path.write_text(json.dumps(envelope(rows, "0.05 secs"), indent=1) + "\n", encoding="utf-8")
    written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_fixtures():
        print(written_path)
