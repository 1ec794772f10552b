"""``python -m customs_etl`` runs the command line."""

from customs_etl.cli import main

main()
