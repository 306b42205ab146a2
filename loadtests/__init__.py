"""The benchmark harness: `python -m loadtests <study>` (cli.py), in layers by job (docs/architecture.md)."""
