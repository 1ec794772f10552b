"""GACC English bulletin parser, normaliser and catalogue keys.

Fixture tests run everywhere; conformance tests read the real saved pages in
``../shared/samples/gacc_bulletin`` and skip when that folder is absent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from customs_etl.core.catalogue import COMMODITIES, bulletin_key, resolve_commodity, slugify
from customs_etl.core.errors import CustomsEtlError, ParseError
from customs_etl.core.units import kg_factor
from customs_etl.transforms.bulletin import (
    OBSERVATION_COLUMNS,
    ROW_COLUMNS,
    BulletinTable,
    bulletin_observations,
    parse_bulletin_table,
    parse_month_range,
    parse_unit_line,
)
from tests.support import paths

FIXTURES = paths.FIXTURES / "gacc_bulletin"
SAMPLES = paths.SHARED / "samples" / "gacc_bulletin"
URL = "http://english.customs.gov.cn/Statics/fixture.html"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse_fixture(name: str) -> BulletinTable:
    return parse_bulletin_table(fixture_bytes(name), URL)


def row(table: BulletinTable, label: str) -> dict:
    matches = table.rows[table.rows["label"] == label]
    assert len(matches) == 1, f"{label!r}: {len(matches)} rows"
    return matches.iloc[0].to_dict()


def mutated(name: str, old: str, new: str, count: int = -1) -> bytes:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new, count).encode("utf-8")


@pytest.fixture(scope="module")
def export_table() -> BulletinTable:
    return parse_fixture("table13-export-2025-06.html")


@pytest.fixture(scope="module")
def january_table() -> BulletinTable:
    return parse_fixture("table14-import-2026-01.html")


# --------------------------------------------------------------------------- page metadata


def test_export_page_metadata(export_table: BulletinTable) -> None:
    t = export_table
    assert (t.table_no, t.flow, t.year) == (13, "export", 2025)
    assert t.title == "（13）Major Export Commodities in Quantity and Value,1-6.2025"
    assert (t.month_start, t.month_end, t.has_cumulative) == (6, 6, True)
    assert t.release_date == date(2025, 9, 19)
    assert (t.currency, t.value_scale, t.unit_line) == ("CNY", 10_000, "Unit:RMB￥10,000")
    assert t.url == URL
    assert len(t.notes) == 1 and t.notes[0].startswith("Note")


def test_rows_frame_shape(export_table: BulletinTable) -> None:
    rows = export_table.rows
    assert list(rows.columns) == ROW_COLUMNS
    assert rows["row_number"].tolist() == list(range(1, 19))
    assert not rows["label"].str.startswith("Note").any()


def test_january_page_has_no_cumulative_block(january_table: BulletinTable) -> None:
    t = january_table
    assert (t.table_no, t.flow, t.year, t.month_start, t.month_end) == (14, "import", 2026, 1, 1)
    assert t.has_cumulative is False
    assert (t.currency, t.value_scale, t.unit_line) == ("USD", 1_000, "Unit:US$1,000")
    assert t.release_date == date(2026, 2, 6)
    assert t.rows["ytd_quantity"].isna().all() and t.rows["ytd_value"].isna().all()
    assert all(v is None for v in t.rows["ytd_value"])
    assert "ytd_" not in ";".join(t.rows["missing_flags"])  # absent columns are not "missing"


def test_combined_january_february_page() -> None:
    t = parse_fixture("table13-export-2020-02-combined.html")
    assert (t.year, t.month_start, t.month_end, t.has_cumulative) == (2020, 1, 2, False)
    assert row(t, "Tea")["missing_flags"] == "pct_quantity=-;pct_value=*REF!"


def test_extra_leading_empty_column_and_space_indentation() -> None:
    t = parse_fixture("table14-import-2022-01-leading-column.html")
    assert (t.year, t.month_end, t.currency, t.value_scale) == (2022, 1, "USD", 1_000)
    assert t.rows["label"].tolist()[:3] == [
        "Crude petroleum oils",
        "Natural gases",
        "Natural gases in liquefied state",
    ]
    lng = row(t, "Natural gases in liquefied state")
    assert (lng["level"], lng["parent_label"]) == (1, "Natural gases")
    assert lng["month_quantity"] == Decimal(700) and lng["quantity_unit"] == "10000T"
    assert row(t, "Wine")["missing_flags"] == "pct_quantity=blank"
    assert row(t, "Electricity")["level"] == 0


# --------------------------------------------------------------------------- labels and levels


def test_wrapped_labels_joined_and_brackets_normalised(export_table: BulletinTable) -> None:
    labels = export_table.rows["label"].tolist()
    assert "Agriculture products*" in labels
    assert "Edible aquatic products" in labels
    assert "Rare-earth ore, metals, compounds" in labels
    assert "Meat(including meat offal)" in labels
    assert "Mechanical and electrical products *" in labels
    motor = row(export_table, "Motor vehicles(including chassis fitted with engines)")
    assert "（" in motor["label_raw"] and "\n" in motor["label_raw"]


def test_levels_and_parents_follow_indentation(export_table: BulletinTable) -> None:
    expected = {
        "Agriculture products*": (0, None),
        "Meat(including meat offal)": (1, "Agriculture products*"),
        "Edible aquatic products": (2, "Aquatic products"),
        "Tea": (1, "Agriculture products*"),
        "Tungsten ores and articles": (0, None),
        "Rare-earth ore, metals, compounds": (
            1,
            "Rare-earth ore, metals, compounds and articles thereof",
        ),
        "Passenger cars": (2, "Motor vehicles(including chassis fitted with engines)"),
        "Electric passenger cars": (3, "Passenger cars"),
        "Others": (2, "Motor vehicles(including chassis fitted with engines)"),
        "Culture products*": (0, None),
    }
    for label, (level, parent) in expected.items():
        r = row(export_table, label)
        assert (r["level"], r["parent_label"]) == (level, parent), label


def test_odd_indent_widths_are_quantised() -> None:
    """One row indented by 6 among rows at 4/8/12 (the 2026 import page has such a row) must
    not become a level of its own that adopts the following siblings."""
    html = mutated(
        "table13-export-2025-06.html",
        "&nbsp;" * 7 + " Passenger cars",
        "&nbsp;" * 5 + " Passenger cars",
    )
    t = parse_bulletin_table(html, URL)
    motor = "Motor vehicles(including chassis fitted with engines)"
    assert (row(t, "Passenger cars")["level"], row(t, "Passenger cars")["parent_label"]) == (
        2,
        motor,
    )
    assert row(t, "Electric passenger cars")["parent_label"] == "Passenger cars"
    assert (row(t, "Others")["level"], row(t, "Others")["parent_label"]) == (2, motor)


# --------------------------------------------------------------------------- numbers and units


def test_numbers_are_exact_decimals(export_table: BulletinTable) -> None:
    tea = row(export_table, "Tea")
    assert tea["quantity_unit"] == "T"
    assert [
        tea[c]
        for c in (
            "month_quantity",
            "month_value",
            "ytd_quantity",
            "ytd_value",
            "pct_quantity",
            "pct_value",
        )
    ] == [
        Decimal("32293"),
        Decimal("122763"),
        Decimal("200650"),
        Decimal("715233"),
        Decimal("16.7"),
        Decimal("11.4"),
    ]
    assert all(isinstance(tea[c], Decimal) for c in ("month_value", "pct_value"))
    assert row(export_table, "Agriculture products*")["pct_value"] == Decimal("-6.2")


def test_missing_markers_are_none_and_flagged_never_zero(export_table: BulletinTable) -> None:
    agri = row(export_table, "Agriculture products*")
    assert agri["quantity_unit"] is None and agri["month_quantity"] is None
    assert agri["month_value"] == Decimal("8126070")
    assert agri["missing_flags"] == "month_quantity=-;ytd_quantity=-;pct_quantity=-"
    tungsten = row(export_table, "Tungsten ores and articles")
    assert tungsten["ytd_quantity"] is None and tungsten["pct_value"] is None
    assert tungsten["missing_flags"] == "ytd_quantity=*REF!;pct_quantity=—;pct_value=blank"
    numbers = export_table.rows[["month_quantity", "month_value", "ytd_quantity", "ytd_value"]]
    assert not (numbers == Decimal(0)).any().any()


def test_quantity_units_as_published(export_table: BulletinTable) -> None:
    units = dict(zip(export_table.rows["label"], export_table.rows["quantity_unit"], strict=True))
    assert units["Meat(including meat offal)"] == "10000T"
    assert units["Vaccines for human medicine"] == "KG"
    assert units["Passenger cars"] == "N"
    assert units["Agriculture products*"] is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Unit:RMB￥10,000", ("CNY", 10_000)),
        ("Unit:US$1,000", ("USD", 1_000)),
        ("Unit: RMB￥100 million", ("CNY", 100_000_000)),
        ("亿元", ("CNY", 100_000_000)),
        ("Unit:亿元", ("CNY", 100_000_000)),
        ("Unit:万元", ("CNY", 10_000)),
        ("Unit: US$ million", ("USD", 1_000_000)),
        ("Unit:US$ 1 million", ("USD", 1_000_000)),
        ("Unit:RMB￥12,345", None),
        ("Unit:EUR 1,000", None),
        ("Unit:US$ per tonne", None),
    ],
)
def test_unit_lines(line: str, expected: tuple[str, int] | None) -> None:
    assert parse_unit_line(line) == expected


@pytest.mark.parametrize(
    ("unit", "kg"),
    [
        ("T", 1000),
        ("10000T", 10_000_000),
        ("KG", 1),
        ("kg", 1),
        ("N", None),
        ("10000N", None),
        ("MN", None),
        ("100MN", None),
        ("10000PR", None),
        ("MPR", None),
        ("100MP", None),
        ("10000CR", None),
        ("L", None),
        ("1000L", None),
        ("10000L", None),
        ("CUM", None),
        ("10000CUM", None),
        ("10000SM", None),
        ("MKWH", None),
        (None, None),
        ("", None),
    ],
)
def test_mass_factors(unit: str | None, kg: int | None) -> None:
    factor = kg_factor(unit)
    assert factor == (None if kg is None else Decimal(kg))


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("6", (6, 6)),
        ("1", (1, 1)),
        ("1to6", (1, 6)),
        ("1 to 2", (1, 2)),
        ("1-2", (1, 2)),
        (" Jan.", (1, 1)),
        ("Sep.", (9, 9)),
        ("Sept.", (9, 9)),
        ("Jan.-Feb.", (1, 2)),
        ("January to February", (1, 2)),
        ("Percentage Change", None),
        ("13", None),
        ("6 to 2", None),
        ("", None),
    ],
)
def test_month_ranges(text: str, months: tuple[int, int] | None) -> None:
    assert parse_month_range(text) == months


# --------------------------------------------------------------------------- failing loudly


def test_error_page_is_a_parse_error_naming_the_url() -> None:
    with pytest.raises(ParseError) as info:
        parse_bulletin_table(fixture_bytes("error-page.html"), URL)
    assert info.value.source == URL
    assert URL in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Unit:RMB￥10,000", "", "no unit line"),
        ("Unit:RMB￥10,000", "Unit:EUR 1,000", "unknown unit line"),
        ("Percentage Change", "Share", "Percentage Change"),
        ("1to6", "1to5", "cumulative block"),
        ("Quantity<br />\nUnit", "Unit of quantity", "Quantity Unit"),
        ("Value,1-6.2025", "Value,1-5.2025", "ends in month 5"),
        ("32,293", "32,293?", "not a number"),
    ],
)
def test_unknown_layouts_fail_loudly(old: str, new: str, message: str) -> None:
    html = mutated("table13-export-2025-06.html", old, new)
    with pytest.raises(ParseError, match=message) as info:
        parse_bulletin_table(html, URL)
    assert info.value.source == URL


def test_bad_cell_names_row_and_field() -> None:
    html = mutated("table13-export-2025-06.html", "32,293", "n/a")
    with pytest.raises(ParseError) as info:
        parse_bulletin_table(html, URL)
    assert (info.value.row, info.value.field) == (5, "month_quantity")


def test_short_row_fails_with_its_number() -> None:
    html = mutated("table14-import-2026-01.html", "<td>\n6.5\n</td>\n", "")
    with pytest.raises(ParseError, match="expected 6 cells") as info:
        parse_bulletin_table(html, URL)
    assert info.value.row == 8


# --------------------------------------------------------------------------- canonical observations


def obs_for(frame: pd.DataFrame, code: str, basis: str) -> dict:
    matches = frame[(frame["commodity_code"] == code) & (frame["basis"] == basis)]
    assert len(matches) == 1, (code, basis, len(matches))
    return matches.iloc[0].to_dict()


RARE_EARTHS = "bulletin:rare-earth-ore-metals-compounds"


def test_observation_columns_and_constants(export_table: BulletinTable) -> None:
    obs = bulletin_observations(export_table, "rel-1")
    assert list(obs.columns) == OBSERVATION_COLUMNS
    assert set(obs["source"]) == {"gacc_bulletin"} and set(obs["reporter"]) == {"CN"}
    assert set(obs["partner"]) == {"WLD"} and set(obs["flow"]) == {"export"}
    assert set(obs["release_id"]) == {"rel-1"}
    for column in ("source_partner_code", "trade_mode", "region_code"):
        assert all(v is None for v in obs[column])


def test_rare_earth_export_june_2025_canonical(export_table: BulletinTable) -> None:
    obs = bulletin_observations(export_table, "rel-1")
    month = obs_for(obs, RARE_EARTHS, "month")
    assert (month["period_start"], month["period_end"]) == (date(2025, 6, 1), date(2025, 6, 1))
    assert month["quantity"] == Decimal(7742) and month["quantity_unit"] == "T"
    assert month["quantity_kg"] == Decimal(7_742_000)
    assert month["value"] == Decimal(23185) and month["currency"] == "CNY"
    assert month["value_cny"] == Decimal(231_850_000) and month["value_usd"] is None
    assert month["commodity_label"] == "Rare-earth ore, metals, compounds"
    assert month["source_row"] == 8 and month["flags"] == ""
    ytd = obs_for(obs, RARE_EARTHS, "ytd")
    assert (ytd["period_start"], ytd["period_end"]) == (date(2025, 1, 1), date(2025, 6, 1))
    assert ytd["quantity_kg"] == Decimal(32_569_000)
    assert isinstance(ytd["quantity_kg"], Decimal) and isinstance(ytd["period_start"], date)


def test_aggregates_keep_values_and_skip_empty_rows(export_table: BulletinTable) -> None:
    obs = bulletin_observations(export_table, "r")
    agri = obs_for(obs, "bulletin:agriculture-products", "month")
    assert agri["quantity"] is None and agri["quantity_kg"] is None
    assert agri["value_cny"] == Decimal(81_260_700_000)
    assert agri["flags"] == "month_quantity=-"
    tungsten_ytd = obs_for(obs, "bulletin:tungsten-ores-and-articles", "ytd")
    assert tungsten_ytd["quantity"] is None and tungsten_ytd["flags"] == "ytd_quantity=*REF!"
    codes = set(obs["commodity_code"])
    assert "bulletin:culture-products" not in codes  # '-' everywhere: nothing published
    assert "bulletin:ships" not in codes  # '—' everywhere
    assert len(obs) == 2 * 16


def test_non_mass_units_have_no_kg(export_table: BulletinTable) -> None:
    obs = bulletin_observations(export_table, "r")
    cars = obs_for(obs, "bulletin:passenger-cars", "month")
    assert cars["quantity"] == Decimal(550123) and cars["quantity_kg"] is None
    vaccines = obs_for(obs, "bulletin:vaccines-for-human-medicine", "month")
    assert vaccines["quantity_kg"] == Decimal(20628)


def test_generic_labels_are_keyed_with_their_parent(export_table: BulletinTable) -> None:
    obs = bulletin_observations(export_table, "r")
    assert "bulletin:motor-vehicles-including-chassis-fitted-with-engines/others" in set(
        obs["commodity_code"]
    )


def test_january_month_is_also_ytd(january_table: BulletinTable) -> None:
    obs = bulletin_observations(january_table, "r")
    month = obs_for(obs, RARE_EARTHS, "month")
    ytd = obs_for(obs, RARE_EARTHS, "ytd")
    for o in (month, ytd):
        assert (o["period_start"], o["period_end"]) == (date(2026, 1, 1), date(2026, 1, 1))
        assert o["quantity_kg"] == Decimal(12_939_000)
        assert o["value_usd"] == Decimal(249_314_000) and o["value_cny"] is None
        assert o["flow"] == "import" and o["currency"] == "USD"
    assert ytd["flags"] == "ytd=month_block" and month["flags"] == ""
    iron = obs_for(obs, "bulletin:iron-ores-and-concentrates", "month")
    assert iron["quantity_kg"] == Decimal(112_390_000_000)


def test_combined_page_periods_span_january_february() -> None:
    obs = bulletin_observations(parse_fixture("table13-export-2020-02-combined.html"), "r")
    assert set(obs["basis"]) == {"month", "ytd"}
    assert set(obs["period_start"]) == {date(2020, 1, 1)}
    assert set(obs["period_end"]) == {date(2020, 2, 1)}


def test_colliding_keys_fail(export_table: BulletinTable) -> None:
    with pytest.raises(ParseError, match="both map to commodity key"):
        bulletin_observations(export_table, "r", catalogue_key=lambda label, parent: "same")


def test_custom_catalogue_key_is_used(january_table: BulletinTable) -> None:
    obs = bulletin_observations(january_table, "r", catalogue_key=lambda label, parent: label)
    assert "Rare-earth ore, metals, compounds" in set(obs["commodity_code"])


# --------------------------------------------------------------------------- catalogue


def test_bulletin_key_examples() -> None:
    assert bulletin_key("Rare-earth ore, metals, compounds", None) == RARE_EARTHS
    assert (
        bulletin_key("Motor vehicles（including chassis fitted with engines)", "X")
        == bulletin_key("Motor vehicles (including chassis fitted\n  with engines) ", None)
        == "bulletin:motor-vehicles-including-chassis-fitted-with-engines"
    )
    assert bulletin_key("Agriculture products*") == bulletin_key("AGRICULTURE  PRODUCTS")
    assert bulletin_key("Compound fertilizers of N,P,K") == "bulletin:compound-fertilizers-of-n-p-k"
    assert bulletin_key("Others", "Passenger cars") == "bulletin:passenger-cars/others"
    assert bulletin_key("Others", None) == "bulletin:others"
    with pytest.raises(CustomsEtlError):
        slugify("** ()")


_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", " ": "\u3000"})


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abcXYZ09 -,()*", min_size=1, max_size=30))
def test_bulletin_key_ignores_cosmetics(label: str) -> None:
    assume(any(ch.isalnum() for ch in label))
    key = bulletin_key(label, None)
    assert bulletin_key(label.translate(_FULL_WIDTH), None) == key
    assert bulletin_key(label.upper().replace(" ", "\n   "), None) == key
    assert bulletin_key(label + " *", "Some parent") == key


def test_resolve_commodity() -> None:
    assert resolve_commodity("rare-earths").code == RARE_EARTHS
    assert resolve_commodity("Rare Earths") is COMMODITIES["rare-earths"]
    assert resolve_commodity("rare-earths").flow == "export"
    magnets = resolve_commodity("rare-earth-magnets")
    assert (magnets.code, magnets.source) == ("85051110", "gacc_query")
    assert resolve_commodity("8505.11.10") is magnets
    assert resolve_commodity(RARE_EARTHS) is COMMODITIES["rare-earths"]
    other = resolve_commodity("28053000")
    assert (other.code, other.source) == ("28053000", "gacc_query")
    assert resolve_commodity("bulletin:tea").source == "gacc_bulletin"
    with pytest.raises(CustomsEtlError, match="rare-earth-magnets"):
        resolve_commodity("unobtainium")


# --------------------------------------------------------------------------- real pages


needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not available")


@pytest.fixture(scope="module")
def real_export() -> BulletinTable:
    if not SAMPLES.is_dir():
        pytest.skip("shared samples not available")
    path = SAMPLES / "table13-export-2025-06.html"
    return parse_bulletin_table(path.read_bytes(), path.as_uri())


@pytest.fixture(scope="module")
def real_import() -> BulletinTable:
    if not SAMPLES.is_dir():
        pytest.skip("shared samples not available")
    path = SAMPLES / "table14-import-2026-01.html"
    return parse_bulletin_table(path.read_bytes(), path.as_uri())


def published(r: dict, cumulative: bool = True) -> list:
    """A row as EXPECTED.md writes it: unit | month q | month v | [ytd q | ytd v] | % q | % v."""
    cols = ["month_quantity", "month_value"]
    cols += ["ytd_quantity", "ytd_value"] if cumulative else []
    cols += ["pct_quantity", "pct_value"]
    unit = r["quantity_unit"] or "-"
    return [unit] + [("-" if r[c] is None else f"{r[c]:,}") for c in cols]


@needs_samples
def test_real_export_page(real_export: BulletinTable) -> None:
    t = real_export
    assert t.title == "（13）Major Export Commodities in Quantity and Value,1-6.2025"
    assert (t.table_no, t.flow, t.year, t.month_start, t.month_end) == (13, "export", 2025, 6, 6)
    assert t.has_cumulative and t.release_date == date(2025, 9, 19)
    # The unit line says RMB, the attachment (…（美元值）.xls) US$: the attachment wins.
    assert (t.unit_line, t.currency, t.value_scale) == ("Unit:RMB￥10,000", "USD", 1_000)
    assert t.currency_from_attachment and len(t.notes) == 1 and "（美元值）.xls" in t.notes[0]
    assert len(t.rows) == 201
    parent = "Rare-earth ore, metals, compounds and articles thereof"
    assert published(row(t, parent)) == [
        "T",
        "11,547",
        "197,789",
        "59,389",
        "1,314,831",
        "6.5",
        "-37.7",
    ]
    assert row(t, parent)["level"] == 0
    child = row(t, "Rare-earth ore, metals, compounds")
    assert published(child) == ["T", "7,742", "23,185", "32,569", "191,256", "60.3", "-46.9"]
    assert (child["level"], child["parent_label"]) == (1, parent)
    tea = row(t, "Tea")
    assert published(tea) == ["T", "32,293", "122,763", "200,650", "715,233", "16.7", "11.4"]
    assert tea["parent_label"] == "Agriculture products*"
    assert published(row(t, "Agriculture products*")) == [
        "-",
        "-",
        "8,126,070",
        "-",
        "49,337,601",
        "-",
        "-6.2",
    ]
    motor = row(t, "Motor vehicles(including chassis fitted with engines)")
    assert "（including" in motor["label_raw"] and "engines)" in motor["label_raw"]
    assert published(motor) == ["10000N", "62", "10,749,851", "347", "59,665,359", "27.7", "23.0"]
    last = t.rows.iloc[-1].to_dict()
    assert last["label"] == (
        "New trio (electric vehicles,lithium-ion batteries,and photovoltaic products) *"
    )
    assert last["month_quantity"] is None and last["ytd_quantity"] is None
    assert last["quantity_unit"] is None


@needs_samples
def test_real_import_page(real_import: BulletinTable) -> None:
    t = real_import
    assert t.title == "（14）Major Import Commodities in Quantity and Value,1.2026"
    assert (t.table_no, t.flow, t.year, t.month_start, t.month_end) == (14, "import", 2026, 1, 1)
    assert not t.has_cumulative and t.release_date == date(2026, 2, 6)
    assert (t.unit_line, t.currency, t.value_scale) == ("Unit:US$1,000", "USD", 1_000)
    # EXPECTED.md counts 174 body rows; the last is the "Note：…" footnote, kept in ``notes``.
    assert len(t.rows) == 173 and len(t.notes) == 1 and t.notes[0].startswith("Note")
    assert len(t.rows) + len(t.notes) == 174
    assert published(row(t, "Rare-earth ore, metals, compounds"), cumulative=False) == [
        "T",
        "12,939",
        "249,314",
        "6.7",
        "120.5",
    ]
    assert published(row(t, "Iron ores and concentrates"), cumulative=False) == [
        "10000T",
        "11,239",
        "11,358,150",
        "15.9",
        "17.7",
    ]
    assert published(row(t, "Agriculture products*"), cumulative=False) == [
        "-",
        "-",
        "19,194,007",
        "-",
        "13.2",
    ]


@needs_samples
def test_real_pages_canonical_numbers(
    real_export: BulletinTable, real_import: BulletinTable
) -> None:
    exports = bulletin_observations(real_export, "e")
    month = obs_for(exports, RARE_EARTHS, "month")
    assert month["quantity_kg"] == Decimal(7_742_000)
    assert month["value_usd"] == Decimal(23_185_000) and month["value_cny"] is None
    assert month["currency"] == "USD" and "currency=attachment" in month["flags"]
    assert obs_for(exports, RARE_EARTHS, "ytd")["quantity_kg"] == Decimal(32_569_000)
    assert exports["commodity_code"].is_unique is False  # month + ytd per row
    assert not exports.duplicated(["commodity_code", "basis"]).any()
    imports = bulletin_observations(real_import, "i")
    rare = obs_for(imports, RARE_EARTHS, "month")
    assert rare["quantity_kg"] == Decimal(12_939_000)
    assert rare["value_usd"] == Decimal(249_314_000)
    assert obs_for(imports, RARE_EARTHS, "ytd")["quantity_kg"] == Decimal(12_939_000)
    iron = obs_for(imports, "bulletin:iron-ores-and-concentrates", "month")
    assert iron["quantity_kg"] == Decimal(112_390_000_000)
