"""Read a rendered GX Data Docs validation page the way a reviewer reads it."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from bs4 import BeautifulSoup


def _cells(text: str) -> list[str]:
    """GX lists a value's rows as "41, 51, 52" (cut with "..." after ten)."""
    return [c.strip() for c in text.split(",") if c.strip() and c.strip() != "..."]


def unexpected_rows(page: Path) -> dict[tuple[str, str | None], list[int]]:
    """(checked column, document) → the rows the page names as failing, from its
    "Unexpected Value | Count | release_id | source_row" tables (document None when the table
    names no document). A table that names rows by GX's frame position ("Index") is refused."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    found: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for table in soup.find_all("table"):
        header = [th.get_text(" ", strip=True) for th in table.find_all("th")]
        if header[1:2] != ["Count"] or not header[0].endswith(("Unexpected Value", "Values")):
            continue
        assert "Index" not in header, f"{page.name}: rows named by frame position: {header}"
        section = table.find_parent(class_="ge-section")
        column = section.find("h5").get_text(strip=True)
        for tr in table.find("tbody").find_all("tr"):
            cells = dict(zip(header, (td.get_text(" ", strip=True) for td in tr.find_all("td")),
                             strict=True))  # fmt: skip
            rows = [int(r) for r in _cells(cells["source_row"])]
            documents = _cells(cells["release_id"]) if "release_id" in cells else [None] * len(rows)
            for document, row in zip(documents, rows, strict=True):
                found[(column, document)].append(row)
    return {key: sorted(rows) for key, rows in found.items()}
