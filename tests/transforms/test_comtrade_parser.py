"""UN Comtrade pages → canonical observations: totals only, World kept, areas kept, M49 → ISO,
exact decimals, estimate flags; bad pages refused in one line naming the page and field."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customs_etl.core.comtrade_areas import area_for_code, codes_for_key, load_area_table
from customs_etl.core.errors import ParseError
from customs_etl.transforms.comtrade import (
    ROW_FIELDS,
    Page,
    availability_rows,
    bundle_pages,
    comtrade_observations,
    partner_codes,
    split_bundle,
)
from tests.support.comtrade_records import FIXTURES, envelope, record

URL = "http://127.0.0.1:9/public/v1/preview/C/M/HS?period=202503"
CHINA_MARCH = (FIXTURES / "china-exports-202503.json").read_bytes()
PARTNERS_MARCH = (FIXTURES / "partners-imports-202503.json").read_bytes()


def _observations(*bodies: bytes, name: str = "doc.json"):
    pages = [Page(f"{URL}&page={i}", body) for i, body in enumerate(bodies, start=1)]
    return comtrade_observations(bundle_pages(pages), name, "rid")


def _totals(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["motCode"] == 0 and r["partner2Code"] == 0
            and r["customsCode"] == "C00"]  # fmt: skip


def test_only_totals_rows_world_kept_areas_kept_codes_mapped() -> None:
    rows = json.loads(CHINA_MARCH)["data"]
    obs = _observations(CHINA_MARCH)
    assert len(rows) > len(_totals(rows)) == len(obs)  # the 'plus' rows are dropped
    magnets = obs[obs["commodity_code"] == "850511"].set_index("partner")
    assert set(magnets.index) == {"WLD", "US", "DE", "JP", "HK", "IN", "KR", "CT-490", "CT-899"}
    world = magnets.loc["WLD"]
    partners = magnets.drop(index="WLD")
    # World is its own figure, equal to the partners' sum here, never added to them
    assert world["quantity_kg"] == sum(partners["quantity_kg"]) == Decimal("3405000.25")
    assert magnets.loc["US", "source_partner_code"] == "842"
    assert magnets.loc["IN", "source_partner_code"] == "699"
    assert magnets.loc["CT-490", "partner_label"] == "Other Asia, nes"
    assert set(obs["reporter"]) == {"CN"} and set(obs["flow"]) == {"export"}
    assert set(obs["grain"]) == {"partner"} and set(obs["basis"]) == {"month"}
    assert set(obs["currency"]) == {"USD"} and set(obs["quantity_unit"]) == {"kg"}


def test_plus_breakdown_rows_are_never_summed() -> None:
    """The same page with and without its breakdown rows gives the same observations."""
    data = json.loads(CHINA_MARCH)
    classic = json.dumps(envelope(_totals(data["data"]))).encode()
    keep = ["commodity_code", "partner", "quantity_kg", "value_usd"]
    with_plus = _observations(CHINA_MARCH)[keep].sort_values(keep[:2]).reset_index(drop=True)
    without = _observations(classic)[keep].sort_values(keep[:2]).reset_index(drop=True)
    assert with_plus.equals(without)


def test_quantities_and_values_are_exact_decimals_never_floats() -> None:
    obs = _observations(CHINA_MARCH)
    de = obs[(obs["partner"] == "DE") & (obs["commodity_code"] == "850511")].iloc[0]
    jp = obs[(obs["partner"] == "JP") & (obs["commodity_code"] == "850511")].iloc[0]
    assert de["value_usd"] == Decimal("60000000.5") and isinstance(de["value_usd"], Decimal)
    assert jp["quantity_kg"] == Decimal("300000.25") and isinstance(jp["quantity_kg"], Decimal)
    # a number float would round: 0.1 + 0.2 style digits survive exactly
    row = record("202503", 156, "X", 842, "850511", 1234.123456789012, 98765.000000000001)
    obs = _observations(json.dumps(envelope([row])).encode())
    assert obs.iloc[0]["quantity_kg"] == Decimal("1234.123456789012")


def test_estimate_flags_and_missing_weights_are_kept() -> None:
    obs = _observations(CHINA_MARCH, PARTNERS_MARCH)
    flags = {
        (r.reporter, r.partner, r.commodity_code): r.flags for r in obs.itertuples()
    }
    assert flags[("CN", "IN", "850511")] == "netwgt_estimated;qty_estimated"
    assert flags[("JP", "CN", "850511")] == "netwgt_estimated;qty_estimated"
    assert flags[("CN", "DE", "811292")] == "netwgt_zero_as_missing"  # 0 kg with a value
    assert flags[("IN", "CN", "850511")] == "netwgt_missing"
    missing = obs[(obs["reporter"] == "IN")].iloc[0]
    assert missing["quantity_kg"] is None and missing["value_usd"] == Decimal("9500000.0")


def test_mirror_rows_have_the_partner_as_reporter() -> None:
    obs = _observations(PARTNERS_MARCH)
    assert set(obs["partner"]) == {"CN"} and set(obs["flow"]) == {"import"}
    assert set(obs["reporter"]) == {"US", "DE", "JP", "IN", "HK", "CT-490"}


@pytest.mark.parametrize(
    ("code", "key"),
    [("0", "WLD"), ("156", "CN"), ("699", "IN"), ("251", "FR"), ("842", "US"), ("579", "NO"),
     ("757", "CH"), ("276", "DE"), ("344", "HK"), ("490", "CT-490"), ("899", "CT-899"),
     ("0842", "US"), ("99999", "CT-99999")],
)  # fmt: skip
def test_m49_codes_map_with_comtrades_conventions(code: str, key: str) -> None:
    assert area_for_code(code).key == key


def test_area_table_is_well_formed() -> None:
    table = load_area_table()
    assert codes_for_key("US")[0] == "842" and "840" in codes_for_key("US")
    assert not any(a.is_country for c, a in table.items() if a.key.startswith("CT-"))
    assert [a.kind for a in table.values()].count("world") == 1


def test_partner_codes_read_whom_a_reporter_traded_with() -> None:
    pages = [Page(URL, CHINA_MARCH)]
    assert set(partner_codes(pages)) == {"842", "276", "392", "344", "699", "410", "490", "899"}
    assert partner_codes([Page(URL, b"<html>busy</html>")]) is None


# ------------------------------------------------------------------ bad pages: one line


def _without(field: str) -> bytes:
    data = json.loads(CHINA_MARCH)
    data["data"][3] = {("netWeight" if k == field else k): v for k, v in data["data"][3].items()}
    return json.dumps(data).encode()


BAD_PAGES = [
    (b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head></html>",
     "an HTML page ('503 Service Unavailable'), not the API's JSON", None),
    (CHINA_MARCH[: len(CHINA_MARCH) // 2], "truncated JSON", None),
    (_without("netWgt"), "data row has no field 'netWgt'", "netWgt"),
    (json.dumps({"elapsedTime": "0.1 secs", "count": 3, "data": [], "error": ""}).encode(),
     "'count' says 3 but 'data' holds 0 rows", "count"),
    (json.dumps({"count": 0, "data": [], "error": "Invalid period"}).encode(),
     "the API answered with an error: Invalid period", "error"),
    (json.dumps({"statusCode": 200, "rows": []}).encode(), "no field 'count'", "count"),
    (json.dumps(envelope([record("2025", 156, "X", 842, "850511", 1, 2)])).encode(),
     "is not a month YYYYMM", "period"),
    (json.dumps(envelope([record("202503", 156, "X", 842, "850511", "12 kg", 2)])).encode(),
     "netWgt '12 kg' is not a number", "netWgt"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "words", "field"), BAD_PAGES)
def test_bad_pages_are_refused_in_one_line_naming_page_and_field(
    body: bytes, words: str, field: str | None
) -> None:
    with pytest.raises(ParseError) as caught:
        _observations(CHINA_MARCH, body, name="comtrade-CN-exports-2025-03.json")
    message = str(caught.value)
    assert "\n" not in message and words in message, message
    assert message.startswith(f"comtrade-CN-exports-2025-03.json page 2 ({URL}&page=2)")
    assert caught.value.field == field


def test_bundles_keep_every_page_exactly_and_notice_tampering() -> None:
    pages = [Page(URL, CHINA_MARCH), Page(URL + "&x", b"<html>\x1e\n</html>", truncated=True)]
    content = bundle_pages(pages)
    assert split_bundle(content, "d") == pages
    tampered = content.replace(b"Germany", b"Germanx", 1)
    with pytest.raises(ParseError, match="do not match sha256"):
        split_bundle(tampered, "d")
    with pytest.raises(ParseError, match="cut off in the bundle"):
        split_bundle(content[:-10], "d")
    # a truncated (capped) page is kept as evidence and never read for figures
    assert len(comtrade_observations(content, "d", "rid")) == len(_observations(CHINA_MARCH))


def test_availability_rows_need_their_checksum() -> None:
    rows = availability_rows((FIXTURES / "availability.json").read_bytes(), "getDa")
    assert ("156", "202503") in {(r.reporter_code, r.period) for r in rows}
    data = json.loads((FIXTURES / "availability.json").read_text())
    del data["data"][0]["datasetChecksum"]
    with pytest.raises(ParseError, match="no field 'datasetChecksum'"):
        availability_rows(json.dumps(data).encode(), "getDa")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(CHINA_MARCH) - 1), st.binary(max_size=8))
def test_any_damaged_page_is_read_or_refused_with_a_parse_error(at: int, junk: bytes) -> None:
    body = CHINA_MARCH[:at] + junk + CHINA_MARCH[at + len(junk):]
    with contextlib.suppress(ParseError):
        _observations(body)


# ------------------------------------------------------------------ the real samples


def test_real_recorded_records_carry_every_field_the_parser_reads(shared_samples: Path) -> None:
    for name in ("preview-usa-jpn-2023-annual.json", "get-C-A-HS-china-2010.json"):
        rows = json.loads((shared_samples / "comtrade" / name).read_text())["data"]
        assert rows and all(set(ROW_FIELDS) <= set(row) for row in rows), name
        assert list(rows[0]) == list(record("202503", 156, "X", 842, "850511", 1, 2)), name
    empty = (shared_samples / "comtrade" / "empty-result.json").read_bytes()
    assert len(_observations(empty)) == 0
    with pytest.raises(ParseError, match="not a month"):  # annual data is not this source's
        _observations((shared_samples / "comtrade" / "preview-usa-jpn-2023-annual.json")
                      .read_bytes())  # fmt: skip
