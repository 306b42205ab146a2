"""The studies, one module each: what each `make` target runs."""
