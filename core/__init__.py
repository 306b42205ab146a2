"""The shop's domain: models, schemas, services, auth. Imports no web framework."""
