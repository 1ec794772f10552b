"""One document per table and month: a deterministic container of the pages' exact bytes.

GACC publishes each table of a month twice, "(in CNY)" and "(in USD)": the same rows and
quantities, values in each currency. Loaded as two documents of the same slices, the later
would replace the earlier in ``core.latest`` and one currency's values would be lost; so a
month's table is ONE document holding both pages. Its bytes are this container::

    customs-etl preliminary bundle 1\\n
    CNY <length> <sha256 of the page>\\n
    USD <length> <sha256 of the page>\\n
    \\n
    <the CNY page's bytes><the USD page's bytes>

Parts in a fixed order (CNY, USD, then ANY: a page whose index row named no currency), each
page exactly as served, nothing else — no URL, no fetch time — so the same pages give the same
bytes and the same sha256 (an unchanged month is a no-op), and a changed page gives a new
document (a new vintage). A month with only one currency linked holds that page alone. Pure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from customs_etl.core.errors import ParseError

MAGIC = b"customs-etl preliminary bundle 1\n"
ORDER = ("CNY", "USD", "ANY")
_PART = re.compile(rb"(CNY|USD|ANY) (\d{1,12}) ([0-9a-f]{64})")


def pack(pages: Mapping[str, bytes]) -> bytes:
    """The container of ``pages`` (currency label → the page's bytes as served)."""
    unknown = set(pages) - set(ORDER)
    if unknown or not pages:
        raise ValueError(f"parts must be some of {ORDER}, got {sorted(pages)}")
    labels = [label for label in ORDER if label in pages]
    lines = [
        f"{label} {len(pages[label])} {hashlib.sha256(pages[label]).hexdigest()}\n".encode()
        for label in labels
    ]
    return MAGIC + b"".join(lines) + b"\n" + b"".join(pages[label] for label in labels)


def is_bundle(content: bytes) -> bool:
    return content.startswith(MAGIC)


def unpack(content: bytes, source: str) -> dict[str, bytes]:
    """The pages of a container, each checked against its length and sha256."""
    if not is_bundle(content):
        raise ParseError(source, f"not a preliminary-release bundle (no {MAGIC.strip()!r} line)")
    head, sep, body = content[len(MAGIC) :].partition(b"\n\n")
    if not sep:
        raise ParseError(source, "bundle without the blank line that ends its part list")
    parts: dict[str, bytes] = {}
    offset = 0
    for line in head.split(b"\n"):
        m = _PART.fullmatch(line)
        if not m or m.group(1).decode() in parts:
            raise ParseError(source, f"unreadable bundle part line {line[:80]!r}")
        label, length, digest = m.group(1).decode(), int(m.group(2)), m.group(3).decode()
        page = body[offset : offset + length]
        if len(page) != length or hashlib.sha256(page).hexdigest() != digest:
            raise ParseError(source, f"bundle part {label} is cut off or altered")
        parts[label] = page
        offset += length
    if offset != len(body) or [p for p in ORDER if p in parts] != list(parts):
        raise ParseError(source, "bundle parts out of order or trailing bytes after the last")
    return parts
