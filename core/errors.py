"""The project's own error types.

Every failure a user can cause (bad file, bad argument, unreachable source) is raised as a
``CustomsEtlError`` so the CLI can print one clear line instead of a traceback.
"""

from __future__ import annotations


class CustomsEtlError(Exception):
    """Base class: a failure with a message meant for the person running the pipeline."""


class ParseError(CustomsEtlError):
    """A document could not be read; names the file (or URL), and the row and field when known."""

    def __init__(
        self,
        source: str,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.row = row
        self.field = field
        self.reason = message
        where = source
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


class BadArgument(CustomsEtlError):
    """An argument a command cannot honour as given (e.g. ``--commodity`` for a source that
    cannot filter by it): a usage error, which the command line exits 2 for."""


class SourceError(CustomsEtlError):
    """A publisher could not be reached or answered with something that is not data."""


class NotPublishedYet(CustomsEtlError):
    """The requested period is not released yet (a normal outcome for scheduled polls)."""


class WarehouseBusy(CustomsEtlError):
    """Another process holds the warehouse for writing."""
