"""The pipeline steps as the flows call them: each document prepared with its own publisher."""

from __future__ import annotations

from typing import Any

from customs_etl.core.models import RawDocument
from customs_etl.pipeline.prepare import PreparedBatch, prepare
from customs_etl.publishers.registry import publisher


def prepared(doc: RawDocument, **options: Any) -> PreparedBatch:
    return prepare(doc, publisher(doc.source), **options)
