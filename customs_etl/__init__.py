"""customs-etl: China customs trade releases → validated DuckDB warehouse."""

from customs_etl.expectations import gx_loading

__version__ = "0.1.0"

# Before any module of ours can import Great Expectations: its first import skips what our
# suites never use (see expectations/gx_loading.py).
gx_loading.install()
