"""The worker path for real: ``prefect server start``, ``prefect deploy --all`` from prefect.yaml,
a process worker, a backfill triggered through the API, and the warehouse it wrote.

Why: a prefect.yaml that Prefect skips, a pull step that points nowhere or a parameter the
deployment rejects only show up against a real server and worker. No network is used.
"""

from __future__ import annotations

import csv
import shlex
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.settings import PREFECT_API_URL, temporary_settings

from customs_etl.flows.deployments import PREFECT_YAML, PROJECT_ROOT
from customs_etl.publishers.sample import PUBLISHER as SAMPLE
from customs_etl.publishers.sample import sample_folder
from tests.support.prefect_server import PrefectServer, prefect_server

pytestmark = pytest.mark.slow

POOL = "customs-etl"
RUN_TIMEOUT_SECONDS = 120
BACKFILL = {"source": "sample", "start": "2025-06", "end": "2025-07"}


@dataclass
class Deployed:
    server: PrefectServer
    folder: Path
    warehouse: Path
    deploy_output: str


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """A server with the pool created and every prefect.yaml deployment deployed."""
    folder = tmp_path_factory.mktemp("prefect-e2e")
    warehouse = folder / "warehouse.duckdb"
    settings = {
        "CUSTOMS_ETL_WAREHOUSE": str(warehouse),
        "CUSTOMS_ETL_LANDING_URL": str(folder / "landing"),
        # only the runs this test triggers: no scheduled monthly or landing runs appear
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
    }
    with prefect_server(folder, settings) as server:
        server.cli("work-pool", "create", POOL, "--type", "process")
        # as a user would: from the project root, where the pull step records $PWD
        result = server.cli(
            "--no-prompt", "deploy", "--all", "--prefect-file", "flows/prefect.yaml",
            cwd=PROJECT_ROOT, PWD=str(PROJECT_ROOT),
        )  # fmt: skip
        yield Deployed(server, folder, warehouse, result.stdout + result.stderr)


def _read(server: PrefectServer, name: str) -> Any:
    with (
        temporary_settings({PREFECT_API_URL: server.api_url}),
        get_client(sync_client=True) as client,
    ):
        return client.read_deployment_by_name(name)


def _specs() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    return {spec["name"]: spec for spec in document["deployments"]}


def test_every_deployment_is_on_the_server(deployed: Deployed) -> None:
    flows = {"monthly": "scheduled-monthly", "landing": "landing", "backfill": "backfill"}
    for name, flow_name in flows.items():
        deployment = _read(deployed.server, f"{flow_name}/{name}")
        assert deployment.work_pool_name == POOL, deployed.deploy_output
        assert deployment.global_concurrency_limit.limit == 1
        (step,) = deployment.pull_steps
        assert step["prefect.deployments.steps.set_working_directory"] == {
            "directory": str(PROJECT_ROOT)
        }


def test_monthly_schedule_carries_cron_and_timezone(deployed: Deployed) -> None:
    (wanted,) = _specs()["monthly"]["schedules"]
    deployment = _read(deployed.server, "scheduled-monthly/monthly")
    (schedule,) = deployment.schedules
    assert schedule.active
    assert (schedule.schedule.cron, schedule.schedule.timezone) == (
        wanted["cron"],
        "Asia/Shanghai",
    )
    assert not _read(deployed.server, "backfill/backfill").schedules


def test_documented_run_commands_pass_parameters_as_strings(deployed: Deployed) -> None:
    """The README's two quoting styles, run through bash, produce the same parameters."""
    commands = [
        "prefect deployment run 'backfill/backfill' --param source='\"sample\"'"
        " --param start='\"2025-06\"' --param end='\"2025-07\"' --start-in 'in 1 hour'",
        "prefect deployment run 'backfill/backfill'"
        ' --params \'{"source": "sample", "start": "2025-06", "end": "2025-07"}\''
        " --start-in 'in 1 hour'",
    ]
    with (
        temporary_settings({PREFECT_API_URL: deployed.server.api_url}),
        get_client(sync_client=True) as client,
    ):
        for command in commands:
            output = deployed.server.shell(command, cwd=deployed.folder)
            run_id = next(
                line.split("UUID:")[1].strip() for line in output.splitlines() if "UUID:" in line
            )
            run = client.read_flow_run(run_id)
            client.delete_flow_run(run.id)  # scheduled an hour ahead: never runs
            assert run.parameters == BACKFILL, shlex.split(command)


def _wait_for_final_state(client: SyncPrefectClient, run_id: Any, server: PrefectServer) -> Any:
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        run = client.read_flow_run(run_id)
        if run.state is not None and run.state.is_final():
            return run
        time.sleep(1)
    state = run.state.name if run.state else "no state"
    raise AssertionError(
        f"backfill run still {state} after {RUN_TIMEOUT_SECONDS} s\n{server.log_tail()}"
    )


def _published_world_kg(month: date) -> Decimal:
    with (sample_folder() / "manifest.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["period"] == f"{month:%Y-%m}" and row["partner"] == "WLD":
                return Decimal(row["quantity_kg"])
    raise AssertionError(f"no world figure for {month:%Y-%m} in the sample manifest")


def test_backfill_deployment_runs_on_a_worker_and_loads_the_warehouse(
    deployed: Deployed,
) -> None:
    server = deployed.server
    worker_dir = deployed.folder / "worker-cwd"  # not the project: the pull step must cd there
    worker_dir.mkdir()
    with (
        server.background(
            "worker", "start", "--pool", POOL, "--limit", "1", name="worker", cwd=worker_dir
        ),
        temporary_settings({PREFECT_API_URL: server.api_url}),
        get_client(sync_client=True) as client,
    ):
        deployment = client.read_deployment_by_name("backfill/backfill")
        run = client.create_flow_run_from_deployment(deployment.id, parameters=BACKFILL)
        finished = _wait_for_final_state(client, run.id, server)
        if not finished.state.is_completed():
            pytest.fail(
                f"backfill run {finished.state.name}: {finished.state.message}\n{server.log_tail()}"
            )
        assert finished.parameters == BACKFILL

    months = [date(2025, 6, 1), date(2025, 7, 1)]
    expected = {doc.sha256 for month in months for doc in SAMPLE.documents_for_month(month, {})}
    with duckdb.connect(str(deployed.warehouse), read_only=True) as con:
        releases = dict(con.execute("SELECT release_id, status FROM raw.releases").fetchall())
        world = dict(
            con.execute(
                "SELECT period, quantity_kg FROM marts.world_monthly"
                " WHERE commodity_code = '85051110' AND flow = 'export'"
            ).fetchall()
        )
    assert releases == dict.fromkeys(expected, "loaded")
    assert world == {month: _published_world_kg(month) for month in months}


def test_serve_registers_the_same_deployments_with_a_runner(deployed: Deployed) -> None:
    """Last, as it re-registers the deployments: ``serve`` builds them from prefect.yaml."""
    server, specs = deployed.server, _specs()
    flows = {"monthly": "scheduled-monthly", "landing": "landing", "backfill": "backfill"}
    serve = [
        sys.executable, "-c", "from customs_etl.flows.deployments import serve_all; serve_all()"
    ]
    by_module = {  # served runs import installed modules: flows/landing.py:f → customs_etl.…
        name: "customs_etl." + spec["entrypoint"].replace(".py:", ".").replace("/", ".")
        for name, spec in specs.items()
    }
    with server.background(command=serve, name="serve", cwd=deployed.folder):
        deadline = time.monotonic() + 60
        served: dict[str, Any] = {}
        while time.monotonic() < deadline and len(served) < len(flows):
            time.sleep(1)
            for name, flow_name in flows.items():
                deployment = _read(server, f"{flow_name}/{name}")
                if deployment.entrypoint == by_module[name]:  # re-registered by the runner
                    served[name] = deployment
        if len(served) < len(flows):
            pytest.fail(f"serve registered only {sorted(served)} in 60 s\n{server.log_tail()}")
    for name, deployment in served.items():
        want = [(s["cron"], s["timezone"]) for s in specs[name].get("schedules") or []]
        got = [(s.schedule.cron, s.schedule.timezone) for s in deployment.schedules]
        assert got == want, name
        assert deployment.global_concurrency_limit.limit == 1
