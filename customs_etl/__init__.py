"""customs-etl: China customs trade releases → validated DuckDB warehouse."""

__version__ = "0.1.0"
