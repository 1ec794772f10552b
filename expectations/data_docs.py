"""GX Data Docs for each run: the validations of a run as a static HTML site people can open.

``validate.py`` runs suites on an ephemeral context (fast, keeps nothing). This module keeps a
FILE context under ``docs_dir/gx``, stores the results of those same validations there (no
second run) under the document's name and the run's name, and renders them incrementally into
``docs_dir/site`` (index at ``docs_dir/site/index.html``). Results accumulate across runs; the
index lists every stored result. Lists of failing values are cut to what the pages show.
The pages then load their scripts, stylesheets, fonts and images from ``site/static/vendor``
instead of CDNs (``data_docs_assets``): they work offline.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from customs_etl.core.settings import settings
from customs_etl.expectations.data_docs_assets import build_started, make_offline
from customs_etl.expectations.suites import load_suite

log = logging.getLogger(__name__)

SITE_NAME = "customs_etl"
SHOWN_VALUES = 20  # failing values and row indexes kept per check: what the pages show
_UNSAFE = re.compile(r"[^\w.\-]+")  # store keys become path parts: no '/', '\\' or spaces
_LOCK = threading.Lock()  # GX contexts are not documented as thread-safe
_OPEN: dict[Path, _Docs] = {}


@dataclass(frozen=True)
class DocValidation:
    """One validation the pipeline ran, with the names people will look for in the site."""

    suite_name: str
    result: Any = field(compare=False)  # GX's ExpectationSuiteValidationResult
    label: str  # the document, e.g. "export-85051110-202507.csv": the site's batch ID
    run_name: str  # e.g. the Prefect flow run name: the site's run name


@dataclass
class _Docs:
    """A file context opened once per docs folder per process, and the suites added to it."""

    context: Any
    suites: dict[str, gx.ExpectationSuite] = field(default_factory=dict)


def docs_enabled() -> bool:
    """``$CUSTOMS_ETL_DATA_DOCS`` 0/off/false/no turns Data Docs off (benchmarks); default on."""
    return settings().data_docs


def _site_config(site_dir: Path) -> dict[str, Any]:
    """One local site; every run name listed (GX hides run names containing "profiling")."""
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(site_dir),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "site_section_builders": {
            "profiling": "None",
            "validations": {"run_name_filter": {"matches_regex": ".*"}},
        },
    }


def _open(docs_dir: Path) -> _Docs:
    """The cached context for ``docs_dir``; safe on an existing folder (created or reused)."""
    if docs_dir not in _OPEN:
        docs_dir.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=docs_dir)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.analytics_enabled = False
        # Only our site: the default one would render a second copy under gx/uncommitted.
        context.variables.data_docs_sites = {SITE_NAME: _site_config(docs_dir / "site")}
        context.variables.save()
        _OPEN[docs_dir] = _Docs(context=context)
    return _OPEN[docs_dir]


def _suite(docs: _Docs, name: str) -> tuple[gx.ExpectationSuite, bool]:
    """The saved suite, (re)stored in the context once per process; True when just stored."""
    if name in docs.suites:
        return docs.suites[name], False
    saved = load_suite(name)  # refuses a suite that comes back empty
    stored = docs.context.suites.add_or_update(saved)
    if not stored.expectations or len(stored.expectations) != len(saved.expectations):
        raise RuntimeError(f"suite {name} stored with {len(stored.expectations)} expectations")
    docs.suites[name] = stored
    return stored, True


def _key_part(text: str) -> str:
    """A store-key part from a label or run name (keys become folder and file names)."""
    return _UNSAFE.sub("_", text).strip("_")[:150] or "unnamed"


_LONG_LISTS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")


def _trimmed(result: Any) -> Any:
    """The result with its per-check lists cut to what the pages show (a failing check on a
    large frame lists every row). In place: the pipeline has read what it needs from it."""
    for item in result.results:
        for key in _LONG_LISTS:
            values = (item.result or {}).get(key)
            if isinstance(values, list) and len(values) > SHOWN_VALUES:
                item.result[key] = values[:SHOWN_VALUES]
    return result


ROW_MEANING = (
    "the line in the file (line 1 is the header); in a bulletin, the row of its table: the "
    "row number customs-etl quarantine show prints"
)


def _explain_rows(result: Any) -> None:
    """Say what ``source_row`` means where the page names failing rows by it (the page's
    "Show more info..." lists it under Batch Markers)."""
    named = any(
        "source_row" in ((item.result or {}).get("unexpected_index_column_names") or [])
        for item in result.results
    )
    if named:
        markers = result.meta.get("batch_markers") or {}
        result.meta["batch_markers"] = {**markers, "source_row": ROW_MEANING}


def _store(docs: _Docs, item: DocValidation, suite: gx.ExpectationSuite) -> Any:
    result = _trimmed(item.result)
    result.meta["document"] = item.label
    result.meta["run_name"] = item.run_name
    _explain_rows(result)
    # One run time per validation: two results of one run never share a key.
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
        run_id=RunIdentifier(run_name=_key_part(item.run_name), run_time=datetime.now(UTC)),
        batch_identifier=_key_part(item.label),
    )
    docs.context.validation_results_store.set(key, result)
    return key


def build_data_docs(validations: Sequence[DocValidation], docs_dir: Path | str) -> Path:
    """Store each validation result, render its page and the index; return the index path."""
    root = Path(docs_dir).resolve()
    with _LOCK:
        docs = _open(root)
        changed: list[Any] = []
        index = root / "site" / "index.html"
        try:
            for item in validations:
                suite, new = _suite(docs, item.suite_name)
                if new:
                    changed.append(ExpectationSuiteIdentifier(name=suite.name))
                changed.append(_store(docs, item, suite))
        finally:  # results already stored get their pages even if a later one failed
            if changed or not index.exists():  # no identifiers would mean a full rebuild
                started = build_started()
                docs.context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=changed)
                _offline(root / "site", started)
    return index


def _offline(site: Path, since: float) -> None:
    """The pages GX just wrote, made to load local copies; on failure they keep GX's CDN
    links (they still work online): documentation never fails a run."""
    try:
        make_offline(site, since)
    except Exception as exc:
        log.warning("Data Docs keep their CDN links: %s: %s", type(exc).__name__, exc)
