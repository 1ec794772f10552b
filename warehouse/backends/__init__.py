"""The warehouse's two backends: a DuckDB file and a DuckLake (see ``warehouse.db``)."""
