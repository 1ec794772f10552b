"""``customs-etl serve``: the deployments of ``flows/prefect.yaml``, served from one process.

The deployments are defined once, in ``flows/prefect.yaml``, which ships inside the package
(``customs_etl.flows``): the worker path (``prefect deploy --all --prefect-file
flows/prefect.yaml``) reads it from a checkout, and ``serve`` reads the installed copy, so both
run the same names, schedules, parameters and concurrency limits — from a wheel too. Its file
entrypoints (``flows/definitions.py:…``, relative to the checkout) are the installed modules
(``customs_etl.flows.definitions``) when served.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from prefect import Flow, serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule
from prefect.settings import get_current_settings

from customs_etl.core.errors import CustomsEtlError
from customs_etl.warehouse.db import ENV_WAREHOUSE
from customs_etl.warehouse.location import locate

PREFECT_YAML = Path(str(resources.files("customs_etl.flows") / "prefect.yaml"))
PROJECT_ROOT = PREFECT_YAML.parent.parent  # a checkout's root (where `prefect deploy` runs)
PACKAGE = "customs_etl"


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


def module_of(entrypoint: str) -> tuple[str, str]:
    """``flows/definitions.py:scheduled_flow`` → (``customs_etl.flows.definitions``,
    ``scheduled_flow``): the checkout's folders are subpackages of the one installed package."""
    path, _, attribute = entrypoint.partition(":")
    dotted = path.removeprefix("./").removesuffix(".py").replace("/", ".")
    return f"{PACKAGE}.{dotted.removeprefix(PACKAGE + '.')}", attribute


def load_entrypoint(entrypoint: str) -> Flow[..., Any]:
    """``flows/definitions.py:scheduled_flow`` → the installed flow object."""
    module_name, attribute = module_of(entrypoint)
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
    deployments = build_deployments(prefect_file, names)
    if not get_current_settings().api.url:
        raise CustomsEtlError(
            f"serve needs a Prefect server for its {len(deployments)} deployment(s): start one "
            "with `prefect server start --background` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
    if warehouse is not None:
        os.environ[ENV_WAREHOUSE] = locate(warehouse).for_environment()
    serve(*deployments, limit=limit)
