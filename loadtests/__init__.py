"""Locust scenarios, the benchmark runner (`make bench`) and its report."""
