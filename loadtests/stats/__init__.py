"""Intervals, verdicts and run-to-run changes: pure functions of stored results."""
