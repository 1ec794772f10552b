"""What every source hands the pipeline: a document's bytes and what is known about it.

Sources list and fetch; they never parse. Hints (flow, tariff line, month range) travel with
the bytes because some publishers' documents do not state them (query-platform exports).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property


@dataclass(frozen=True)
class RawDocument:
    """One release document as received, content-addressed by its sha256."""

    name: str
    source: str
    content: bytes = field(repr=False)
    url: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    published_on: date | None = None
    flow: str | None = None
    commodity_code: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    coverage: str = "full"  # "partial": a filtered export that updates only what it carries

    @cached_property
    def sha256(self) -> str:
        """The release id: the same bytes are the same release, whatever their name."""
        return hashlib.sha256(self.content).hexdigest()
