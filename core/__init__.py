"""The bottom layer: errors, settings, models, months, the canonical schema and reference data.

Everything above imports from here; nothing here imports from above (see the import-linter
contract in pyproject.toml).
"""
