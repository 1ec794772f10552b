"""``customs-etl serve``: the deployments of ``prefect.yaml``, served from one process.

Why read the YAML: the worker path (``prefect deploy --all``) and the single-machine path must
run the same schedules, so names, entrypoints, schedules, parameters and concurrency limits are
taken from ``prefect.yaml`` instead of being repeated in Python.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from prefect import Flow, serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule
from prefect.settings import get_current_settings

from customs_etl.errors import CustomsEtlError
from warehouse.db import ENV_WAREHOUSE, warehouse_path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"


def load_specs(prefect_file: Path = PREFECT_YAML) -> list[dict[str, Any]]:
    """The ``deployments:`` entries of ``prefect_file`` (YAML anchors resolved)."""
    try:
        document = yaml.safe_load(prefect_file.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise CustomsEtlError(f"{prefect_file}: cannot read the deployments file ({exc})") from None
    except yaml.YAMLError as exc:
        raise CustomsEtlError(f"{prefect_file}: not valid YAML ({exc})") from None
    specs = document.get("deployments") or []
    if not specs:
        raise CustomsEtlError(f"{prefect_file}: no deployments defined")
    return specs


def load_entrypoint(entrypoint: str) -> Flow[..., Any]:
    """``flows/pipeline.py:scheduled_flow`` → the flow object, imported as a module."""
    path, _, attribute = entrypoint.partition(":")
    module_name = path.removesuffix(".py").replace("/", ".")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise CustomsEtlError(f"entrypoint {entrypoint}: {exc}") from None
    if not isinstance(found, Flow):
        raise CustomsEtlError(f"entrypoint {entrypoint} is not a Prefect flow")
    return found


def to_schedule(config: dict[str, Any]) -> Schedule:
    """One ``schedules:`` item (cron or interval seconds) as the object ``prefect deploy`` makes."""
    common = {
        "timezone": config.get("timezone"),
        "active": config.get("active", True),
        "parameters": config.get("parameters") or {},
        "slug": config.get("slug"),
    }
    if config.get("cron"):
        return Cron(config["cron"], day_or=config.get("day_or", True), **common)
    if config.get("interval"):
        return Interval(timedelta(seconds=float(config["interval"])), **common)
    raise CustomsEtlError(f"schedule {config!r}: only cron and interval are supported")


def to_concurrency(value: int | dict[str, Any] | None) -> int | ConcurrencyLimitConfig | None:
    """``concurrency_limit`` as an int or ``{limit, collision_strategy}`` mapping."""
    if isinstance(value, dict):
        return ConcurrencyLimitConfig(**{k: v for k, v in value.items() if v is not None})
    return value


def build_deployments(
    prefect_file: Path = PREFECT_YAML, names: Iterable[str] | None = None
) -> list[RunnerDeployment]:
    """RunnerDeployments for ``prefect.serve``: every deployment, or only ``names``."""
    specs = load_specs(prefect_file)
    wanted = set(names) if names is not None else {spec["name"] for spec in specs}
    unknown = wanted - {spec["name"] for spec in specs}
    if unknown:
        raise CustomsEtlError(f"no deployment named {', '.join(sorted(unknown))} in {prefect_file}")
    deployments = []
    for spec in specs:
        if spec["name"] not in wanted:
            continue
        flow = load_entrypoint(spec["entrypoint"])
        deployments.append(
            flow.to_deployment(
                name=spec["name"],
                description=spec.get("description"),
                tags=list(spec.get("tags") or []),
                parameters=spec.get("parameters") or {},
                schedules=[to_schedule(s) for s in spec.get("schedules") or []],
                concurrency_limit=to_concurrency(spec.get("concurrency_limit")),
                entrypoint_type=EntrypointType.MODULE_PATH,  # runs from any directory
            )
        )
    return deployments


def serve_all(
    prefect_file: Path = PREFECT_YAML,
    names: Iterable[str] | None = None,
    warehouse: str | os.PathLike[str] | None = None,
    limit: int = 1,
) -> None:
    """Serve the deployments until interrupted, ``limit`` runs at a time (one DuckDB writer).

    Needs a Prefect server: the temporary API Prefect starts when PREFECT_API_URL is unset runs
    no scheduler, so the schedules would silently never fire. ``warehouse`` is exported as
    $CUSTOMS_ETL_WAREHOUSE (absolute) for the flow-run processes, like a worker's environment.
    """
    if not get_current_settings().api.url:
        raise CustomsEtlError(
            "serve needs a Prefect server for its schedules: start one with "
            "`prefect server start --background` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
    deployments = build_deployments(prefect_file, names)
    if warehouse is not None:
        os.environ[ENV_WAREHOUSE] = str(warehouse_path(warehouse).resolve())
    serve(*deployments, limit=limit)
