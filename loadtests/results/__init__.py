"""Every study's results as pydantic models, the schemas of their JSON files."""
