"""The Flask front end: a thin WSGI adapter over `core`."""
