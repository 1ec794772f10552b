"""prefect.yaml and ``customs-etl serve`` agree: names, entrypoints, schedules, limits.

Why: the worker path (``prefect deploy --all``) silently skips a prefect.yaml it cannot
validate, and ``serve`` rebuilds the deployments from the same file; both must stay right.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from prefect import Flow
from prefect.cli.deploy._models import PrefectYamlModel
from prefect.server.schemas.schedules import CronSchedule
from prefect.settings import PREFECT_API_URL, temporary_settings

from customs_etl.core.errors import CustomsEtlError
from customs_etl.flows.deployments import (
    PREFECT_YAML,
    PROJECT_ROOT,
    build_deployments,
    load_entrypoint,
    load_specs,
    serve_all,
    to_schedule,
)

EXPECTED_FLOWS = {"monthly": "scheduled-monthly", "landing": "landing", "backfill": "backfill"}
RELEASE_WINDOW = range(7, 26)  # GACC publishes between about the 7th and the 25th


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def specs(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {spec["name"]: spec for spec in document["deployments"]}


def _limit(spec: dict[str, Any]) -> int | None:
    value = spec.get("concurrency_limit")
    return value.get("limit") if isinstance(value, dict) else value


def _fire_times(cron: str, timezone: str, year: int, month: int) -> list[datetime]:
    """When Prefect's scheduler would start runs in one month (its own implementation)."""
    zone = ZoneInfo(timezone)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    schedule = CronSchedule(cron=cron, timezone=timezone)
    dates = asyncio.run(schedule.get_dates(n=1000, start=start, end=end))
    return [d.astimezone(zone) for d in dates if d < end]


def test_prefect_validates_the_file_and_sees_every_deployment(document: dict[str, Any]) -> None:
    model = PrefectYamlModel.model_validate(document)
    assert [d.name for d in model.deployments] == list(EXPECTED_FLOWS)
    assert not model.build and not model.push


def test_workers_run_the_code_in_place(document: dict[str, Any]) -> None:
    (step,) = document["pull"]
    assert list(step) == ["prefect.deployments.steps.set_working_directory"]
    assert step["prefect.deployments.steps.set_working_directory"]["directory"]


@pytest.mark.parametrize("name", list(EXPECTED_FLOWS))
def test_entrypoints_import_as_the_named_flows(specs: dict[str, Any], name: str) -> None:
    entrypoint = specs[name]["entrypoint"]
    assert (PROJECT_ROOT / entrypoint.partition(":")[0]).is_file()
    flow = load_entrypoint(entrypoint)
    assert isinstance(flow, Flow)
    assert flow.name == EXPECTED_FLOWS[name]


@pytest.mark.parametrize("name", list(EXPECTED_FLOWS))
def test_every_deployment_writes_one_at_a_time_on_the_process_pool(
    specs: dict[str, Any], name: str
) -> None:
    assert _limit(specs[name]) == 1
    assert specs[name]["work_pool"]["name"] == "customs-etl"


def test_monthly_polls_four_times_a_day_in_the_release_window_in_beijing_time(
    specs: dict[str, Any],
) -> None:
    (schedule,) = specs["monthly"]["schedules"]
    assert schedule["timezone"] == "Asia/Shanghai"
    for year, month in [(2025, 2), (2025, 8), (2026, 1)]:
        fired = _fire_times(schedule["cron"], schedule["timezone"], year, month)
        assert sorted({t.day for t in fired}) == list(RELEASE_WINDOW), (year, month)
        assert [t.hour for t in fired if t.day == 9] == [10, 14, 18, 22]
        assert all(
            t.utcoffset() is not None and t.utcoffset().total_seconds() == 8 * 3600 for t in fired
        )


def test_landing_polls_at_least_every_ten_minutes(specs: dict[str, Any]) -> None:
    (schedule,) = specs["landing"]["schedules"]
    fired = _fire_times(schedule["cron"], schedule["timezone"], 2025, 8)
    gaps = {(b - a).total_seconds() for a, b in itertools.pairwise(fired)}
    assert gaps and max(gaps) <= 600


def test_backfill_is_on_demand_with_source_start_end(specs: dict[str, Any]) -> None:
    assert not specs["backfill"].get("schedules")
    flow = load_entrypoint(specs["backfill"]["entrypoint"])
    assert {"source", "start", "end"} <= set(inspect.signature(flow.fn).parameters)


def test_serve_builds_the_yaml_deployments(specs: dict[str, Any]) -> None:
    built = {d.name: d for d in build_deployments()}
    assert set(built) == set(specs)
    for name, spec in specs.items():
        deployment = built[name]
        assert deployment.flow_name == EXPECTED_FLOWS[name]
        assert deployment.concurrency_limit == _limit(spec)
        yaml_schedules = spec.get("schedules") or []
        want = [(s["cron"], s["timezone"], s.get("active", True)) for s in yaml_schedules]
        got = [(s.schedule.cron, s.schedule.timezone, s.active) for s in deployment.schedules]
        assert got == want, name
        # served runs import the flow by module, so they work from any directory
        module, _, attribute = deployment.entrypoint.rpartition(".")
        served = load_entrypoint(f"{module.replace('.', '/')}.py:{attribute}")
        assert served.name == EXPECTED_FLOWS[name]


def test_serve_keeps_collision_strategies(specs: dict[str, Any]) -> None:
    built = {d.name: d for d in build_deployments()}
    for name, spec in specs.items():
        strategy = spec["concurrency_limit"].get("collision_strategy")
        assert built[name].concurrency_options.collision_strategy.value == strategy


def test_serve_can_pick_deployments_and_names_unknown_ones() -> None:
    assert [d.name for d in build_deployments(names=["backfill"])] == ["backfill"]
    with pytest.raises(CustomsEtlError, match="no deployment named nightly"):
        build_deployments(names=["nightly"])


def test_interval_schedules_and_bad_entries_are_handled() -> None:
    every_ten = to_schedule({"interval": 600, "timezone": "Asia/Shanghai"})
    assert every_ten.interval is not None and every_ten.interval.total_seconds() == 600
    with pytest.raises(CustomsEtlError, match="only cron and interval"):
        to_schedule({"rrule": "FREQ=DAILY"})
    with pytest.raises(CustomsEtlError, match="not a Prefect flow"):
        load_entrypoint("flows/definitions.py:parse_month")
    with pytest.raises(CustomsEtlError, match=r"entrypoint flows/nowhere\.py"):
        load_entrypoint("flows/nowhere.py:flow")


def test_unreadable_or_empty_deployment_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CustomsEtlError, match="cannot read"):
        load_specs(tmp_path / "missing.yaml")
    empty = tmp_path / "prefect.yaml"
    empty.write_text("name: x\ndeployments: []\n", encoding="utf-8")
    with pytest.raises(CustomsEtlError, match="no deployments defined"):
        load_specs(empty)
    broken = tmp_path / "broken.yaml"
    broken.write_text("deployments: [\n", encoding="utf-8")
    with pytest.raises(CustomsEtlError, match="not valid YAML"):
        load_specs(broken)


def test_serve_refuses_to_run_without_a_prefect_server() -> None:
    """Prefect's temporary API has no scheduler: the schedules would never fire."""
    with (
        temporary_settings(restore_defaults={PREFECT_API_URL}),
        pytest.raises(CustomsEtlError, match="prefect server start"),
    ):
        serve_all()  # without the check this would serve forever on an API with no scheduler
