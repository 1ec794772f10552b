"""Helpers shared by the test-suite (local HTTP site, …)."""
