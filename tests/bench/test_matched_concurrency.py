"""FastAPI runs its sync routes on as many threads as THREADPOOL_LIMIT says (anyio's default is
40): the benchmark sets it to the Flask server's thread count so both get the same concurrency."""

from __future__ import annotations

import anyio
import anyio.to_thread

from core.settings import Settings
from fastapi_impl.app import create_app


def test_the_threadpool_limit_is_applied_when_the_app_starts(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"threadpool_limit": 3}))

    async def limit_once_started() -> float:
        async with app.router.lifespan_context(app):  # what every ASGI server runs at start-up
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(limit_once_started) == 3
