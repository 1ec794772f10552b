"""``python -m customs_etl`` runs the command line."""

from customs_etl.program import run

run()
