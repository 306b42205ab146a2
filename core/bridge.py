"""Run the core's sync code from asyncio, with the database I/O awaited rather than blocking.

An asynchronous `Database` (core/db.py) sits on an asyncio driver. Inside `call`, SQLAlchemy's
greenlet bridge — the mechanism behind `AsyncSession.run_sync` — runs a service as ordinary sync
code and, each time the driver waits on the database, hands control back to the event loop. So
the async front end calls the very same services, rules and transactions as the other two.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

from sqlalchemy.util import await_only, greenlet_spawn

from core.auth import Passwords

P = ParamSpec("P")
T = TypeVar("T")


async def call(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    result: T = await greenlet_spawn(partial(function, *args, **kwargs))
    return result


class ThreadedPasswords(Passwords):
    """Passwords for services that `call` runs. Argon2 is slow by design (tens of ms) and
    argon2-cffi releases the GIL while it works, so it runs in a worker thread and the event loop
    serves other requests meanwhile; run in the greenlet, it stopped every request of the worker."""

    def hash(self, password: str) -> str:
        result: str = await_only(asyncio.to_thread(super().hash, password))
        return result

    def verify(self, password_hash: str | None, password: str) -> bool:
        result: bool = await_only(asyncio.to_thread(super().verify, password_hash, password))
        return result
