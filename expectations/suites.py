"""Great Expectations suites, built from code and saved as JSON beside this module.

Validation runs on DataFrames with GX's pandas engine (GX's SQL path cannot read DuckDB). The
frames carry a few derived columns (floats for sign and band checks, months ahead of today) so
every rule is a stock expectation: no custom classes, so a saved suite always loads whole.
Each expectation carries a GX ``severity``: ``critical`` quarantines the batch, ``warning``
loads and is reported.

Regenerate the JSON after changing a rule: ``python -m customs_etl.expectations.suites``.

A publisher may own its release suite: built in its package and saved as JSON beside it. The
publisher registry tells this module where such a suite lives (``register_suite``) when it
finds the publisher, so ``load_suite`` reads it like the suites saved here; regenerate those
with ``python -m customs_etl.publishers.registry``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import great_expectations as gx
from great_expectations import expectations as gxe
from great_expectations.expectations.row_conditions import Column

from customs_etl.core import sources
from customs_etl.core.partners import load_partner_table
from customs_etl.core.schema import BASES, CURRENCIES, FLOWS, RECONCILIATION_COLUMNS

QUERY_RELEASE_SUITE = sources.release_suite(sources.GACC_QUERY)
YTD_HISTORY_SUITE = "ytd_history"
BULLETIN_RELEASE_SUITE = sources.release_suite(sources.GACC_BULLETIN)
BULLETIN_KEY_PATTERN = r"^bulletin:[a-z0-9/-]+$"

# HS8 tariff lines of chapters 01-97 (98/99 are national special codes, not goods).
HS8_PATTERN = r"^(?:0[1-9]|[1-8][0-9]|9[0-7])[0-9]{6}$"
PLATFORM_MAX_ROWS = 9_999  # an export of exactly 10,000 rows was cut by the platform
# Plausible unit values, USD per kg, for lines where a kg-vs-tonne slip must not pass.
UNIT_VALUE_BANDS_USD_PER_KG: dict[str, tuple[float, float]] = {"85051110": (5.0, 1_000.0)}
UNIT_VALUE_MIN_KG = 1_000  # tiny rows round to whole kg and say nothing about price
KNOWN_TRADE_MODES = (
    "10",
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "19",
    "20",
    "22",
    "23",
    "25",
    "27",
    "30",
    "31",
    "33",
    "34",
    "35",
    "39",
    "41",
)

# The frame a release suite validates (``validate.validation_frame``): the observation columns
# the rules read, and derived ones (floats for sign and band checks, months ahead of today,
# flags computed in SQL over the whole batch). Only what is checked: GX's cost grows with it.
VALIDATION_COLUMNS = (
    "release_id",  # the document each row belongs to (failures are mapped back by it)
    "source_row",
    "commodity_code",
    "partner",
    "source_partner_code",
    "trade_mode",
    "flow",
    "basis",
    "currency",
    "period_start",
    "quantity_num",
    "quantity_kg_num",
    "value_num",
    "unit_value_usd_per_kg",
    "months_ahead",
    "period_span_months",
    "zero_quantity_with_value",
    "kg_or_non_mass",
    "quantity_published",  # the row has a quantity (a mass row without one leaves no total)
    "duplicate_key",  # another row of the same document has the same natural key
    "document_rows",  # rows in the row's document
)
GACC_PARTNER_CODE_PATTERN = r"^[0-9]{3}$"

COMTRADE_RELEASE_SUITE = "comtrade_release"
# Plausible unit values per HS6 line of the watchlist, USD per kg (rows of at least 1 t): wide
# enough for every grade the code covers, narrow enough that a kg-vs-tonne slip (x1000) falls out.
UNIT_VALUE_BANDS_HS6: dict[str, tuple[float, float]] = {
    "850511": (2.0, 1_000.0),  # permanent magnets of metal (NdFeB, SmCo, AlNiCo)
    "280530": (1.0, 20_000.0),  # rare-earth metals, scandium, yttrium
    "284610": (0.5, 2_000.0),  # cerium compounds
    "284690": (0.5, 5_000.0),  # other rare-earth compounds
    "811292": (5.0, 20_000.0),  # Ga, Ge, In, Nb, Re... unwrought; powders
    "811299": (5.0, 20_000.0),
    "282560": (0.5, 20_000.0),  # germanium oxides and zirconium dioxide
    "282590": (0.5, 20_000.0),  # other metal oxides (gallium, tungsten)
    "285000": (0.5, 20_000.0),  # hydrides, nitrides (gallium nitride)
    "285390": (0.2, 20_000.0),  # other inorganic compounds (GaAs, GaP)
    "250410": (0.05, 200.0),  # natural graphite, powder or flakes
    "250490": (0.02, 200.0),
    "380110": (0.2, 500.0),  # artificial graphite
    "380190": (0.1, 500.0),
    "261710": (0.2, 200.0),  # antimony ores
    "811010": (1.0, 500.0),  # antimony, unwrought
    "811020": (0.2, 500.0),
    "811090": (1.0, 1_000.0),
    "282580": (1.0, 500.0),  # antimony oxides
    "284180": (3.0, 500.0),  # tungstates (APT)
    "284990": (1.0, 1_000.0),  # carbides (tungsten carbide)
    "810194": (5.0, 1_000.0),  # tungsten, unwrought
    "810199": (3.0, 5_000.0),
    "261100": (1.0, 500.0),  # tungsten ores
}
# World (partner 0) against the sum of partners, where a release reports every partner.
WORLD_TOLERANCE_KG = 1_000.0
WORLD_TOLERANCE_USD = 10_000.0
WORLD_TOLERANCE_SHARE = 0.01
COMTRADE_VALIDATION_COLUMNS = (
    "release_id",
    "source_row",
    "reporter",
    "flow",
    "commodity_code",
    "partner",
    "source_partner_code",
    "basis",
    "currency",
    "period_start",
    "months_ahead",
    "quantity_kg_num",
    "value_num",
    "duplicate_key",
    "side_consistent",  # CN exports, or a partner's imports from CN
    "world_excess_kg",  # |World - sum of partners| beyond tolerance (World rows only)
    "world_excess_usd",
    "unit_value_usd_per_kg",
    "unit_value_in_band_cn",  # China's rows of >= 1 t: value/kg inside the line's band
    "unit_value_in_band_partner",  # the same for partners' (mirror) rows
    "netwgt_estimated",  # the API's estimate flags, kept as columns
    "qty_estimated",
)


def _critical(expectation: gxe.Expectation) -> gxe.Expectation:
    expectation.severity = "critical"
    return expectation


def _warning(expectation: gxe.Expectation) -> gxe.Expectation:
    expectation.severity = "warning"
    return expectation


def _columns_rule() -> gxe.Expectation:
    return _critical(
        gxe.ExpectTableColumnsToMatchSet(
            column_set=list(VALIDATION_COLUMNS), exact_match=True
        )
    )


def _period_and_sign_rules() -> list[gxe.Expectation]:
    """Valid, past periods; known flow/basis/currency; no negative quantities."""
    return [
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="period_start")),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="months_ahead", max_value=0)),
        _critical(
            gxe.ExpectColumnValuesToBeBetween(
                column="period_span_months", min_value=0, max_value=11
            )
        ),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="flow", value_set=list(FLOWS))),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="basis", value_set=list(BASES))),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=list(CURRENCIES))),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="quantity_num", min_value=0)),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="quantity_kg_num", min_value=0)),
        # Every quantity has kilograms, or its unit is declared non-mass (pieces, litres…):
        # a mass quantity whose kilograms went missing would vanish from every total.
        _critical(gxe.ExpectColumnValuesToBeInSet(column="kg_or_non_mass", value_set=[True])),
    ]


def _unique_key_rule() -> gxe.Expectation:
    """One number per natural key within a document (a batch may hold two vintages of one
    month, so the key is counted per document, in SQL: ``duplicate_key``)."""
    return _critical(gxe.ExpectColumnValuesToBeInSet(column="duplicate_key", value_set=[False]))


def build_query_release_suite() -> gx.ExpectationSuite:
    """Per-export checks run before anything of it reaches the warehouse."""
    partner_codes = sorted(load_partner_table())
    rules = [
        _columns_rule(),
        # Per document (a batch holds many): 10,000 rows means the platform cut the export.
        _critical(
            gxe.ExpectColumnValuesToBeBetween(column="document_rows", max_value=PLATFORM_MAX_ROWS)
        ),
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="commodity_code")),
        _critical(gxe.ExpectColumnValuesToMatchRegex(column="commodity_code", regex=HS8_PATTERN)),
        *_period_and_sign_rules(),
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="value_num")),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="value_num", min_value=0)),
        _unique_key_rule(),
        _critical(
            gxe.ExpectColumnValuesToMatchRegex(
                column="source_partner_code", regex=GACC_PARTNER_CODE_PATTERN
            )
        ),
        # A code the project's table does not know yet is kept (as GACC-nnn, with the name the
        # export gives) so the world total stays whole; a person is told to add it.
        _warning(
            gxe.ExpectColumnValuesToBeInSet(column="source_partner_code", value_set=partner_codes)
        ),
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="partner")),
        _critical(
            gxe.ExpectColumnValuesToBeBetween(
                column="unit_value_usd_per_kg",
                min_value=min(lo for lo, _ in UNIT_VALUE_BANDS_USD_PER_KG.values()),
                max_value=max(hi for _, hi in UNIT_VALUE_BANDS_USD_PER_KG.values()),
            )
        ),
        _warning(
            gxe.ExpectColumnValuesToBeInSet(column="trade_mode", value_set=list(KNOWN_TRADE_MODES))
        ),
        _warning(
            gxe.ExpectColumnValuesToBeInSet(column="zero_quantity_with_value", value_set=[False])
        ),
        # A row published without a quantity (第一数量 '-') loads — its value and partner are
        # real — but its month has no total then: the brief says so instead of a figure.
        _warning(gxe.ExpectColumnValuesToBeInSet(column="quantity_published", value_set=[True])),
    ]
    return gx.ExpectationSuite(name=QUERY_RELEASE_SUITE, expectations=rules)


def build_bulletin_release_suite() -> gx.ExpectationSuite:
    """Per-page checks for the monthly bulletin (world rows, catalogue keys, no partners)."""
    rules = [
        _columns_rule(),
        _critical(
            gxe.ExpectColumnValuesToMatchRegex(column="commodity_code", regex=BULLETIN_KEY_PATTERN)
        ),
        *_period_and_sign_rules(),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="value_num", min_value=0)),
        _unique_key_rule(),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="partner", value_set=["WLD"])),
    ]
    return gx.ExpectationSuite(name=BULLETIN_RELEASE_SUITE, expectations=rules)


def build_comtrade_release_suite() -> gx.ExpectationSuite:
    """Per-pull checks for UN Comtrade pages (China's exports and partners' mirror imports)."""
    from customs_etl.core.comtrade_areas import load_area_table

    watched = sorted(UNIT_VALUE_BANDS_HS6)
    areas = load_area_table()
    rules = [
        _critical(
            gxe.ExpectTableColumnsToMatchSet(
                column_set=list(COMTRADE_VALIDATION_COLUMNS), exact_match=True
            )
        ),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="commodity_code", value_set=watched)),
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="period_start")),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="months_ahead", max_value=0)),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="flow", value_set=list(FLOWS))),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="basis", value_set=["month"])),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=["USD"])),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="quantity_kg_num", min_value=0)),
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="value_num")),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="value_num", min_value=0)),
        _unique_key_rule(),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="side_consistent", value_set=[True])),
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="partner")),
        # Codes the shipped table does not know are kept (CT-nnn) and named for a person.
        _warning(
            gxe.ExpectColumnValuesToBeInSet(column="source_partner_code", value_set=sorted(areas))
        ),
        _warning(
            gxe.ExpectColumnValuesToBeInSet(
                column="reporter", value_set=sorted({a.key for a in areas.values()})
            )
        ),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="world_excess_kg", max_value=0)),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="world_excess_usd", max_value=0)),
        _critical(
            gxe.ExpectColumnValuesToBeInSet(column="unit_value_in_band_cn", value_set=[True])
        ),
        # One partner's odd row must not hold back every partner's month: warned, loaded.
        _warning(
            gxe.ExpectColumnValuesToBeInSet(column="unit_value_in_band_partner", value_set=[True])
        ),
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="netwgt_estimated")),
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="qty_estimated")),
    ]
    return gx.ExpectationSuite(name=COMTRADE_RELEASE_SUITE, expectations=rules)


def build_ytd_history_suite() -> gx.ExpectationSuite:
    """YTD(m) ≈ Σ month(1..m) and YTD(m) − YTD(m−1) ≈ month(m) on warehouse history + batch."""
    rules = [
        _critical(
            gxe.ExpectTableColumnsToMatchSet(
                column_set=list(RECONCILIATION_COLUMNS),
                exact_match=True,
            )
        ),
        _critical(
            gxe.ExpectColumnValuesToBeBetween(
                column="excess_kg",
                max_value=0,
                row_condition=Column("explained_by_revision") == False,  # noqa: E712
            )
        ),
        # A break the release's restatements explain is loaded, but counted and shown.
        _warning(gxe.ExpectColumnValuesToBeBetween(column="excess_kg", max_value=0)),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="ytd_kg", min_value=0)),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="check", value_set=["sum", "step"])),
    ]
    return gx.ExpectationSuite(name=YTD_HISTORY_SUITE, expectations=rules)


BUILDERS = {
    QUERY_RELEASE_SUITE: build_query_release_suite,
    BULLETIN_RELEASE_SUITE: build_bulletin_release_suite,
    YTD_HISTORY_SUITE: build_ytd_history_suite,
    COMTRADE_RELEASE_SUITE: build_comtrade_release_suite,
}


# Suites saved outside this package (a publisher's own): name → (JSON file, builder).
_REGISTERED: dict[str, tuple[Path, Callable[[], gx.ExpectationSuite]]] = {}


def register_suite(
    name: str, path: Path, builder: Callable[[], gx.ExpectationSuite]
) -> None:
    """Where a suite saved outside this package lives and how it is built (its publisher's).

    A name already used by another suite is refused: two publishers must not share a name.
    """
    taken = name in BUILDERS or (name in _REGISTERED and _REGISTERED[name][0] != path)
    if taken:
        raise RuntimeError(f"suite name {name!r} is already taken")
    _REGISTERED[name] = (path, builder)


def registered_suites() -> dict[str, tuple[Path, Callable[[], gx.ExpectationSuite]]]:
    """The suites publishers registered (name → (JSON file, builder))."""
    return dict(_REGISTERED)


def suite_json(suite: gx.ExpectationSuite) -> dict:
    """Stable JSON form of a suite (no ids), as saved in the repository."""
    data = suite.to_json_dict()
    data.pop("id", None)
    for expectation in data["expectations"]:
        expectation.pop("id", None)
    return data


def suite_path(name: str) -> Path:
    if name in _REGISTERED:
        return _REGISTERED[name][0]
    return Path(str(resources.files("customs_etl.expectations") / f"{name}.json"))


def load_suite(name: str, path: Path | None = None) -> gx.ExpectationSuite:
    """Load a saved suite; a suite that comes back empty is an error, never a silent pass."""
    data = json.loads((path or suite_path(name)).read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(**data)
    if len(suite.expectations) != len(data["expectations"]) or not suite.expectations:
        raise RuntimeError(f"suite {name} loaded with {len(suite.expectations)} expectations")
    return suite


def save_suite(suite: gx.ExpectationSuite, path: Path) -> Path:
    """Write a suite's stable JSON form (``suite_json``) to ``path``."""
    path.write_text(
        json.dumps(suite_json(suite), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def write_suites() -> list[Path]:
    return [save_suite(build(), suite_path(name)) for name, build in BUILDERS.items()]


if __name__ == "__main__":
    for written_path in write_suites():
        print(written_path)
