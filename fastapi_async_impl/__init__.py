"""The async FastAPI front end: `async def` routes on an asyncio database driver, over the same core."""
