"""Route modules, one per resource, as in fastapi_impl/routes/."""
