"""One session per study: output folder, pinning, seeded databases, fixture, and the server pool."""
