"""The landing folder analysts drop query-platform exports into: list, settle, read, file away.

A folder path or any fsspec URL (``s3://bucket/inbox``, ``memory://inbox``; S3 needs the
``s3fs`` package). Files directly in the folder are the inbox. A file is read only once its
size has stopped changing (a browser or ``aws s3 cp`` may still be writing it); after the
pipeline decided, it moves to ``done/`` or ``failed/`` (with a ``.reason.txt`` beside it), so
a bad file is never retried in a loop. Identity is the content hash, not the name: a file
dropped twice is recognised by the warehouse and filed away as done without a second load.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import fsspec
from fsspec.core import url_to_fs

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.settings import settings

DONE, FAILED = "done", "failed"
ACCEPTED_SUFFIXES = (".csv",)


def landing_location(explicit: str | None = None) -> str:
    """``--location`` beats ``$CUSTOMS_ETL_LANDING_URL`` beats ``./data/landing``."""
    return explicit or settings().landing_url


@dataclass(frozen=True)
class LandedFile:
    """One settled file in the inbox."""

    path: str
    name: str
    size: int
    url: str


class LandingZone:
    """Inbox listing and filing on any fsspec filesystem."""

    def __init__(self, location: str | None = None) -> None:
        self.location = landing_location(location)
        try:
            fs, root = url_to_fs(self.location)
        except (ImportError, ValueError) as exc:
            raise CustomsEtlError(f"landing location {self.location!r}: {exc}") from None
        self.fs: fsspec.AbstractFileSystem = fs
        self.root = root.rstrip("/")
        if not self.fs.exists(self.root):
            self.fs.makedirs(self.root, exist_ok=True)

    def _sizes(self) -> dict[str, int]:
        entries = self.fs.ls(self.root, detail=True)
        return {
            e["name"]: int(e.get("size") or 0)
            for e in entries
            if e.get("type") == "file"
            and e["name"].lower().endswith(ACCEPTED_SUFFIXES)
            and not e["name"].rsplit("/", 1)[-1].startswith(".")
        }

    def settled(self, settle_seconds: float = 5.0) -> tuple[list[LandedFile], list[str]]:
        """Files whose size did not change over ``settle_seconds``; and those still growing.

        A file that stayed empty over the settle time is ready too: the pipeline refuses it
        ("empty file") and it is filed to failed/, instead of waiting forever.
        """
        before = self._sizes()
        if not before:
            return [], []
        time.sleep(settle_seconds)
        after = self._sizes()
        ready, growing = [], []
        for path, size in sorted(before.items()):
            name = path.rsplit("/", 1)[-1]
            if after.get(path) != size:
                growing.append(name)
                continue
            ready.append(LandedFile(path, name, size, self.fs.unstrip_protocol(path)))
        return ready, growing

    def read(self, landed: LandedFile) -> bytes:
        try:
            return self.fs.cat_file(landed.path)
        except OSError as exc:
            raise CustomsEtlError(f"{landed.url}: cannot read ({exc})") from None

    def file_away(self, landed: LandedFile, outcome: str, sha256: str, reason: str = "") -> str:
        """Move a decided file to done/ or failed/ (name prefixed by its hash); return where."""
        folder = FAILED if outcome == FAILED else DONE
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = f"{self.root}/{folder}/{sha256[:12]}-{landed.name}"
        self.fs.makedirs(f"{self.root}/{folder}", exist_ok=True)
        self.fs.mv(landed.path, target)
        if folder == FAILED:
            self.fs.pipe_file(
                f"{target}.reason.txt", f"{stamp} {reason}\n".encode(), mode="overwrite"
            )
        return self.fs.unstrip_protocol(target)
