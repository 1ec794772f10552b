"""YTD reconciliation: consistent history passes, a break is found, Jan–Feb combined counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from customs_etl.core.schema import OBSERVATION_COLUMNS
from customs_etl.transforms.ytd import explain_breaks, unchanged_breaks
from tests.support.ytd_reference import reconcile_ytd, revisions, supersede


def own_ytd(batch: pd.DataFrame) -> set[tuple]:
    """(source, flow, line, year, through month) of the batch's YTD figures."""
    ytd = batch[batch["basis"] == "ytd"]
    return {
        (s, f, c, end.year, end.month)
        for s, f, c, end in ytd[["source", "flow", "commodity_code", "period_end"]].itertuples(
            index=False
        )
    }


def _obs(start: tuple[int, int], end: tuple[int, int], partner: str, kg: int,
         release: str = "r") -> dict:
    row = dict.fromkeys(OBSERVATION_COLUMNS)
    s, e = date(*start, 1), date(*end, 1)
    row.update(release_id=release, source="gacc_query", flow="export", commodity_code="85051110",
               partner=partner, grain="partner", period_start=s, period_end=e,
               basis="month" if s == e else "ytd", quantity_kg=Decimal(kg))
    return row


def _history(months: dict[int, int], ytd: int, through: int) -> pd.DataFrame:
    rows = [_obs((2025, m), (2025, m), "US", kg) for m, kg in months.items()]
    rows.append(_obs((2025, 1), (2025, through), "US", ytd))
    return pd.DataFrame(rows)


def test_consistent_history_is_within_tolerance() -> None:
    out = reconcile_ytd(_history({1: 1_000_000, 2: 2_000_000, 3: 3_000_000}, 6_000_400, 3))
    world = out[out["partner"] == "WLD"].iloc[0]
    assert world["months_kg"] == 6_000_000 and world["diff_kg"] == 400
    assert world["tolerance_kg"] == pytest.approx(6_000.4)  # 0.1 % beats 1 t here
    assert (out["excess_kg"] <= 0).all()


def test_break_beyond_tolerance_is_named_per_partner() -> None:
    out = reconcile_ytd(_history({1: 1_000_000, 2: 2_000_000, 3: 3_000_000}, 6_100_000, 3))
    broken = out[out["excess_kg"] > 0]
    assert set(broken["partner"]) == {"US", "WLD"}
    assert broken.iloc[0]["through_month"] == 3


def test_incomplete_months_are_not_compared() -> None:
    assert reconcile_ytd(_history({1: 1, 3: 3}, 999_999, 3)).empty


def test_combined_january_february_stands_in_for_the_two_months() -> None:
    rows = [_obs((2025, 1), (2025, 2), "US", 3_000_000), _obs((2025, 3), (2025, 3), "US",
                                                              1_000_000),
            _obs((2025, 1), (2025, 3), "US", 4_000_000)]
    out = reconcile_ytd(pd.DataFrame(rows))
    through_march = out[(out["through_month"] == 3) & (out["partner"] == "WLD")].iloc[0]
    assert through_march["months_used"].startswith("Jan-Feb combined")
    assert through_march["months_kg"] == 4_000_000


def test_a_partner_absent_in_a_month_traded_nothing_then() -> None:
    rows = [_obs((2025, 1), (2025, 1), "US", 500_000), _obs((2025, 1), (2025, 1), "DE", 10),
            _obs((2025, 2), (2025, 2), "US", 500_000), _obs((2025, 1), (2025, 2), "DE", 10)]
    out = reconcile_ytd(pd.DataFrame(rows))
    de = out[out["partner"] == "DE"].iloc[0]
    assert de["months_kg"] == 10 and de["excess_kg"] < 0


def test_new_batch_supersedes_its_slice_of_history() -> None:
    history = pd.DataFrame([_obs((2025, 1), (2025, 1), "US", 1, "old"),
                            _obs((2025, 2), (2025, 2), "US", 2, "old")])
    batch = pd.DataFrame([_obs((2025, 1), (2025, 1), "DE", 5, "new")])
    combined = supersede(history, batch)
    assert sorted(zip(combined["release_id"], combined["partner"], strict=True)) == [
        ("new", "DE"), ("old", "US")]


def _sum_rows(out: pd.DataFrame, check: str, partner: str = "WLD") -> pd.DataFrame:
    return out[(out["check"] == check) & (out["partner"] == partner)]


def test_step_check_needs_only_the_previous_ytd_and_the_month() -> None:
    # January is missing, so Σ months cannot be checked; the step check still can.
    rows = [_obs((2025, 1), (2025, 2), "US", 3_000_000), _obs((2025, 3), (2025, 3), "US",
                                                              1_000_000),
            _obs((2025, 1), (2025, 3), "US", 4_500_000)]
    out = reconcile_ytd(pd.DataFrame(rows))
    step = _sum_rows(out, "step").iloc[0]
    assert (step["through_month"], step["months_kg"], step["diff_kg"]) == (3, 4_000_000, 500_000)
    assert step["months_used"] == "YTD 1-2 + month 3" and step["excess_kg"] > 0


def test_step_check_passes_on_consistent_figures() -> None:
    rows = [_obs((2025, 1), (2025, 2), "US", 3_000_000), _obs((2025, 3), (2025, 3), "US", 10),
            _obs((2025, 1), (2025, 3), "US", 3_000_010)]
    out = reconcile_ytd(pd.DataFrame(rows))
    assert set(out["check"]) == {"sum", "step"} and (out["excess_kg"] <= 0).all()


def _page(month: int, month_kg: int, ytd_kg: int, release: str) -> list[dict]:
    """One bulletin-like release: month m and YTD Jan..m for the world."""
    ytd = _obs((2025, 1), (2025, month), "WLD", ytd_kg, release)
    ytd["basis"] = "ytd"  # a January page's YTD block covers the same single month
    return [_obs((2025, month), (2025, month), "WLD", month_kg, release), ytd]


def test_revisions_list_restated_figures_and_flag_large_ones() -> None:
    history = pd.DataFrame(_page(1, 1_000_000, 1_000_000, "v1"))
    batch = pd.DataFrame(_page(1, 1_000_500, 1_200_000, "v2"))
    restated = revisions(history, batch)
    by_basis = {r.basis: r for r in restated.itertuples()}
    assert by_basis["month"].delta_kg == 500 and not by_basis["month"].large
    assert by_basis["ytd"].delta_kg == 200_000 and by_basis["ytd"].large
    assert by_basis["ytd"].delta_pct == pytest.approx(20.0)
    assert revisions(history, history).empty


def test_break_caused_by_a_restated_earlier_month_is_explained() -> None:
    history = pd.DataFrame(_page(1, 1_000_000, 1_000_000, "v1") + _page(2, 500_000, 1_500_000,
                                                                        "v1"))
    # January re-published 300 t higher: February's older YTD no longer adds up.
    batch = pd.DataFrame(_page(1, 1_300_000, 1_300_000, "v2"))
    after = reconcile_ytd(supersede(history, batch))
    marked = explain_breaks(
        after, reconcile_ytd(history), own_ytd(batch), revisions(history, batch)
    )
    broken = marked[marked["excess_kg"] > 0]
    assert not broken.empty and broken["explained_by_revision"].all()
    assert set(broken["through_month"]) == {2}


def test_break_in_the_releases_own_ytd_is_never_explained() -> None:
    history = pd.DataFrame(_page(1, 1_000_000, 1_000_000, "v1"))
    batch = pd.DataFrame(_page(1, 1_300_000, 1_300_000, "v2") + _page(2, 500_000, 9_000_000,
                                                                      "v2"))
    after = reconcile_ytd(supersede(history, batch))
    marked = explain_breaks(
        after, reconcile_ytd(history), own_ytd(batch), revisions(history, batch)
    )
    broken = marked[marked["excess_kg"] > 0]
    assert not broken.empty and not broken["explained_by_revision"].any()


def test_a_break_that_existed_before_is_the_batchs_only_as_far_as_it_moves_it() -> None:
    """A cumulative already broken before the batch (an earlier revision left it stale) is not
    the batch's doing: a batch that leaves it where it was, or moves it by no more than it
    restates, is not held back by it; one that moves it further is."""
    history = pd.DataFrame(_page(1, 1_000_000, 1_000_000, "v1") + _page(2, 500_000, 9_000_000,
                                                                        "v1"))
    before = reconcile_ytd(history)
    assert (before["excess_kg"] > 0).any()
    restating = pd.DataFrame(_page(1, 1_000_400, 1_000_400, "v2"))
    after = reconcile_ytd(supersede(history, restating))
    marked = explain_breaks(after, before, own_ytd(restating), revisions(history, restating))
    moved = marked[(marked["excess_kg"] > 0) & (marked["through_month"] == 2)]
    assert not moved.empty and moved["explained_by_revision"].all()
    assert unchanged_breaks(after, before).sum() == 0  # it moved (by the 400 kg it restated)
    # the same break, untouched by a batch that restates nothing of it
    assert unchanged_breaks(before, before).sum() == (before["excess_kg"] > 0).sum()
    # a batch moving it 2,000 t while restating 400 kg is held back
    pushed = after.copy()
    pushed.loc[pushed["through_month"] == 2, "months_kg"] -= 2_000_000
    pushed.loc[pushed["through_month"] == 2, "excess_kg"] += 2_000_000
    marked = explain_breaks(pushed, before, own_ytd(restating), revisions(history, restating))
    assert not marked.loc[marked["through_month"] == 2, "explained_by_revision"].any()


def test_a_partner_the_new_vintage_drops_is_a_revision_to_zero() -> None:
    history = pd.DataFrame([_obs((2025, 3), (2025, 3), "US", 600_000, "v1"),
                            _obs((2025, 3), (2025, 3), "DE", 900_000, "v1"),
                            _obs((2025, 4), (2025, 4), "DE", 5, "v1")])
    batch = pd.DataFrame([_obs((2025, 3), (2025, 3), "US", 600_000, "v2")])  # filtered to US
    restated = revisions(history, batch)
    assert len(restated) == 1
    dropped = restated.iloc[0]
    assert (dropped["partner"], dropped["old_kg"], dropped["new_kg"]) == ("DE", 900_000, 0)
    assert dropped["large"] and dropped["delta_pct"] == pytest.approx(-100.0)
