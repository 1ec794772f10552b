"""The pipeline steps as the flows call them: each document prepared with its own publisher."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from customs_etl.core.models import RawDocument
from customs_etl.pipeline.prepare import PreparedBatch, prepare
from customs_etl.publishers.registry import publisher


def prepared(doc: RawDocument, **options: Any) -> PreparedBatch:
    return prepare(doc, publisher(doc.source), **options)


def validation_frame_of(observations: pd.DataFrame, today: date) -> pd.DataFrame:
    """The frame a release suite validates, from a pandas frame of canonical observations."""
    from customs_etl.core.schema import conform, to_arrow
    from customs_etl.expectations.validate import validation_frame

    return validation_frame(to_arrow(conform(observations)), today)
