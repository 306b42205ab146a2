"""Tests that need a server of their own: a live server of the target's front end, started with
other settings than the suite's, on its own fresh database."""
