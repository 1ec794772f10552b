"""Fetching a month as a Prefect task: retried on what may pass (timeouts, 5xx, 429), never on
what will not (a page that is not data, a 4xx)."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.states import State

from customs_etl.core.errors import ParseError
from customs_etl.core.models import RawDocument
from customs_etl.publishers.http import HttpStatusError, UnexpectedContent
from customs_etl.publishers.registry import publisher


def worth_retrying(task: object, task_run: object, state: State) -> bool:
    """Retry what a moment may fix (timeouts, resets, 5xx, 429); never a refusal.

    A challenge page (412), a 404 or a page that does not parse will answer the same way in
    ten seconds; retrying only hammers the site (and a WAF remembers).
    """
    try:
        state.result()
    except HttpStatusError as exc:
        return exc.status >= 500 or exc.status == 429
    except (ParseError, UnexpectedContent):
        return False
    except Exception:
        return True
    return True


@task(
    name="fetch",
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=worth_retrying,
    cache_policy=NO_CACHE,
)
def fetch_month(source: str, month: date, cache: dict | None = None) -> list[RawDocument]:
    """List and fetch what ``source`` released for ``month`` (retried: sources are remote)."""
    return publisher(source).documents_for_month(month, {} if cache is None else cache)
