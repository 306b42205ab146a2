"""The FastAPI front end: a thin ASGI adapter over `core`."""
