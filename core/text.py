"""Whitespace as publishers write it, removed the same way on every path.

Exports and pages carry codes with tabs, no-break spaces, full-width spaces (U+3000) and byte
order marks around them (``"10\\t"``, ``"502\\u00a0"``). A code that keeps one is another code:
its rows would not replace the clean ones a later release carries. So codes lose every such
character, wherever it stands, and labels lose them at both ends — with ONE definition of
"whitespace", used by the Python (reference) parsers and written into the SQL (fast) ones,
which must agree byte for byte. DuckDB's ``trim()`` removes spaces only; Python's
``str.strip()`` removes a set that differs from RE2's ``\\s``: neither is used for this.
"""

from __future__ import annotations

import re

# Every character treated as whitespace in codes and labels, as (first, last) code points.
WHITESPACE_RANGES: tuple[tuple[int, int], ...] = (
    (0x09, 0x0D),  # tab, line feed, vertical tab, form feed, carriage return
    (0x20, 0x20),  # space
    (0x85, 0x85),  # next line
    (0xA0, 0xA0),  # no-break space
    (0x1680, 0x1680),  # ogham space mark
    (0x2000, 0x200B),  # en quad … hair space, zero-width space
    (0x2028, 0x2029),  # line and paragraph separators
    (0x202F, 0x202F),  # narrow no-break space
    (0x205F, 0x205F),  # medium mathematical space
    (0x3000, 0x3000),  # ideographic (full-width) space
    (0xFEFF, 0xFEFF),  # byte order mark / zero-width no-break space
)


def _python_class() -> str:
    parts = []
    for first, last in WHITESPACE_RANGES:
        parts.append(f"\\U{first:08x}" if first == last else f"\\U{first:08x}-\\U{last:08x}")
    return "[" + "".join(parts) + "]"


def re2_class() -> str:
    """The same set for DuckDB's regular expressions (RE2 syntax)."""
    parts = []
    for first, last in WHITESPACE_RANGES:
        parts.append(f"\\x{{{first:X}}}" if first == last else f"\\x{{{first:X}}}-\\x{{{last:X}}}")
    return "[" + "".join(parts) + "]"


_ANY = re.compile(_python_class())
_ENDS = re.compile(f"^{_python_class()}+|{_python_class()}+$")


def clean_code(text: str) -> str:
    """A code without any whitespace: ``"10\\t"`` → ``"10"``, ``"5 0 2"`` → ``"502"``."""
    return _ANY.sub("", text)


def clean_label(text: str) -> str:
    """A label without whitespace at either end (inside it stays)."""
    return _ENDS.sub("", text)


def sql_clean_code(column: str) -> str:
    """``clean_code`` as DuckDB SQL over ``column``."""
    return f"regexp_replace({column}, '{re2_class()}', '', 'g')"


def sql_clean_label(column: str) -> str:
    """``clean_label`` as DuckDB SQL over ``column``."""
    cls = re2_class()
    return f"regexp_replace({column}, '^{cls}+|{cls}+$', '', 'g')"
