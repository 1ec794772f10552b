"""Full-scale benchmark: synthetic query-platform exports and a timing harness (not tests)."""
