"""GACC's own page errors: each resolved by a stated rule with evidence from the page or its
sibling (the other currency's page of the month), or the document refused in one line.

Every variant is its base page with one named change (``preliminary_pages.VARIANTS``).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from customs_etl.core.catalogue import (
    COMMODITIES,
    PRELIMINARY_SERIES,
    preliminary_key,
    preliminary_series,
)
from customs_etl.core.errors import ParseError
from customs_etl.core.models import RawDocument
from customs_etl.core.units import unit_for
from customs_etl.publishers.gacc_preliminary import bundle
from customs_etl.publishers.gacc_preliminary.reconcile import pct_consistent
from customs_etl.publishers.registry import publisher
from tests.support.preliminary_pages import page, variant

DOC = "preliminary-exports-2025-05.bundle"


CNY, USD = page("exports-2025-05-cny.html"), page("exports-2025-05-usd.html")


def parse(pages: dict[str, bytes], month: int = 5) -> pd.DataFrame:
    doc = RawDocument(name=DOC, source="gacc_preliminary", content=bundle.pack(pages),
                      flow="export", period_start=date(2025, month, 1),
                      period_end=date(2025, month, 1))  # fmt: skip
    return publisher("gacc_preliminary").parse(doc)


def _row(obs: pd.DataFrame, label: str, basis: str = "month", year: int = 2025) -> dict:
    found = obs[(obs["commodity_label"] == label) & (obs["basis"] == basis)
                & (obs["period_end"].map(lambda d: d.year) == year)]  # fmt: skip
    assert len(found) == 1, (label, basis, year)
    return found.iloc[0].to_dict()


def _flags(obs: pd.DataFrame) -> set[str]:
    return {f for flags in obs["flags"] for f in flags.split(";") if f}


def refusal(pages: dict[str, bytes], month: int = 5) -> str:
    with pytest.raises(ParseError) as caught:
        parse(pages, month)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- both currencies


def test_one_document_carries_both_currencies_and_the_same_quantities() -> None:
    both, alone = parse({"CNY": CNY, "USD": USD}), parse({"CNY": CNY})
    rare = _row(both, "Rare earth")
    assert (rare["value"], rare["currency"]) == (Decimal("1.3"), "CNY")  # the CNY page's
    assert (rare["value_cny"], rare["value_usd"]) == (Decimal(130_000_000), Decimal(18_100_000))
    assert rare["quantity_kg"] == Decimal(5_864_600)
    assert both[["commodity_code", "basis", "period_start", "period_end"]].equals(
        alone[["commodity_code", "basis", "period_start", "period_end"]])  # fmt: skip
    assert both["quantity_kg"].equals(alone["quantity_kg"]) and alone["value_usd"].isna().all()
    only_usd = _row(parse({"USD": USD}), "Rare earth")
    assert (only_usd["value"], only_usd["currency"], only_usd["value_cny"]) == (
        Decimal("18.1"), "USD", None)  # fmt: skip


def test_the_bundle_is_deterministic_and_checked() -> None:
    packed = bundle.pack({"USD": USD, "CNY": CNY})
    assert packed == bundle.pack({"CNY": CNY, "USD": USD})  # same pages, same bytes
    assert bundle.unpack(packed, DOC) == {"CNY": CNY, "USD": USD}
    assert bundle.pack({"CNY": CNY, "USD": USD[:-1] + b" "}) != packed
    for broken, message in ((packed[:-1], "cut off or altered"),
                            (packed.replace(b"CNY ", b"EUR ", 1), "unreadable bundle part"),
                            (b"<html>", "not a preliminary-release bundle"),
                            (packed + b"x", "trailing bytes")):  # fmt: skip
        with pytest.raises(ParseError, match=message):
            bundle.unpack(broken, DOC)


# --------------------------------------------------------------------------- page errors


def test_a_missing_unit_column_takes_the_siblings_units() -> None:
    obs = parse({"CNY": CNY, "USD": variant("usd-no-unit-cells")})
    assert _row(obs, "Rare earth")["quantity_unit"] == "Ton"
    assert _row(obs, "Rare earth")["value_usd"] == Decimal(18_100_000)
    same = parse({"CNY": CNY, "USD": USD})
    assert obs.drop(columns="release_id").equals(same.drop(columns="release_id"))


def test_a_missing_unit_column_without_a_sibling_is_refused() -> None:
    assert refusal({"USD": variant("usd-no-unit-cells")}) == (
        f"{DOC} [USD page], row 2, field 'quantity_unit': 'Aquatic products': no quantity-unit "
        "cell under the 'Quantity Unit' header and no sibling page that prints one"
    )


def test_units_that_contradict_the_figures_are_read_in_the_chinese_tables_unit() -> None:
    """GACC's real May page: aluminium `Ton` over 10,000 t, footwear `10,000 Pairs` over
    hundreds of millions; and our variant: rare earths `10,000 Tons` over tonnes."""
    obs = parse({"CNY": variant("cny-rare-earth-in-10k-tons"), "USD": USD})
    rare = _row(obs, "Rare earth")
    assert (rare["quantity_unit"], rare["quantity_kg"]) == ("Ton", Decimal(5_864_600))
    assert "unit_corrected=10,000 Tons->Ton" in rare["flags"]
    aluminium = _row(obs, "Unwrought aluminium and aluminium products", "ytd")
    assert (aluminium["quantity_unit"], aluminium["quantity_kg"]) == (
        "10,000 Tons", Decimal(2_430_000_000))  # fmt: skip
    footwear = _row(obs, "Footwear")
    assert (footwear["quantity"], footwear["quantity_unit"], footwear["quantity_kg"]) == (
        Decimal("8.0"), "100 Million Pairs", None)  # fmt: skip
    assert "unit_corrected=10,000 Pairs->100 Million Pairs" in footwear["flags"]


def test_a_unit_no_reading_fits_is_refused() -> None:
    message = refusal({"CNY": variant("cny-medicinal-figures-in-10k-tons"),
                       "USD": variant("usd-medicinal-figures-in-10k-tons")})  # fmt: skip
    assert message == (
        f"{DOC} [CNY page], row 6, field 'quantity_unit': 'Medicinal materials and medicaments "
        "of Chinese type': the unit 'Ton' contradicts the figures: they give 596,491 CNY per kg "
        "(plausible 5-2,000)"
    )


def test_a_header_year_is_corrected_by_the_sibling_or_the_date_line() -> None:
    with_sibling = parse({"CNY": variant("cny-header-last-year-2023-dated-late"),
                          "USD": USD})  # fmt: skip
    assert "header_corrected" in _flags(with_sibling)
    last_year = _row(with_sibling, "Rare earth", "ytd", 2024)  # the title's year - 1, not 2023
    assert last_year["period_start"] == date(2024, 1, 1)
    assert last_year["quantity_kg"] == Decimal(24_266_500)
    dated = parse({"CNY": variant("cny-header-last-year-2023")})  # dated 2025/06/10
    assert "header_corrected" in _flags(dated)
    assert refusal({"CNY": variant("cny-header-last-year-2023-dated-late"),
                    "USD": variant("usd-header-last-year-2023-dated-late")}) == (
        f"{DOC} [CNY page]: the last-year column says 2023 but the title says 2025-05; neither "
        "the sibling page nor the date line confirms either"
    )  # fmt: skip


def test_a_june_page_whose_header_says_may() -> None:
    june = parse({"CNY": variant("cny-june-header-says-may")}, month=6)
    assert "header_corrected" in _flags(june)
    assert set(june[june["basis"] == "month"]["period_start"]) == {date(2025, 6, 1)}
    assert refusal({"CNY": variant("cny-june-header-says-may")}, month=5) == (
        f"{DOC} [CNY page]: the page is for 2025-06 but 2025-05 was requested"
    )


def test_a_unit_line_that_contradicts_the_title_is_overruled_only_with_the_sibling() -> None:
    obs = parse({"CNY": variant("cny-unit-line-says-usd"), "USD": USD})
    rare = _row(obs, "Rare earth")
    assert (rare["currency"], rare["value_cny"], rare["value_usd"]) == (
        "CNY", Decimal(130_000_000), Decimal(18_100_000))  # fmt: skip
    assert "currency_corrected" in _flags(obs)
    assert refusal({"CNY": variant("cny-unit-line-says-usd")}) == (
        f"{DOC}: the unit line 'Unit: USD1 Million' says USD, the index row (in CNY), the title, "
        "the attachment '9-en-人民币-2025-5-CNY45.xls' say CNY: read as CNY x 100,000,000; no "
        "sibling page to confirm the scale"
    )


def test_two_witnesses_against_two_are_refused() -> None:
    assert refusal({"CNY": variant("cny-title-and-unit-say-usd"), "USD": USD}) == (
        f"{DOC} [CNY page]: currency contradiction: the index row (in CNY) says CNY; the title "
        "says USD; the unit line 'Unit: USD1 Million' says USD; the attachment "
        "'9-en-人民币-2025-5-CNY45.xls' says CNY: cannot tell"
    )


def test_the_siblings_values_check_each_pages_scale() -> None:
    assert refusal({"CNY": CNY, "USD": variant("usd-scale-100-million")}) == (
        f"{DOC}: the CNY page's values ('Unit: CNY 100 Million') are 0.0719 times the USD "
        "page's ('Unit: USD 100 Million'); a CNY/USD rate is 5.5-8.5: one page's currency or "
        "scale is wrong"
    )
    assert refusal({"CNY": CNY, "USD": CNY}).startswith(f"{DOC}: both pages read as CNY")


def test_a_published_yoy_the_columns_cannot_give_is_refused() -> None:
    assert refusal({"CNY": variant("cny-rare-earth-yoy-3.2"), "USD": USD}) == (
        f"{DOC} [CNY page], row 5, field 'pct_quantity': 'Rare earth': the published y/y 3.2 % "
        "contradicts the year-to-date quantity columns 24,827.0 and 24,266.5 (2.31 %)"
    )


def test_quantities_that_differ_between_the_pages_are_refused() -> None:
    assert refusal({"CNY": CNY, "USD": variant("usd-rare-earth-quantity-differs")}) == (
        f"{DOC}, row 5, field 'month_quantity': 'Rare earth': month_quantity 5,864.6 on the CNY "
        "page but 5,846.6 on the USD page: the two currencies' pages must print the same "
        "quantities"
    )


def test_pages_that_list_different_rows_are_refused_before_their_rates_are_compared() -> None:
    """The CNY/USD rate check sums the two pages row by row: a sibling page with a row fewer
    reached it and escaped as a ValueError from ``zip`` (found by the fuzz test in CI)."""
    text = USD.decode("utf-8")
    (ships,) = re.findall(r"<tr>(?:(?!</tr>).)*?Ships(?:(?!</tr>).)*?</tr>", text, flags=re.S)
    message = refusal({"CNY": CNY, "USD": text.replace(ships, "", 1).encode("utf-8")})
    counted = re.search(r"the CNY page has (\d+) rows, the USD page (\d+)$", message)
    assert counted is not None, message
    assert int(counted[2]) == int(counted[1]) - 1


def test_a_month_above_its_year_to_date_is_refused() -> None:
    assert refusal({"CNY": variant("cny-month-above-ytd"), "USD": USD}).endswith(
        "'Rare earth': the month's quantity 25,864.6 exceeds the year to date's 24,827.0"
    )


def test_a_dateless_title_takes_the_headers_period_which_must_be_the_one_asked_for() -> None:
    """Older pages have dateless titles: the header (``5`` / ``1-5 Total, 2024``) is then the
    page's only word on its period, and the index's cell must agree with it."""
    dateless = CNY.replace(b"Value, May 2025 (in CNY)", b"Value (in CNY)")
    assert dateless.count(b"Value (in CNY)") == 4
    obs = parse({"CNY": dateless})
    assert _row(obs, "Rare earth")["period_start"] == date(2025, 5, 1)
    assert "header_corrected" not in _flags(obs)
    assert refusal({"CNY": dateless}, month=4) == (
        f"{DOC} [CNY page]: the page is for 2025-05 but 2025-04 was requested"
    )


def test_a_page_for_another_month_is_refused() -> None:
    assert refusal({"CNY": CNY, "USD": USD}, month=4) == (
        f"{DOC} [CNY page]: the page is for 2025-05 but 2025-04 was requested"
    )


@pytest.mark.parametrize(
    ("ytd", "last", "pct", "consistent"),
    [
        ("24827.0", "24266.5", "2.3", True),
        ("12.1", "15.1", "-19.9", True),  # -19.87 %
        ("12.1", "15.1", "-20.5", True),  # 12.05 / 15.15 - 1 = -20.46 %: the rounding allows it
        ("12.1", "15.1", "-20.6", False),
        ("114.3", "82.2", "38.9", True),  # 39.05 % from the rounded columns, 38.9 printed
        ("56891.2", "56869.9", "0.0", True),
        ("1.0", "0.0", "5.0", None),
    ],
)
def test_pct_consistency_at_the_printed_rounding(
    ytd: str, last: str, pct: str, consistent: bool | None
) -> None:
    assert pct_consistent(Decimal(ytd), Decimal(last), Decimal(pct)) is consistent


# --------------------------------------------------------------------------- the key table


def test_rare_earth_labels_of_every_year_are_one_key_the_bulletins() -> None:
    labels = ["Rare Earth", "Rare earth", "Rare-earth ore, metals, compounds", "稀土",
              "  rare EARTH\xa0"]  # fmt: skip
    assert {preliminary_key(label) for label in labels} == {COMMODITIES["rare-earths"].code}


def test_the_key_table_is_one_key_per_series_and_knows_its_units() -> None:
    keys = [s.key for s in PRELIMINARY_SERIES]
    assert len(keys) == len(set(keys)) == 31
    labels = [label for s in PRELIMINARY_SERIES for label in (*s.labels, s.chinese)]
    assert len({preliminary_key(label) for label in labels}) == 31
    for series in PRELIMINARY_SERIES:
        assert (series.unit is None) == (series.band is None), series.key
        if series.unit is not None:
            assert unit_for(series.unit) is not None and series.band[0] < series.band[1]
            # the bands never span the 10,000-fold between a unit and its misprint
            assert series.band[1] / series.band[0] < 10_000
    assert preliminary_series("Hi-tech products*").aggregate
    # A label the table does not know keys like a bulletin row (and may be added later).
    assert preliminary_key("Tungsten ores") == "bulletin:tungsten-ores"
    assert preliminary_key("Others", "Steel products") == "bulletin:steel-products/others"
