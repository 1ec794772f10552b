"""The GACC partner table: known facts, internal consistency, and coverage of the shared draft."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from customs_etl.core import partners
from customs_etl.core.partners import (
    SHARED_ENTITY_MARKER,
    TABLE_COLUMNS,
    Partner,
    load_partner_table,
    partner_for_gacc_code,
    partner_name,
)
from tests.support import paths

SHARED_DIR = paths.SHARED
DRAFT_TABLE = SHARED_DIR / "reference" / "gacc_partner_codes.csv"
ISO_CODES_DIR = Path("/usr/share/iso-codes/json")


def _rows() -> list[dict[str, str]]:
    """The shipped table as raw CSV rows (all columns, including ISO alpha-3/numeric and note)."""
    return list(csv.DictReader(io.StringIO(partners._read_table_text())))


@pytest.mark.parametrize(
    ("code", "key", "name"),
    [
        ("502", "US", "United States"),
        ("304", "DE", "Germany"),
        ("110", "HK", "Hong Kong"),
        ("101", "AF", "Afghanistan"),
        ("143", "TW", "Taiwan"),
        ("142", "CN", "China"),
        ("133", "KR", "South Korea"),
        ("141", "VN", "Vietnam"),
        ("111", "IN", "India"),
        ("116", "JP", "Japan"),
        ("429", "MX", "Mexico"),
        ("309", "NL", "Netherlands"),
        ("344", "RU", "Russia"),
    ],
)
def test_known_partner_codes(code: str, key: str, name: str) -> None:
    partner = partner_for_gacc_code(code)
    assert partner is not None
    assert partner.partner == key
    assert partner.iso_alpha2 == key
    assert partner.kind == "country"
    assert partner.name_en == name
    assert partner_name(key) == name


def test_unknown_code_701() -> None:
    partner = partner_for_gacc_code("701")
    assert partner == Partner(
        gacc_code="701",
        name_cn="国(地)别不详",
        name_en="Unknown",
        partner="GACC-701",
        iso_alpha2=None,
        kind="unknown",
    )


def test_other_buckets_are_gacc_keys() -> None:
    for code in ("199", "299", "399", "499", "599", "699"):
        partner = partner_for_gacc_code(code)
        assert partner is not None
        assert partner.partner == f"GACC-{code}"
        assert partner.kind == "other"
        assert partner.iso_alpha2 is None


def test_today_platform_names() -> None:
    names = {code: load_partner_table()[code].name_cn for code in ("110", "121", "143")}
    assert names == {"110": "中国香港", "121": "中国澳门", "143": "中国台湾"}


@pytest.mark.parametrize("raw", ["502", " 502", "502 ", "\t502\n", "0502"])
def test_code_normalisation(raw: str) -> None:
    partner = partner_for_gacc_code(raw)
    assert partner is not None and partner.partner == "US"


@pytest.mark.parametrize("raw", ["", "  ", "998", "abc", "5020", "50"])
def test_unknown_codes_return_none(raw: str) -> None:
    assert partner_for_gacc_code(raw) is None


def test_partner_name_fallbacks() -> None:
    assert partner_name("WLD") == "World"
    assert partner_name("GACC-701") == "Unknown"
    assert partner_name("ES") == "Spain"  # not "Canary Islands", which shares ES
    assert partner_name("PF") == "French Polynesia"
    assert partner_name("BQ") == "Caribbean Netherlands"
    assert partner_name("ZZ-NOT-A-KEY") == "ZZ-NOT-A-KEY"


def test_table_is_cached() -> None:
    assert load_partner_table() is load_partner_table()


def test_header_and_sort_order() -> None:
    text = partners._read_table_text()
    assert text.splitlines()[0] == ",".join(TABLE_COLUMNS)
    codes = [row["gacc_code"] for row in _rows()]
    assert codes == sorted(codes)
    assert all(re.fullmatch(r"\d{3}", code) for code in codes)
    assert len(codes) == len(set(codes)) == len(load_partner_table())


def test_every_row_has_name_and_partner() -> None:
    for row in _rows():
        assert row["name_cn"].strip(), row
        assert row["name_en"].strip(), row
        assert row["partner"].strip(), row
        assert row["kind"] in partners.KINDS, row


def test_iso_columns_are_well_formed() -> None:
    for row in _rows():
        a2, a3, num = row["iso_alpha2"], row["iso_alpha3"], row["iso_numeric"]
        if row["kind"] == "country":
            assert a2, f"country row without ISO code: {row}"
        if a2:
            assert re.fullmatch(r"[A-Z]{2}", a2), row
            assert re.fullmatch(r"[A-Z]{3}", a3), row
            assert re.fullmatch(r"\d{3}", num), row
            assert row["partner"] == a2, row
        else:
            assert not a3 and not num, row
            assert row["partner"] == f"GACC-{row['gacc_code']}", row


def test_partner_unique_unless_noted_as_shared() -> None:
    by_partner: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows():
        by_partner[row["partner"]].append(row)
    for key, rows in by_partner.items():
        if len(rows) == 1:
            continue
        unmarked = [r for r in rows if SHARED_ENTITY_MARKER not in r["note"]]
        # At most one row (the entity itself) may go without the note.
        assert len(unmarked) <= 1, f"{key} used by {[r['gacc_code'] for r in rows]}"


def test_no_two_entities_claim_one_iso_code() -> None:
    """Alpha-2, alpha-3 and numeric must agree one-to-one across the whole table."""
    by_a2: dict[str, set[tuple[str, str]]] = defaultdict(set)
    a2_by_a3: dict[str, set[str]] = defaultdict(set)
    a2_by_num: dict[str, set[str]] = defaultdict(set)
    for row in _rows():
        a2 = row["iso_alpha2"]
        if not a2:
            continue
        by_a2[a2].add((row["iso_alpha3"], row["iso_numeric"]))
        a2_by_a3[row["iso_alpha3"]].add(a2)
        a2_by_num[row["iso_numeric"]].add(a2)
    assert {a2: v for a2, v in by_a2.items() if len(v) > 1} == {}
    assert {a3: v for a3, v in a2_by_a3.items() if len(v) > 1} == {}
    assert {num: v for num, v in a2_by_num.items() if len(v) > 1} == {}


def test_historical_rows_are_dissolved_entities() -> None:
    historical = {r["gacc_code"]: r["iso_alpha3"] for r in _rows() if r["kind"] == "historical"}
    assert historical == {"349": "SCG", "449": "ANT"}
    # Their successors are mapped as live countries.
    successors = {"358": "RS", "359": "ME", "417": "CW", "438": "SX", "409": "BQ", "436": "BQ"}
    for code, key in successors.items():
        partner = partner_for_gacc_code(code)
        assert partner is not None and partner.partner == key and partner.kind == "country"


def test_iso_codes_match_the_iso_standard() -> None:
    """Cross-check against Debian's iso-codes data when the machine has it."""
    current_file = ISO_CODES_DIR / "iso_3166-1.json"
    withdrawn_file = ISO_CODES_DIR / "iso_3166-3.json"
    if not (current_file.exists() and withdrawn_file.exists()):
        pytest.skip("iso-codes data not installed")
    current = {
        c["alpha_2"]: (c["alpha_3"], c["numeric"])
        for c in json.loads(current_file.read_text(encoding="utf-8"))["3166-1"]
    }
    withdrawn = {
        (c["alpha_2"], c.get("alpha_3"), c.get("numeric"))
        for c in json.loads(withdrawn_file.read_text(encoding="utf-8"))["3166-3"]
    }
    for row in _rows():
        a2, a3, num = row["iso_alpha2"], row["iso_alpha3"], row["iso_numeric"]
        if not a2:
            continue
        if row["kind"] == "historical":
            assert (a2, a3, num) in withdrawn, row
        else:
            assert current.get(a2) == (a3, num), row


def test_covers_every_code_in_the_shared_draft() -> None:
    if not DRAFT_TABLE.exists():
        pytest.skip(f"shared draft not present at {DRAFT_TABLE}")
    with DRAFT_TABLE.open(encoding="utf-8", newline="") as handle:
        draft_codes = {row["gacc_code"].strip() for row in csv.DictReader(handle)}
    assert draft_codes, "draft table is empty"
    missing = sorted(draft_codes - set(load_partner_table()))
    assert missing == []
