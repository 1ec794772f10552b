"""Publishers: one package each (list, fetch, parse, its suite), registered in registry.py."""
