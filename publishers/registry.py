"""Every publisher, registered in this one place, and the names the command line accepts."""

from __future__ import annotations

from customs_etl.core.errors import CustomsEtlError
from customs_etl.publishers import comtrade, gacc_bulletin, gacc_query, sample
from customs_etl.publishers.base import Publisher

PUBLISHERS: dict[str, Publisher] = {
    p.name: p
    for p in (gacc_bulletin.PUBLISHER, comtrade.PUBLISHER, gacc_query.PUBLISHER, sample.PUBLISHER)
}
# Earlier spellings still accepted on the command line and in deployment parameters.
_ALIASES = {"gacc-bulletin": gacc_bulletin.NAME, "gacc-query": gacc_query.NAME}


def publisher(name: str) -> Publisher:
    """The publisher called ``name`` (the warehouse's spelling, e.g. ``gacc_bulletin``)."""
    key = _ALIASES.get(name.strip(), name.strip())
    if key not in PUBLISHERS:
        known = ", ".join(sorted(PUBLISHERS))
        raise CustomsEtlError(f"unknown source {name!r}; known: {known}")
    return PUBLISHERS[key]


def automated() -> list[Publisher]:
    """What the schedule polls (never the modeled sample)."""
    return [p for p in PUBLISHERS.values() if p.automated]


def publishers(names: str | list[str] | None) -> list[Publisher]:
    """Named publishers, checked; none named means the automated ones, as the schedule polls:
    the modeled sample is only ever loaded when asked for by name."""
    if names is None or names == []:
        return automated()
    return [publisher(n) for n in ([names] if isinstance(names, str) else names)]
