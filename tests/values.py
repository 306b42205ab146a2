"""Values the unit tests share with their fixtures."""

SECRET = "unit-test-secret-0123456789abcdef0123"
