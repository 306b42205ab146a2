"""Use cases. Each takes plain values and a Database, owns its transaction, returns schemas."""
