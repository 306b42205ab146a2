"""Differential testing: random request sequences that Flask and FastAPI must answer alike."""
