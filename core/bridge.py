"""Run the core's sync code from asyncio, with the database I/O awaited rather than blocking.

An asynchronous `Database` (core/db.py) sits on an asyncio driver. Inside `call`, SQLAlchemy's
greenlet bridge — the mechanism behind `AsyncSession.run_sync` — runs a service as ordinary sync
code and, each time the driver waits on the database, hands control back to the event loop. So
the async front end calls the very same services, rules and transactions as the other two.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

from sqlalchemy.util import greenlet_spawn

P = ParamSpec("P")
T = TypeVar("T")


async def call(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    result: T = await greenlet_spawn(partial(function, *args, **kwargs))
    return result
