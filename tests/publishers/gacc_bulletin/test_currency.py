"""The bulletin's currency comes from the page's evidence: its unit line and the name of the
spreadsheet it links (``…（美元值）.xls`` US dollars, ``…（人民币值）.xls`` yuan). When the two
disagree the attachment's name wins, with the bulletin's scale for that currency (US$1,000,
RMB￥10,000); two attachments naming different currencies are refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from customs_etl.core.errors import ParseError
from customs_etl.transforms.bulletin import (
    ATTACHMENT_FLAG,
    bulletin_observations,
    parse_bulletin_table,
)
from tests.support import paths

FIXTURES = paths.FIXTURES / "gacc_bulletin"
URL = "http://english.customs.gov.cn/Statics/fixture.html"
RARE_EARTHS = "bulletin:rare-earth-ore-metals-compounds"
USD_XLS = "2025-06_M133USD_（13）出口主要商品量值表（美元值）.xls"
CNY_XLS = "2025-06_M133RMB_（13）出口主要商品量值表（人民币值）.xls"


def _with_attachments(name: str, *files: str) -> bytes:
    """A fixture page with the article's attachment links, as real pages carry them."""
    links = "".join(
        f"<div class=\"atcl-rct-ttl\"><a href = 'http://english.customs.gov.cn\\Excel\\{f}'>"
        "(13)Major Export Commodities in Quantity and Value,1-6.2025</a></div>"
        for f in files
    )
    page = (FIXTURES / name).read_bytes()
    return page.replace(b"</table>", f'</table><div class="atcl-rct">{links}</div>'.encode(), 1)


def _rare_earths_month(page: bytes) -> dict:
    obs = bulletin_observations(parse_bulletin_table(page, URL), "r")
    found = obs[(obs["commodity_code"] == RARE_EARTHS) & (obs["basis"] == "month")]
    return found.iloc[0].to_dict()


def test_the_real_june_2025_table_is_us_dollars(shared_samples: Path) -> None:
    page = (shared_samples / "gacc_bulletin" / "table13-export-2025-06.html").read_bytes()
    table = parse_bulletin_table(page, URL)
    assert table.unit_line == "Unit:RMB￥10,000"
    assert (table.currency, table.value_scale, table.currency_from_attachment) == (
        "USD", 1_000, True)  # fmt: skip
    assert table.notes == (
        "unit line 'Unit:RMB￥10,000' says CNY but the attachment "
        f"'{USD_XLS}' is USD: values read as USD x 1,000 (the attachment's name wins)",
    )
    month = _rare_earths_month(page)
    # US$23.2 million: the preliminary USD release's figure for June 2025, × 1,000.
    assert (month["value"], month["value_usd"], month["value_cny"]) == (
        Decimal(23_185), Decimal(23_185_000), None)  # fmt: skip
    assert month["flags"] == ATTACHMENT_FLAG


def test_a_real_page_whose_evidence_agrees_is_read_as_it_says(shared_samples: Path) -> None:
    page = (shared_samples / "gacc_bulletin" / "table14-import-2026-01.html").read_bytes()
    table = parse_bulletin_table(page, URL)
    assert (table.currency, table.value_scale, table.currency_from_attachment) == (
        "USD", 1_000, False)  # fmt: skip


@pytest.mark.parametrize(
    ("files", "currency", "value_usd", "value_cny", "flags"),
    [
        ((), "CNY", None, Decimal(231_850_000), ""),  # no attachment: the unit line alone
        ((CNY_XLS,), "CNY", None, Decimal(231_850_000), ""),  # both say yuan
        ((USD_XLS,), "USD", Decimal(23_185_000), None, ATTACHMENT_FLAG),  # the real slip
        ((USD_XLS, "notes.pdf", USD_XLS), "USD", Decimal(23_185_000), None, ATTACHMENT_FLAG),
        (("table.xls",), "CNY", None, Decimal(231_850_000), ""),  # a name without a currency
    ],
)
def test_unit_line_and_attachment(
    files: tuple[str, ...], currency: str, value_usd: Decimal | None,
    value_cny: Decimal | None, flags: str,
) -> None:  # fmt: skip
    month = _rare_earths_month(_with_attachments("table13-export-2025-06.html", *files))
    assert (month["currency"], month["value_usd"], month["value_cny"], month["flags"]) == (
        currency, value_usd, value_cny, flags)  # fmt: skip


def test_a_us_dollar_unit_line_over_a_yuan_attachment_is_yuan_ten_thousands() -> None:
    page = _with_attachments("table14-import-2026-01.html", "2026-01_M134RMB（人民币值）.xls")
    table = parse_bulletin_table(page, URL)
    assert (table.unit_line, table.currency, table.value_scale) == (
        "Unit:US$1,000", "CNY", 10_000)  # fmt: skip
    month = _rare_earths_month(page)
    assert month["value_cny"] == Decimal(2_493_140_000) and month["value_usd"] is None


def test_attachments_naming_two_currencies_are_refused() -> None:
    page = _with_attachments("table13-export-2025-06.html", USD_XLS, CNY_XLS)
    with pytest.raises(ParseError, match="the page's attachments name two currencies"):
        parse_bulletin_table(page, URL)
