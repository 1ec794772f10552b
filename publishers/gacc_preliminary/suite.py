"""The preliminary release's GX suite, built here and saved beside this module as JSON.

It validates the frame every release suite validates (``expectations.validate``: the
observations plus derived columns): world rows keyed by the catalogue, past periods of at most a
year, month and year-to-date figures only, values present and non-negative in CNY or USD,
kilograms for every mass quantity, one number per key and document, a table-sized document.
What a page's own contradictions need (currencies, units, the two pages' quantities) is
settled before, in ``reconcile``. Regenerate the JSON after changing a rule:
``python -m customs_etl.publishers.registry``.
"""

from __future__ import annotations

from pathlib import Path

import great_expectations as gx
from great_expectations import expectations as gxe

from customs_etl.core import sources
from customs_etl.core.schema import CURRENCIES, FLOWS
from customs_etl.expectations.suites import (
    BULLETIN_KEY_PATTERN,
    _columns_rule,
    _critical,
    _unique_key_rule,
)

NAME = sources.release_suite(sources.GACC_PRELIMINARY)
PATH = Path(__file__).with_name(f"{NAME}.json")
MAX_DOCUMENT_ROWS = 1_000  # a table has ~30-50 rows, three figures each: more is a misread


def build_suite() -> gx.ExpectationSuite:
    rules = [
        _columns_rule(),
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="commodity_code")),
        _critical(
            gxe.ExpectColumnValuesToMatchRegex(column="commodity_code", regex=BULLETIN_KEY_PATTERN)
        ),
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="period_start")),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="months_ahead", max_value=0)),
        _critical(
            gxe.ExpectColumnValuesToBeBetween(
                column="period_span_months", min_value=0, max_value=11
            )
        ),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="flow", value_set=list(FLOWS))),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="basis", value_set=["month", "ytd"])),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=list(CURRENCIES))),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="quantity_num", min_value=0)),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="quantity_kg_num", min_value=0)),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="kg_or_non_mass", value_set=[True])),
        # Every row of these tables publishes a value, aggregates and value-only rows too.
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="value_num")),
        _critical(gxe.ExpectColumnValuesToBeBetween(column="value_num", min_value=0)),
        _unique_key_rule(),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="partner", value_set=["WLD"])),
        _critical(
            gxe.ExpectColumnValuesToBeBetween(
                column="document_rows", min_value=1, max_value=MAX_DOCUMENT_ROWS
            )
        ),
    ]
    return gx.ExpectationSuite(name=NAME, expectations=rules)
