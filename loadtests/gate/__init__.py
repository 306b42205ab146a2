"""The verification gate: every server is proven correct before it is timed."""
