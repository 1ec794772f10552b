"""Which HS6 codes a Comtrade pull asks for: the watchlist's, or those ``--commodity`` names.

``--commodity`` takes HS6 codes (``850511``) and catalogue keys that carry HS6 codes
(``gallium``: its codes), repeatable; anything else is refused in one line listing the keys,
before a request is made. A narrowed pull costs requests (and rate limit) for its codes only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from customs_etl.core.catalogue import COMMODITIES, WATCHLIST, resolve_commodity
from customs_etl.core.errors import BadArgument, CustomsEtlError

_HS6 = re.compile(r"\d{6}")


def watched_hs6() -> tuple[str, ...]:
    """Every HS6 code of the watchlist, each once (what an unfiltered pull asks for)."""
    return tuple(sorted({code for spec in WATCHLIST for code in spec.hs6}))


def keys_with_hs6() -> list[str]:
    """The catalogue keys ``--commodity`` takes for Comtrade (those with HS6 codes)."""
    return sorted(name for name, spec in COMMODITIES.items() if spec.hs6)


def hs6_codes(wanted: Sequence[str]) -> tuple[str, ...]:
    """HS6 codes for ``--commodity`` values (codes or catalogue keys), sorted, each once."""
    codes: set[str] = set()
    for value in wanted:
        digits = re.sub(r"[.\s]", "", value)
        if _HS6.fullmatch(digits):
            codes.add(digits)
            continue
        try:
            spec = resolve_commodity(value)
        except CustomsEtlError:
            spec = None
        if spec is None or not spec.hs6:
            raise BadArgument(
                f"--commodity {value!r}: comtrade takes an HS6 code (6 digits, e.g. 850511) "
                f"or one of {', '.join(keys_with_hs6())}"
            )
        codes.update(spec.hs6)
    return tuple(sorted(codes))
