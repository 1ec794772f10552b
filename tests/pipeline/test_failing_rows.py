"""A quarantined document's failing rows read back from its bytes by their source_row (the line
in the file), with the publisher imported alone (no suite registered: no GX)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.models import RawDocument
from customs_etl.pipeline.failing_rows import row_values
from customs_etl.publishers.registry import parser_only
from tests.support.exports import july_export

JULY = date(2025, 7, 1)


def _doc(content: bytes) -> RawDocument:
    return RawDocument(name="export-85051110-202507.csv", source="gacc_query", content=content,
                       flow="export", commodity_code="85051110", period_start=JULY,
                       period_end=JULY)  # fmt: skip


def test_rows_are_read_back_by_their_line_in_the_file() -> None:
    # july_export: header on line 1, then DE (mode 10), DE (mode 15), US, JP
    found = row_values(_doc(july_export()), parser_only, [2, 4, 99])
    assert sorted(found) == [2, 4]  # line 99 does not exist: nothing made up
    (de,) = found[2]
    (us,) = found[4]
    assert (de.partner, de.partner_name, de.partner_label, de.source_partner_code) == (
        "DE", "Germany", "德国", "304"
    )
    assert (de.trade_mode, de.quantity_kg, de.value_usd) == ("10", Decimal(900_000), 45_000_000)
    assert (us.partner, us.partner_name, us.quantity_kg, us.value_usd) == (
        "US", "United States", Decimal(619_000), Decimal(30_950_000)
    )
    assert (us.commodity_code, us.period, us.value_cny) == ("85051110", "2025-07", None)
    assert row_values(_doc(july_export()), parser_only, []) == {}


def test_a_document_that_does_not_parse_says_so() -> None:
    with pytest.raises(CustomsEtlError):
        row_values(_doc(b"<html>busy</html>"), parser_only, [2])
    with pytest.raises(CustomsEtlError, match="unknown source"):
        parser_only("nowhere")


def test_reading_rows_back_does_not_import_great_expectations() -> None:
    code = (
        "import sys\n"
        "from customs_etl.publishers.registry import parser_only\n"
        "parser_only('gacc_query'); parser_only('sample')\n"
        "print('great_expectations' in sys.modules)\n"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)  # fmt: skip
    assert shown.stdout.strip() == "False"
